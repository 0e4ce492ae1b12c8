import { parseConfig, type Lookup, type SyncConfig } from '../config/config.ts';
import { BUG_REPORT_HINT, ConfigError, describeError, isSyncError } from '../core/errors.ts';
import { consoleLogger, type Logger } from '../core/log.ts';
import { createProgress, type Progress } from '../core/progress.ts';
import { redact } from '../core/secrets.ts';
import { readTimeZone } from '../core/time-format.ts';
import { renderReportText } from '../engine/report.ts';
import type { Language } from '../i18n/language.ts';
import type { SyncReport } from '../engine/report-types.ts';
import { runSyncAndNotify } from '../engine/run-and-notify.ts';
import { runDemo } from '../demo/demo.ts';
import { decodeTokenBlob } from '../platforms/garmin/garmin-tokens.ts';
import { createPlatformFactory } from '../platforms/factory.ts';
import { commandHelp, generalHelp, parseArgs, stringFlag, booleanFlag, UsageError, type CommandName, type FlagValues } from './args.ts';
import { runDoctor } from './doctor.ts';
import { runRepair } from './repair.ts';
import { runLoginCommand } from './login.ts';
import { buildLookup, checkDatabase, databasePath, readLocalKey, readLocalLogins } from './settings.ts';
import { runStatus } from './status.ts';
import { CLI_VERSION } from './version.ts';

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** One line for stdout: the result (report, JSON document, token). */
  readonly out: (line: string) => void;
  /** One line for stderr: logs, warnings, errors, messages around a result. */
  readonly err: (line: string) => void;
  readonly cwd: string;
  /** True when a person can answer prompts (standard input is a terminal). */
  readonly isTty: boolean;
  /** True when stderr is a terminal: progress redraws one live line. */
  readonly stderrIsTty?: boolean;
  /** Rewrites the live progress line on a terminal (no newline). */
  readonly errLive?: (text: string) => void;
  /** Reads one line from the terminal; `secret` hides what is typed. */
  readonly prompt: (question: string, options: { secret: boolean }) => Promise<string>;
}

/** Runs the CLI; returns the process exit code (0 ok, 1 something failed, 2 bad settings or usage). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    io.err(`error: ${describeError(error)}`);
    return 2;
  }
  if (args.command === 'version') {
    io.out(`sports-sync-x ${CLI_VERSION}`);
    return 0;
  }
  if (args.command === 'help') {
    io.out(args.helpFor ? commandHelp(args.helpFor) : generalHelp());
    return 0;
  }
  const command: CommandName = args.command;
  const json = booleanFlag(args.flags, 'json') === true;
  // With --json, stdout holds the one document; everything else goes to stderr.
  const log = consoleLogger({ verbose: booleanFlag(args.flags, 'verbose') === true, out: json ? io.err : io.out, err: io.err });
  try {
    switch (command) {
      case 'sync':
        return await syncCommand(args.flags, io, log, json);
      case 'demo':
        return await demoCommand(args.flags, io, log, json);
      case 'status':
        return runStatus(args.flags, io, buildLookup(io, args.flags), json);
      case 'login':
        return await runLoginCommand(args.flags, io, buildLookup(io, args.flags), log);
      case 'doctor':
        return await runDoctor(args.flags, io, buildLookup(io, args.flags));
      case 'undo':
      case 'rollback':
        return await runRepair(command, args.flags, io, log, json);
    }
  } catch (error) {
    const code = error instanceof ConfigError || error instanceof UsageError ? 2 : 1;
    io.err(`error: ${redact(describeError(error))}`);
    if (isSyncError(error) && error.hint) io.err(`  → ${redact(error.hint)}`);
    else if (!isSyncError(error) && !(error instanceof UsageError)) io.err(`  → ${BUG_REPORT_HINT}`);
    if (json) io.out(JSON.stringify({ ok: false, exitCode: code, error: redact(describeError(error)) }));
    return code;
  }
}

/**
 * Every settings problem before the first request: the whole configuration, the database path,
 * each Garmin token's shape; and the local login (a token kept by `login --for local`) is used first.
 */
export function prepareSyncConfig(lookup: Lookup, flags: FlagValues, log: Logger): SyncConfig {
  const dbState = checkDatabase(lookup, flags);
  const dbPath = databasePath(lookup);
  const localLogins = readLocalLogins(dbPath, dbState);
  let config = parseConfig(lookup, { storedLogins: new Set(localLogins.keys()) });
  if (config.platforms.length === 0) throw new ConfigError('SYNC_PLATFORM is empty; list the platforms to sync, e.g. SYNC_PLATFORM=GARMINCOM,COROS');
  for (const warning of config.configWarnings) log.warn(warning);
  for (const [id, region, account] of [['garmin_com', 'com', config.garminCom], ['garmin_cn', 'cn', config.garminCn]] as const) {
    if (!config.platforms.includes(id)) continue;
    if (localLogins.has(id)) {
      if (account.tokenBlob) log.debug(`${region === 'com' ? 'Garmin COM' : 'Garmin CN'}: using the token from \`login --for local\`; GARMIN_TOKEN_${region.toUpperCase()} is left to the Action`);
      config = { ...config, [id === 'garmin_com' ? 'garminCom' : 'garminCn']: { ...account, tokenBlob: undefined } };
    } else if (account.tokenBlob) {
      decodeTokenBlob(account.tokenBlob, region, `GARMIN_TOKEN_${region.toUpperCase()}`);
      log.warn(`GARMIN_TOKEN_${region.toUpperCase()} is the Action's token: if the Action uses it too, whichever refreshes second is locked out; run \`node cli.js login --for local${region === 'cn' ? ' --region cn' : ''}\` for this computer`);
    }
  }
  const localKey = config.stateSecret ? undefined : readLocalKey(dbPath);
  if (localKey) config = { ...config, stateSecret: localKey };
  return config;
}

function progressFor(io: CliIo, json: boolean): Progress {
  return createProgress({
    write: io.err,
    ...(io.stderrIsTty && io.errLive && !json ? { live: io.errLive } : {}),
  });
}

async function syncCommand(flags: FlagValues, io: CliIo, log: Logger, json: boolean): Promise<number> {
  const config = prepareSyncConfig(buildLookup(io, flags), flags, log);
  if (config.platforms.length === 1) log.warn(`only one platform (${config.platforms[0]}) is configured: duplicates are found, nothing is copied anywhere; list two or more in SYNC_PLATFORM`);
  const progress = progressFor(io, json);
  // Failures are listed once, in the report; live error lines would repeat them.
  // One line per upload only with --verbose: the progress line counts them, the report lists them.
  const verbose = booleanFlag(flags, 'verbose') === true;
  const runLog: Logger = { ...log, error: verbose ? log.error : () => {}, info: (message) => (message.startsWith('uploaded ') ? log.debug(message) : log.info(message)) };
  const result = await runSyncAndNotify({ config, log: runLog, createPlatform: createPlatformFactory(config, runLog), progress });
  progress.done();
  return finishReport(io, result.report, { timeZone: config.timeZone, language: config.language }, json, {});
}

async function demoCommand(flags: FlagValues, io: CliIo, log: Logger, json: boolean): Promise<number> {
  const dir = stringFlag(flags, 'dir') ?? 'db/demo';
  const timeZone = readTimeZone((name) => io.env[name]);
  const result = await runDemo({ dir, reset: booleanFlag(flags, 'reset') === true, dryRun: booleanFlag(flags, 'dry-run') === true, log });
  const extra = { database: result.dbPath, firstRun: result.firstRun };
  const code = finishReport(io, result.report, { timeZone }, json, extra);
  if (!json) {
    io.out('');
    io.out(`Database left for inspection: ${result.dbPath}  (try: node cli.js status --db ${result.dbPath})`);
    io.out(result.firstRun ? 'Run the demo again: the second run has nothing to upload. Start over with --reset.' : 'Start over with --reset.');
  }
  return code;
}

/** The report as text, or as the one JSON document: { ok, exitCode, timeZone, report, ...extra }. */
function finishReport(io: CliIo, report: SyncReport, view: { timeZone: string; language?: Language }, json: boolean, extra: Record<string, unknown>): number {
  const { timeZone } = view;
  const exitCode = report.outcome === 'ok' ? 0 : 1;
  if (json) {
    io.out(redact(JSON.stringify({ ok: exitCode === 0, exitCode, timeZone, ...extra, report })));
  } else {
    io.out('');
    io.out(redact(renderReportText(report, view)));
  }
  return exitCode;
}
