import * as core from '@actions/core';
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { PlatformId } from '../core/activity.ts';
import { parseConfig, type SyncConfig } from '../config/config.ts';
import { BUG_REPORT_HINT, ConfigError, describeError, isSyncError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { onSecretRegistered, redact, redactValue } from '../core/secrets.ts';
import type { SyncReport } from '../decide/report-types.ts';
import { renderReportText } from '../decide/report.ts';
import { runSyncAndNotify } from '../engine/run-and-notify.ts';
import type { PlatformFactory } from '../platforms/platform.ts';
import { createPlatformFactory, type StateKeyOptions } from '../platforms/factory.ts';
import { chooseStateKey, type StateKeyContext } from '../store/state-key.ts';
import { discardWriteAheadLog } from '../store/store.ts';
import { actionsLogger } from './action-log.ts';
import { restoreStateFromCache, stateUnavailableError, type CacheStateOptions } from './cache-state.ts';
import { uploadFitArtifact } from './fit-artifact.ts';
import {
  actionLookup,
  parseActionOptions,
  registerSecretInputs,
  storedSettingNames,
  type ActionOptions,
  type Env,
} from './inputs.ts';
import { keepWorkflowEnabled } from './keepalive.ts';
import { stateFingerprint } from './state-fingerprint.ts';
import { StateSaver, type SaveResult } from './state-saver.ts';
import { renderJobSummary } from './summary.ts';
import { checkForUpdate, readOwnPackageJson, upstreamRepository, type UpdateCheck } from './update-check.ts';

export interface RunActionDeps {
  readonly env: Env;
  /** Builds the platform adapters (the real clients by default). */
  readonly createPlatform?: (config: SyncConfig, log: Logger, keys: StateKeyOptions) => PlatformFactory;
  /** Milliseconds the in-flight transfers get after SIGINT (SIGTERM: a tenth of it) before the state is saved. */
  readonly cancelGraceMs?: number;
}

/** Names in the runner's step state (core.saveState → STATE_* in the post step). */
const STATE = {
  started: 'ssx-started',
  fingerprint: 'ssx-saved-fingerprint',
  saves: 'ssx-saves',
  done: 'ssx-done',
} as const;
/** Written as the saved fingerprint when nothing was saved yet (a first run). */
const NOTHING_SAVED = 'none';

// ---------------------------------------------------------------------------------------------
// Step 0: settings.

/** Everything the steps share, parsed once. */
export interface ActionRun {
  readonly env: Env;
  readonly log: Logger;
  readonly options: ActionOptions;
  readonly config: SyncConfig;
  readonly workspace: string;
  /** The database relative to the workspace: the one state file. */
  readonly dbRelative: string;
  readonly repositoryPrivate: boolean | undefined;
  readonly keyContext: StateKeyContext;
  readonly cacheOptions: CacheStateOptions;
}

export type PrepareResult =
  { readonly status: 'ready'; readonly run: ActionRun } | { readonly status: 'refused'; readonly message: string };

function readEventRepositoryPrivate(env: Env): boolean | undefined {
  const path = env.GITHUB_EVENT_PATH;
  if (!path || !existsSync(path)) return undefined;
  try {
    const event = JSON.parse(readFileSync(path, 'utf8')) as { repository?: { private?: unknown } };
    return typeof event.repository?.private === 'boolean' ? event.repository.private : undefined;
  } catch {
    return undefined;
  }
}

const hasGarminToken = (config: SyncConfig) =>
  config.platforms.some(
    (id) => (id === 'garmin_com' ? config.garminCom : id === 'garmin_cn' ? config.garminCn : undefined)?.tokenBlob,
  );

/** Refusals that must come before anything is synced (a token renewed then would be lost). */
export function refusal(options: ActionOptions, config: SyncConfig, keyContext: StateKeyContext): string | undefined {
  if (options.state === 'none' && hasGarminToken(config) && !options.allowStateNone) {
    return (
      'state: none cannot keep the renewed Garmin token (refresh tokens are single-use), so the token stops ' +
      'working after the first refresh; use state: git or state: cache, or set allow-state-none: true to sign in ' +
      'again yourself when it does'
    );
  }
  if (options.state === 'git' && keyContext.repositoryPrivate === false && !config.stateSecret && !config.dryRun) {
    return (
      'state: git in a public repository needs STATE_SECRET: without it the committed database can be opened by ' +
      'anyone who knows your token or guesses your password; add a repository secret STATE_SECRET of at least 12 ' +
      'random characters (`openssl rand -base64 24`) and pass it as state-secret, or use state: cache'
    );
  }
  if (options.state !== 'none') {
    const choice = chooseStateKey(config, keyContext);
    if (choice.source === 'none') return choice.reason;
  }
  return undefined;
}

export function prepareRun(env: Env, log: Logger): PrepareResult {
  const workspace = resolve(env.GITHUB_WORKSPACE ?? process.cwd());
  // The cache library archives paths relative to the working directory: make it the workspace.
  if (existsSync(workspace) && resolve(process.cwd()) !== workspace) process.chdir(workspace);
  try {
    const options = parseActionOptions(env);
    const parsed = parseConfig(actionLookup(env), { setNames: storedSettingNames(env) });
    if (parsed.platforms.length === 0)
      throw new ConfigError(
        'no platform to sync: set the input platforms (or the repository variable SYNC_PLATFORM), e.g. GARMINCOM,COROS',
      );
    const dbPath = resolve(workspace, parsed.dbPath);
    const inside = relative(workspace, dbPath);
    if (options.state !== 'none' && (inside.startsWith('..') || isAbsolute(inside)))
      throw new ConfigError(
        `db-path ${parsed.dbPath} is outside the workspace; state: ${options.state} can only keep files inside ` +
          'it (use a relative path such as db/sports_sync.sqlite)',
      );
    const config: SyncConfig = { ...parsed, dbPath, fitDir: resolve(workspace, parsed.fitDir) };
    const repositoryPrivate = readEventRepositoryPrivate(env);
    const keyContext: StateKeyContext = { inActions: true, repositoryPrivate };
    const refused = refusal(options, config, keyContext);
    if (refused) return { status: 'refused', message: refused };
    const dbRelative = relative(workspace, config.dbPath);
    const cacheOptions: CacheStateOptions = {
      paths: [dbRelative],
      prefix: options.cacheKeyPrefix,
      runId: env.GITHUB_RUN_ID ?? String(Date.now()),
      runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
      log,
    };
    return {
      status: 'ready',
      run: { env, log, options, config, workspace, dbRelative, repositoryPrivate, keyContext, cacheOptions },
    };
  } catch (error) {
    return { status: 'refused', message: redact(error instanceof ConfigError ? error.message : describeError(error)) };
  }
}

// ---------------------------------------------------------------------------------------------
// Step 1: restore.

export type RestoreResult =
  | {
      readonly status: 'restored';
      readonly firstRun: boolean;
      readonly lines: readonly string[];
      readonly fingerprint: string | undefined;
    }
  | { readonly status: 'unavailable'; readonly message: string; readonly hint: string };

export async function restoreStep(run: ActionRun): Promise<RestoreResult> {
  const { options, log, config, dbRelative } = run;
  const lines: string[] = [];
  let firstRun = false;
  if (options.state === 'cache') {
    const lookup = {
      apiUrl: run.env.GITHUB_API_URL ?? 'https://api.github.com',
      repository: run.env.GITHUB_REPOSITORY ?? '',
      token: options.githubToken,
      ref: run.env.GITHUB_REF,
    };
    // A log left by a killed run on a kept workspace belongs to the old file, not to the one restored.
    discardWriteAheadLog(config.dbPath);
    const result = await restoreStateFromCache(run.cacheOptions, lookup);
    if (result.status === 'unavailable') {
      const error = stateUnavailableError(result.detail, options.cacheKeyPrefix);
      return { status: 'unavailable', message: redact(error.message), hint: redact(error.hint ?? '') };
    }
    if (result.status === 'restored') lines.push(`State restored from cache key \`${result.matchedKey}\`.`);
    else {
      firstRun = true;
      lines.push(
        `No saved state: ${result.detail}. Started from an empty database (nothing is uploaded twice: the ` +
          'platforms are always checked).',
      );
      log.warn(`starting from an empty database: ${result.detail}`);
    }
  } else if (options.state === 'git') {
    if (existsSync(config.dbPath))
      log.info(`database ${dbRelative} found in the checkout (${statSync(config.dbPath).size} bytes)`);
    else {
      firstRun = true;
      log.info(`no database at ${dbRelative} yet: first run`);
    }
  } else {
    lines.push('State is not kept between runs (state: none): every run lists the platforms afresh.');
  }
  const fingerprint = firstRun ? undefined : stateFingerprint([config.dbPath], [dbRelative]);
  return { status: 'restored', firstRun, lines, fingerprint };
}

// ---------------------------------------------------------------------------------------------
// Step 2: sync and notify.

export type SyncStepResult =
  | { readonly status: 'synced'; readonly report: SyncReport; readonly fitFiles: readonly string[] }
  | { readonly status: 'failed'; readonly message: string };

function runUrl(env: Env): string | undefined {
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return undefined;
  return `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
}

export async function syncStep(
  run: ActionRun,
  deps: RunActionDeps,
  hooks: { signal: AbortSignal; onSealedWrite: (platform: PlatformId, name: string) => void },
): Promise<SyncStepResult> {
  try {
    const keys: StateKeyOptions = { context: run.keyContext, onSealedWrite: hooks.onSealedWrite };
    const factory = (
      deps.createPlatform ?? ((config, log, keyOptions) => createPlatformFactory(config, log, {}, keyOptions))
    )(run.config, run.log, keys);
    const url = runUrl(run.env);
    const result = await runSyncAndNotify({
      config: run.config,
      log: run.log,
      createPlatform: factory,
      signal: hooks.signal,
      ...(url ? { runUrl: url } : {}),
    });
    run.log.info(
      redact(renderReportText(result.report, { language: run.config.language, timeZone: run.config.notify.timeZone })),
    );
    return { status: 'synced', report: result.report, fitFiles: result.fitFiles };
  } catch (error) {
    const hint = isSyncError(error) ? error.hint : BUG_REPORT_HINT;
    return {
      status: 'failed',
      message: `sync failed: ${redact(describeError(error))}${hint ? ` — ${redact(hint)}` : ''}`,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Step 3: persist (the saver is shared with the token-rotation, cancel and post-step saves).

export function createSaver(run: ActionRun, savedFingerprint: string | undefined, savesBefore = 0): StateSaver {
  const { options, env } = run;
  return new StateSaver({
    mode: options.state === 'cache' ? 'cache' : 'git',
    workspace: run.workspace,
    dbRelative: run.dbRelative,
    commitMessage: options.commitMessage,
    pushAttempts: options.pushAttempts,
    backoffMs: (retry) => retry * options.pushBackoffSeconds * 1000,
    fallbackBranch: env.GITHUB_REF?.startsWith('refs/heads/') ? env.GITHUB_REF.slice('refs/heads/'.length) : undefined,
    cache: run.cacheOptions,
    log: run.log,
    savedFingerprint,
    savesBefore,
    onSaved: (fingerprint, saves) => {
      core.saveState(STATE.fingerprint, fingerprint);
      core.saveState(STATE.saves, String(saves));
    },
  });
}

/** The line that says a renewed token is lost, and what to do (summary and error annotation). */
export function lostTokenLine(platforms: ReadonlySet<PlatformId>, detail: string): string {
  const regions = [...platforms].filter((id) => id !== 'coros').map((id) => (id === 'garmin_com' ? 'com' : 'cn'));
  const fix = regions.length
    ? regions
        .map(
          (region) =>
            `\`node cli.js login --for action --region ${region}\` and update GARMIN_TOKEN_${region.toUpperCase()}`,
        )
        .join('; ')
    : '`node cli.js login --for action` and update the token secret';
  return (
    `❌ A sign-in token renewed in this run could not be saved (${detail}); the next run will fail with ` +
    `invalid_grant. Fix: re-run this job so the state is saved, or run ${fix}.`
  );
}

export async function persistStep(run: ActionRun, saver: StateSaver): Promise<SaveResult | undefined> {
  if (run.options.state === 'none') return undefined;
  if (run.config.dryRun) return { status: 'unchanged', line: 'Dry run: the state was not saved.' };
  return run.log.group('Save state', () => saver.save('end', false));
}

// ---------------------------------------------------------------------------------------------
// Step 4: publish the FIT files and keep the schedule alive.

export interface PublishResult {
  readonly artifactLine?: string;
  readonly artifactId?: number;
  readonly warnings: readonly string[];
}

export async function publishStep(run: ActionRun, fitFiles: readonly string[]): Promise<PublishResult> {
  const { options, config, log, env } = run;
  const warnings: string[] = [];
  let artifactLine: string | undefined;
  let artifactId: number | undefined;
  if (options.fitArtifact && !config.dryRun) {
    const result = await log.group('Upload FIT files', () =>
      uploadFitArtifact({
        files: fitFiles,
        rootDirectory: config.fitDir,
        name: options.fitArtifactName,
        retentionDays: options.fitArtifactRetentionDays,
      }),
    );
    if (result.status === 'uploaded') {
      artifactId = result.id;
      artifactLine =
        `Uploaded ${result.files.length} FIT file(s) as artifact \`${options.fitArtifactName}\`, kept ` +
        `${options.fitArtifactRetentionDays} day(s).`;
    } else if (result.status === 'skipped') artifactLine = `No FIT artifact: ${result.reason}.`;
    else {
      artifactLine = `⚠️ The FIT artifact could not be uploaded: ${result.message}. The sync itself is unaffected.`;
      warnings.push(`FIT artifact upload failed: ${result.message}`);
      log.warn(`FIT artifact upload failed: ${result.message}`);
    }
  }
  if (options.keepalive && env.GITHUB_EVENT_NAME === 'schedule') {
    const result = await keepWorkflowEnabled({
      apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
      repository: env.GITHUB_REPOSITORY,
      workflowRef: env.GITHUB_WORKFLOW_REF,
      token: options.githubToken,
    });
    if (result.status === 'failed') {
      warnings.push(`keepalive: ${result.message}`);
      log.warn(`keepalive: ${result.message}`);
    } else if (result.status === 'enabled') log.info(`keepalive: workflow ${result.workflow} stays enabled`);
  }
  return { ...(artifactLine ? { artifactLine } : {}), ...(artifactId !== undefined ? { artifactId } : {}), warnings };
}

// ---------------------------------------------------------------------------------------------
// Step 5: summary and outputs.

/** Step outputs are limited to 1 MB each: a huge first run keeps its counts and drops the item lists. */
const MAX_REPORT_OUTPUT_BYTES = 900_000;

/** The report as JSON, redacted as an object first so the output is always valid JSON. */
export function reportForOutput(report: SyncReport): string {
  const safe = redactValue(report);
  const full = JSON.stringify(safe);
  if (Buffer.byteLength(full) <= MAX_REPORT_OUTPUT_BYTES) return full;
  const trimmed = {
    ...safe,
    transfers: safe.transfers
      .filter((transfer) => transfer.outcome !== 'created' && transfer.outcome !== 'planned')
      .slice(0, 500),
    transfersOmitted: safe.transfers.length,
  };
  const smaller = JSON.stringify(trimmed);
  if (Buffer.byteLength(smaller) <= MAX_REPORT_OUTPUT_BYTES) return smaller;
  return JSON.stringify({
    ...safe,
    transfers: [],
    duplicates: [],
    transfersOmitted: safe.transfers.length,
    duplicatesOmitted: safe.duplicates.length,
  });
}

function setOutputs(
  report: SyncReport | undefined,
  extras: { stateCommitted: boolean; artifactId: number | undefined },
): void {
  if (report) {
    core.setOutput('uploaded', report.counts.uploaded);
    core.setOutput('duplicates-found', report.counts.duplicatesFound);
    core.setOutput('deleted', report.counts.deleted);
    core.setOutput('failed', report.counts.failed);
    core.setOutput('outcome', report.outcome);
    core.setOutput('report-json', reportForOutput(report));
  }
  core.setOutput('state-committed', extras.stateCommitted ? 'true' : 'false');
  core.setOutput('artifact-id', extras.artifactId === undefined ? '' : String(extras.artifactId));
}

function writeSummary(env: Env, markdown: string): void {
  const path = env.GITHUB_STEP_SUMMARY;
  if (!path) return;
  try {
    appendFileSync(path, markdown + '\n');
  } catch (error) {
    core.warning(`could not write the job summary: ${redact(describeError(error))}`);
  }
}

/** Fails the step with a summary section: the one way every early stop ends. */
function stopEarly(env: Env, title: string, message: string, code: number): number {
  core.setFailed(message);
  writeSummary(env, `## ❌ Sports Sync X: ${title}\n\n${message}\n`);
  if (code !== 2) setOutputs(undefined, { stateCommitted: false, artifactId: undefined });
  return code;
}

/** One request for the latest release; it never fails the run. */
export async function updateStep(run: ActionRun): Promise<UpdateCheck> {
  const { env, options, config } = run;
  const ownPackage = readOwnPackageJson(import.meta.url);
  const token =
    (env.GITHUB_API_URL ?? 'https://api.github.com') === 'https://api.github.com' && options.githubToken
      ? { token: options.githubToken }
      : {};
  const update = await checkForUpdate({
    upstream: upstreamRepository(env.GITHUB_ACTION_REPOSITORY, ownPackage),
    current: ownPackage?.version,
    endpoints: config.endpoints,
    ...token,
  });
  if (update.status === 'failed' || update.status === 'skipped')
    run.log.debug(`update check: ${update.status === 'failed' ? update.message : update.reason}`);
  return update;
}

export function finishStep(
  run: ActionRun,
  report: SyncReport,
  parts: {
    stateLines: readonly string[];
    publish: PublishResult;
    stateCommitted: boolean;
    stateFailed: boolean;
    update?: UpdateCheck;
  },
): number {
  const { env, log } = run;
  const url = runUrl(env);
  writeSummary(
    env,
    renderJobSummary(report, {
      stateMode: run.options.state,
      stateLines: parts.stateLines,
      ...(parts.publish.artifactLine ? { artifactLine: parts.publish.artifactLine } : {}),
      repositoryPrivate: run.repositoryPrivate,
      warnings: [...run.config.configWarnings, ...parts.publish.warnings],
      ...(url ? { runUrl: url } : {}),
      expiryWarningDays: run.config.notify.expiryWarningDays,
      language: run.config.language,
      timeZone: run.config.notify.timeZone,
      ...(parts.update?.status === 'newer' ? { update: parts.update } : {}),
    }),
  );
  setOutputs(report, { stateCommitted: parts.stateCommitted, artifactId: parts.publish.artifactId });
  let exitCode = parts.stateFailed ? 1 : 0;
  const platformFailed = report.platforms.some((platform) => platform.error);
  if (report.outcome === 'failed' || platformFailed) {
    exitCode = 1;
    core.setFailed(
      report.outcome === 'failed'
        ? 'the sync failed; see the job summary for the next step'
        : 'a platform could not be synced; see the job summary for the next step',
    );
  } else if (parts.stateFailed) core.setFailed('the sync worked but its state was not saved; see the job summary');
  for (const failure of report.failures)
    if (!platformFailed || !report.platforms.some((platform) => platform.label === failure.scope))
      log.warn(`${failure.scope}: ${failure.message}${failure.nextStep ? ` → ${failure.nextStep}` : ''}`);
  return exitCode;
}

// ---------------------------------------------------------------------------------------------
// The main step.

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms).unref());

/**
 * The Action from start to end: mask, parse, restore state, sync and notify, persist state,
 * upload FIT files, keep the schedule alive, write summary and outputs. A renewed Garmin token is
 * saved at once (state git); SIGINT/SIGTERM stop new transfers and save the state before the
 * runner kills the process; the post step saves whatever the main step could not. Returns the exit code.
 */
export async function runAction(deps: RunActionDeps): Promise<number> {
  const { env } = deps;
  // Masking first: every credential and every token derived later is hidden from the log.
  onSecretRegistered((value) => core.setSecret(value));
  registerSecretInputs(env);
  const log = actionsLogger();
  core.saveState(STATE.started, '1');

  const prepared = prepareRun(env, log);
  if (prepared.status === 'refused') return stopEarly(env, 'bad settings', prepared.message, 2);
  const run = prepared.run;
  const { options, config } = run;
  for (const warning of config.configWarnings) log.warn(warning);
  if (config.platforms.length === 1)
    log.warn(
      `only one platform (${config.platforms[0]}) is configured: duplicates are found, nothing is copied ` +
        'anywhere; list two or more in platforms / SYNC_PLATFORM',
    );
  if (run.repositoryPrivate === false && options.state === 'git')
    log.warn(
      'this repository is public and state is git: the database (your workout history) is readable by anyone; ' +
        'see the job summary for how to keep it private',
    );

  const restored = await log.group('Restore state', () => restoreStep(run));
  if (restored.status === 'unavailable')
    return stopEarly(env, 'state not restored', `${restored.message}. ${restored.hint}`, 1);
  const keepsState = options.state !== 'none' && !config.dryRun;
  if (keepsState) core.saveState(STATE.fingerprint, restored.fingerprint ?? NOTHING_SAVED);
  const saver = createSaver(run, restored.fingerprint);

  // Renewed tokens (sealed writes by a Garmin adapter) are saved at once, while the sync goes on.
  const renewed = new Set<PlatformId>();
  let syncDone = false;
  let tokenSave: Promise<SaveResult> | undefined;
  const onSealedWrite = (platform: PlatformId) => {
    if (platform === 'coros') return;
    renewed.add(platform);
    if (!keepsState || tokenSave) return;
    tokenSave = sleep(0)
      .then(() => saver.save('token', !syncDone))
      .then((result) => {
        if (result.status === 'failed')
          log.warn(`saving the renewed token at once failed (retried at the end): ${result.message}`);
        else if (result.status === 'saved') log.info(result.line.replace(/`/g, ''));
        return result;
      })
      .finally(() => {
        tokenSave = undefined;
      });
  };

  const controller = new AbortController();
  const syncing = log.group('Sync', () => syncStep(run, deps, { signal: controller.signal, onSealedWrite }));
  const stopWatching = watchCancellation(async (signal, previous) => {
    if (previous) return; // A second signal only shortens the grace (below).
    log.warn(`${signal} received (the job was cancelled or timed out): starting no new transfer and saving the state`);
    controller.abort();
    const grace = deps.cancelGraceMs ?? 3000;
    await Promise.race([syncing, sleep(signal === 'SIGTERM' ? grace / 10 : grace), secondSignal()]);
    const result = keepsState ? await saver.save('signal', !syncDone) : undefined;
    const lines = [`Cancelled by ${signal}.`, ...(result ? [result.line] : [])];
    if (result?.status === 'failed' && renewed.size) {
      const lost = lostTokenLine(renewed, result.message);
      lines.push(lost);
      log.error(lost);
    } else if (result) log.info(result.line.replace(/`/g, ''));
    if (result?.status !== 'failed') core.saveState(STATE.done, '1');
    writeSummary(env, `## ⚠️ Sports Sync X: cancelled\n\n${lines.map((line) => `- ${line}`).join('\n')}\n`);
    core.setFailed(
      `cancelled by ${signal}; ` +
        `${result?.status === 'failed' ? 'the state was not saved (the post step tries again)' : 'the state is saved'}`,
    );
    process.exit(1);
  });

  const synced = await syncing;
  syncDone = true;
  try {
    if (synced.status === 'failed') {
      // Whatever was written before the failure (a renewed token) is still worth keeping.
      if (keepsState && saver.pending()) await saver.save('end', false);
      return stopEarly(env, 'sync failed', synced.message, 1);
    }
    await tokenSave;
    const saved = await persistStep(run, saver);
    const stateLines = [...restored.lines];
    if (saved) stateLines.push(saved.line);
    if (saved?.status === 'failed') {
      log.error(saved.line.replace(/^❌ /, ''));
      if (renewed.size) {
        const lost = lostTokenLine(renewed, saved.message);
        stateLines.push(lost);
        log.error(lost);
      }
    } else if (saved) log.info(saved.line.replace(/`/g, ''));
    if (saved?.status !== 'failed') core.saveState(STATE.done, '1');
    const publish = await publishStep(run, synced.fitFiles);
    const update = await updateStep(run);
    return finishStep(run, synced.report, {
      stateLines,
      publish,
      stateCommitted: saved?.status === 'saved',
      stateFailed: saved?.status === 'failed',
      update,
    });
  } finally {
    stopWatching();
  }
}

// ---------------------------------------------------------------------------------------------
// Signals.

let signalCount = 0;
let onSecond: (() => void) | undefined;
const secondSignal = () => new Promise<void>((done) => (onSecond = done));

/** Handles SIGINT/SIGTERM (the runner's cancel: SIGINT, SIGTERM seconds later, then kill). */
function watchCancellation(handler: (signal: NodeJS.Signals, previous: boolean) => Promise<void>): () => void {
  const listener = (signal: NodeJS.Signals) => {
    signalCount++;
    if (signalCount > 1) onSecond?.();
    void handler(signal, signalCount > 1);
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return () => {
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
}

// ---------------------------------------------------------------------------------------------
// The post step.

/** Whether this process is the post step (the main step recorded that it started). */
export function isPostStep(): boolean {
  return core.getState(STATE.started) === '1';
}

/**
 * Runs after the main step even when it was cancelled or killed (post-if: always()): saves the
 * database if it differs from what was saved last. Never fails the job for anything else.
 */
export async function runPostStep(deps: RunActionDeps): Promise<number> {
  const { env } = deps;
  onSecretRegistered((value) => core.setSecret(value));
  registerSecretInputs(env);
  const log = actionsLogger();
  if (core.getState(STATE.done) === '1') {
    log.info('the main step saved the state; nothing to do');
    return 0;
  }
  const recorded = core.getState(STATE.fingerprint);
  if (!recorded) {
    log.info('the main step stopped before its state was restored; nothing to save');
    return 0;
  }
  const prepared = prepareRun(env, log);
  if (prepared.status === 'refused') return 0;
  const saver = createSaver(
    prepared.run,
    recorded === NOTHING_SAVED ? undefined : recorded,
    Number(core.getState(STATE.saves) || '0'),
  );
  const result = await log.group('Save state (post step)', () => saver.save('post', false));
  if (result.status === 'failed') {
    const lost = lostTokenLine(new Set(prepared.run.config.platforms), result.message);
    log.error(lost);
    writeSummary(env, `## ❌ Sports Sync X: state not saved\n\n- ${result.line}\n- ${lost}\n`);
    core.setFailed('the state could not be saved by the post step either; see the job summary');
    return 1;
  }
  log.info(result.line.replace(/`/g, ''));
  if (result.status === 'saved')
    writeSummary(env, `## Sports Sync X: state saved by the post step\n\n- ${result.line}\n`);
  return 0;
}
