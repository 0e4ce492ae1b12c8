import { relative } from 'node:path';
import { BUG_REPORT_HINT, ConfigError, describeError, isSyncError } from '../core/errors.ts';
import { consoleLogger, type Logger } from '../core/log.ts';
import { createProgress, type Progress } from '../core/progress.ts';
import { redact } from '../core/secrets.ts';
import { readTimeZone } from '../core/time-format.ts';
import { renderReportText } from '../decide/report.ts';
import type { Language } from '../i18n/language.ts';
import type { SyncReport } from '../decide/report-types.ts';
import { runSyncAndNotify } from '../engine/run-and-notify.ts';
import { runDemo } from '../demo/demo.ts';
import { createPlatformFactory } from '../platforms/factory.ts';
import {
  commandHelp,
  generalHelp,
  parseArgs,
  stringFlag,
  booleanFlag,
  UsageError,
  type CommandName,
  type FlagValues,
} from './args.ts';
import { runDoctor } from './doctor.ts';
import { runRepair } from './repair.ts';
import { runLoginCommand } from './login.ts';
import { buildLookup } from './settings.ts';
import { runStatus } from './status.ts';
import { CLI_VERSION } from './version.ts';
import type { CliIo } from './io.ts';
import { prepareSyncConfig } from './sync-config.ts';

export type { CliIo };
export { prepareSyncConfig };

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
  const log = consoleLogger({
    verbose: booleanFlag(args.flags, 'verbose') === true,
    out: json ? io.err : io.out,
    err: io.err,
  });
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

function progressFor(io: CliIo, json: boolean): Progress {
  return createProgress({
    write: io.err,
    ...(io.stderrIsTty && io.errLive && !json ? { live: io.errLive } : {}),
  });
}

async function syncCommand(flags: FlagValues, io: CliIo, log: Logger, json: boolean): Promise<number> {
  const config = prepareSyncConfig(buildLookup(io, flags), flags, log);
  if (config.platforms.length === 1)
    log.warn(
      `only one platform (${config.platforms[0]}) is configured: duplicates are found, nothing is copied ` +
        'anywhere; list two or more in SYNC_PLATFORM',
    );
  const progress = progressFor(io, json);
  // Failures are listed once, in the report; live error lines would repeat them.
  // One line per upload only with --verbose: the progress line counts them, the report lists them.
  const verbose = booleanFlag(flags, 'verbose') === true;
  const runLog: Logger = {
    ...log,
    error: verbose ? log.error : () => {},
    info: (message) => (message.startsWith('uploaded ') ? log.debug(message) : log.info(message)),
  };
  const result = await runSyncAndNotify({
    config,
    log: runLog,
    createPlatform: createPlatformFactory(config, runLog),
    progress,
  });
  progress.done();
  return finishReport(io, result.report, { timeZone: config.timeZone, language: config.language }, json, {});
}

async function demoCommand(flags: FlagValues, io: CliIo, log: Logger, json: boolean): Promise<number> {
  const dir = stringFlag(flags, 'dir') ?? 'db/demo';
  const timeZone = readTimeZone((name) => io.env[name]);
  const result = await runDemo({
    dir,
    reset: booleanFlag(flags, 'reset') === true,
    dryRun: booleanFlag(flags, 'dry-run') === true,
    log,
  });
  const extra = { database: result.dbPath, firstRun: result.firstRun };
  const code = finishReport(io, result.report, { timeZone }, json, extra);
  if (!json) {
    io.out('');
    io.out(`Database left for inspection: ${result.dbPath}  (try: node ${cliPath()} status --db ${result.dbPath})`);
    io.out(
      result.firstRun
        ? 'Run the demo again: the second run has nothing to upload. Start over with --reset.'
        : 'Start over with --reset.',
    );
  }
  return code;
}

/** The report as text, or as the one JSON document: { ok, exitCode, timeZone, report, ...extra }. */
function finishReport(
  io: CliIo,
  report: SyncReport,
  view: { timeZone: string; language?: Language },
  json: boolean,
  extra: Record<string, unknown>,
): number {
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

/** How the user ran this file (`action/cli.js` in a clone, `cli.js` when fetched), for hints. */
function cliPath(): string {
  const script = process.argv[1];
  if (!script) return 'cli.js';
  const shown = relative(process.cwd(), script);
  return shown && !shown.startsWith('..') ? shown : script;
}
