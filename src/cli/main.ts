import { existsSync, readFileSync } from 'node:fs';
import { PLATFORM_IDS, PLATFORM_LABELS } from '../core/activity.ts';
import { parseConfig, parseDotEnv, type Lookup } from '../config/config.ts';
import { ConfigError, describeError, isSyncError } from '../core/errors.ts';
import { consoleLogger } from '../core/log.ts';
import { redact } from '../core/secrets.ts';
import { renderReportText } from '../engine/report.ts';
import { runSyncAndNotify } from '../engine/run-and-notify.ts';
import { runDemo } from '../demo/demo.ts';
import { describeRoutingSetting } from '../i18n/routing-setting.ts';
import { createPlatformFactory } from '../platforms/factory.ts';
import { Store } from '../store/store.ts';
import { parseArgs } from './args.ts';
import { runLoginCommand } from './login.ts';

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly cwd: string;
  readonly isTty: boolean;
  /** Reads one line from the terminal; `secret` hides what is typed. */
  readonly prompt: (question: string, options: { secret: boolean }) => Promise<string>;
}

const SWITCHES = new Set(['dry-run', 'full-scan', 'verbose', 'help', 'reset', 'version', 'json']);

const USAGE = `Usage: sports-sync-x <command> [options]

Commands:
  sync     Sync workouts between the platforms in SYNC_PLATFORM
             --dry-run       change nothing anywhere; say what would be done
             --full-scan     re-list the whole window instead of stopping at known activities
             --env-file F    read settings from F (default: ./.env when present)
             --db PATH       SQLite file (default db/sports_sync.sqlite, or SYNC_DB_PATH)
             --verbose       more detail
  demo     Sync three emulated platforms end to end, no accounts needed
             --reset         start again from the seeded world
             --dir D         where the demo keeps its files (default db/demo)
  status   Show the last runs and what the database knows
  login    Get a Garmin token for the GARMIN_TOKEN_COM / GARMIN_TOKEN_CN secret
             --region com|cn  --email E  --ticket ST-…  (password and MFA code are prompted)

Settings come from environment variables (see README): SYNC_PLATFORM, GARMIN_EMAIL_COM,
GARMIN_PASSWORD_COM, GARMIN_TOKEN_COM, GARMIN_EMAIL_CN, GARMIN_PASSWORD_CN, GARMIN_TOKEN_CN,
COROS_EMAIL, COROS_PASSWORD, GARMIN_NEWEST_NUM, DELETE_DUPLICATE, SPORT_DIFF_SECOND, QYWX_BOT_KEY …`;

/** Settings lookup: command-line flags, then the environment, then the .env file. */
export function buildLookup(io: CliIo, flags: ReadonlyMap<string, string | true>): Lookup {
  const envFileFlag = flags.get('env-file');
  let fileValues = new Map<string, string>();
  const envFile = typeof envFileFlag === 'string' ? envFileFlag : existsSync(`${io.cwd}/.env`) ? `${io.cwd}/.env` : undefined;
  if (envFile !== undefined) {
    if (!existsSync(envFile)) throw new ConfigError(`--env-file ${envFile} does not exist; check the path`);
    fileValues = parseDotEnv(readFileSync(envFile, 'utf8'), envFile);
  }
  const fromFlags: Record<string, string | undefined> = {
    DRY_RUN: flags.get('dry-run') === true ? '1' : undefined,
    FULL_SCAN: flags.get('full-scan') === true ? '1' : undefined,
    SYNC_DB_PATH: typeof flags.get('db') === 'string' ? (flags.get('db') as string) : undefined,
  };
  return (name) => fromFlags[name] ?? io.env[name] ?? fileValues.get(name);
}

/** Runs the CLI; returns the process exit code (0 ok, 1 something failed, 2 bad settings or usage). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, SWITCHES);
  } catch (error) {
    io.err(`error: ${describeError(error)}`);
    return 2;
  }
  if (args.flags.has('version')) {
    io.out('sports-sync-x 0.1.0');
    return 0;
  }
  if (args.flags.has('help') || args.command === undefined || args.command === 'help') {
    io.out(USAGE);
    return args.command === undefined && !args.flags.has('help') ? 2 : 0;
  }
  const log = consoleLogger({ verbose: args.flags.has('verbose'), out: io.out, err: io.err });
  try {
    switch (args.command) {
      case 'sync': {
        const config = parseConfig(buildLookup(io, args.flags));
        if (config.platforms.length === 0) throw new ConfigError('SYNC_PLATFORM is empty; list the platforms to sync, e.g. SYNC_PLATFORM=GARMINCOM,COROS');
        for (const warning of config.configWarnings) log.warn(warning);
        if (config.platforms.length === 1) log.warn(`only one platform (${config.platforms[0]}) is configured: duplicates are found, nothing is copied anywhere; list two or more in SYNC_PLATFORM`);
        const result = await runSyncAndNotify({ config, log, createPlatform: createPlatformFactory(config, log) });
        io.out('');
        io.out(redact(renderReportText(result.report, { language: config.language, timeZone: config.notify.timeZone })));
        return result.report.outcome === 'ok' ? 0 : 1;
      }
      case 'demo': {
        const dir = typeof args.flags.get('dir') === 'string' ? (args.flags.get('dir') as string) : 'db/demo';
        const result = await runDemo({ dir, reset: args.flags.has('reset'), dryRun: args.flags.has('dry-run'), log });
        io.out('');
        io.out(renderReportText(result.report));
        io.out('');
        io.out(`Database left for inspection: ${result.dbPath}  (try: npx sports-sync-x status --db ${result.dbPath})`);
        io.out(result.firstRun ? 'Run the demo again: the second run has nothing to upload. Start over with --reset.' : 'Start over with --reset.');
        return result.report.outcome === 'ok' ? 0 : 1;
      }
      case 'status':
        return showStatus(io, buildLookup(io, args.flags));
      case 'login':
        return await runLoginCommand(args, io, buildLookup(io, args.flags), log);
      default:
        io.err(`error: unknown command "${args.command}"; run sports-sync-x --help`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`error: ${redact(error.message)}`);
      return 2;
    }
    io.err(`error: ${redact(describeError(error))}`);
    if (isSyncError(error) && error.hint) io.err(`  → ${redact(error.hint)}`);
    return 1;
  }
}

function showStatus(io: CliIo, lookup: Lookup): number {
  const dbPath = lookup('SYNC_DB_PATH') ?? 'db/sports_sync.sqlite';
  if (!existsSync(dbPath)) {
    io.err(`error: no database at ${dbPath}; run a sync first (or pass --db PATH)`);
    return 2;
  }
  const store = Store.open(dbPath);
  try {
    io.out(`Database ${dbPath} (schema ${store.schemaVersion()})`);
    io.out(`  ${describeRoutingSetting(lookup)}`);
    for (const id of PLATFORM_IDS) {
      const count = store.activityCount(id);
      if (count === 0) continue;
      const listing = store.listingState(id);
      io.out(`  ${PLATFORM_LABELS[id]}: ${count} activities known${listing.coveredFromUtc !== null ? `, listed back to ${new Date(listing.coveredFromUtc * 1000).toISOString().slice(0, 10)}` : ''}${listing.complete ? ' (whole history)' : ''}`);
    }
    const transfers = store.transfers();
    const byOutcome = new Map<string, number>();
    for (const row of transfers) byOutcome.set(row.outcome, (byOutcome.get(row.outcome) ?? 0) + 1);
    io.out(`  Transfers: ${transfers.length ? [...byOutcome].map(([outcome, n]) => `${n} ${outcome}`).join(', ') : 'none yet'}`);
    io.out(`  Links between platforms: ${store.linkCount()}`);
    const maxAttempts = Number(lookup('MAX_UPLOAD_ATTEMPTS') ?? 3);
    const setAside = transfers.filter((row) => row.outcome === 'rejected' || (row.outcome === 'failed' && row.attempts >= maxAttempts));
    if (setAside.length) {
      io.out(`Set aside (not retried; upload by hand if you want them there):`);
      for (const row of setAside) io.out(`  ${PLATFORM_LABELS[row.sourcePlatform]} ${row.sourceId} → ${PLATFORM_LABELS[row.targetPlatform]}: ${row.outcome}${row.lastError ? ` — ${redact(row.lastError)}` : ''}`);
    }
    const runs = store.runs(5);
    io.out('Last runs:');
    for (const run of runs) {
      const counts = run.counts ? Object.entries(run.counts).map(([k, v]) => `${k} ${v}`).join(', ') : 'unfinished (killed?)';
      io.out(`  #${run.id} ${run.startedAt}${run.dryRun ? ' (dry run)' : ''}: ${run.outcome ?? '—'}; ${counts}`);
    }
  } finally {
    store.close();
  }
  return 0;
}
