import * as core from '@actions/core';
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parseConfig, type SyncConfig } from '../config/config.ts';
import { ConfigError, describeError, isSyncError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { onSecretRegistered, redact } from '../core/secrets.ts';
import type { SyncReport } from '../engine/report-types.ts';
import { renderReportText } from '../engine/report.ts';
import { runSyncAndNotify } from '../engine/run-and-notify.ts';
import type { PlatformFactory } from '../engine/sync-run.ts';
import { createPlatformFactory } from '../platforms/factory.ts';
import { actionsLogger } from './action-log.ts';
import { restoreStateFromCache, saveStateToCache, stateUnavailableError, type CacheStateOptions } from './cache-state.ts';
import { uploadFitArtifact } from './fit-artifact.ts';
import { commitAndPushState } from './git-state.ts';
import { actionLookup, parseActionOptions, registerSecretInputs, storedSettingNames, type ActionOptions, type Env } from './inputs.ts';
import { keepWorkflowEnabled } from './keepalive.ts';
import { stateFingerprint } from './state-fingerprint.ts';
import { renderJobSummary } from './summary.ts';
import { checkForUpdate, readOwnPackageJson, upstreamRepository } from './update-check.ts';

export interface RunActionDeps {
  readonly env: Env;
  /** Builds the platform adapters (the real clients by default). */
  readonly createPlatform?: (config: SyncConfig, log: Logger) => PlatformFactory;
}

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

function runUrl(env: Env): string | undefined {
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return undefined;
  return `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
}

/** Step outputs are limited to 1 MB each: a huge first run keeps its counts and drops the item lists. */
const MAX_REPORT_OUTPUT_BYTES = 900_000;

export function reportForOutput(report: SyncReport): string {
  const full = redact(JSON.stringify(report));
  if (Buffer.byteLength(full) <= MAX_REPORT_OUTPUT_BYTES) return full;
  const trimmed = { ...report, transfers: report.transfers.filter((transfer) => transfer.outcome !== 'created' && transfer.outcome !== 'planned').slice(0, 500), transfersOmitted: report.transfers.length };
  const smaller = redact(JSON.stringify(trimmed));
  if (Buffer.byteLength(smaller) <= MAX_REPORT_OUTPUT_BYTES) return smaller;
  return redact(JSON.stringify({ ...report, transfers: [], duplicates: [], transfersOmitted: report.transfers.length, duplicatesOmitted: report.duplicates.length }));
}

function setOutputs(report: SyncReport | undefined, extras: { stateCommitted: boolean; artifactId: number | undefined }): void {
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

/**
 * The Action from start to end: mask, parse, restore state, sync, notify, persist state, upload
 * FIT files, keep the schedule alive, write summary and outputs. Returns the exit code.
 */
export async function runAction(deps: RunActionDeps): Promise<number> {
  const { env } = deps;
  // Masking first: every credential and every token derived later is hidden from the log.
  onSecretRegistered((value) => core.setSecret(value));
  registerSecretInputs(env);
  const log = actionsLogger();

  let options: ActionOptions;
  let config: SyncConfig;
  const workspace = resolve(env.GITHUB_WORKSPACE ?? process.cwd());
  // The cache library archives paths relative to the working directory: make it the workspace.
  if (existsSync(workspace) && resolve(process.cwd()) !== workspace) process.chdir(workspace);
  try {
    options = parseActionOptions(env);
    const lookup = actionLookup(env);
    const parsed = parseConfig(lookup, storedSettingNames(env));
    if (parsed.platforms.length === 0) throw new ConfigError('no platform to sync: set the input platforms (or the repository variable SYNC_PLATFORM), e.g. GARMINCOM,COROS');
    const dbPath = resolve(workspace, parsed.dbPath);
    const inside = relative(workspace, dbPath);
    if (options.state !== 'none' && (inside.startsWith('..') || isAbsolute(inside))) throw new ConfigError(`db-path ${parsed.dbPath} is outside the workspace; state: ${options.state} can only keep files inside it (use a relative path such as db/sports_sync.sqlite)`);
    config = { ...parsed, dbPath, fitDir: resolve(workspace, parsed.fitDir) };
  } catch (error) {
    const message = redact(error instanceof ConfigError ? error.message : describeError(error));
    core.setFailed(message);
    writeSummary(env, `## ❌ Sports Sync X: bad settings\n\n${message}\n`);
    return 2;
  }
  if (config.platforms.length === 1) log.warn(`only one platform (${config.platforms[0]}) is configured: duplicates are found, nothing is copied anywhere; list two or more in platforms / SYNC_PLATFORM`);

  const dbRelative = relative(workspace, config.dbPath);
  const statePaths = [dbRelative];
  const absolute = (path: string) => join(workspace, path);
  const repositoryPrivate = readEventRepositoryPrivate(env);
  const warnings: string[] = [];
  const stateLines: string[] = [];
  for (const warning of config.configWarnings) {
    log.warn(warning);
    warnings.push(warning);
  }
  let exitCode = 0;
  let stateCommitted = false;
  const cacheOptions: CacheStateOptions = { paths: statePaths, prefix: options.cacheKeyPrefix, runId: env.GITHUB_RUN_ID ?? String(Date.now()), runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1', log };
  const lookup = { apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com', repository: env.GITHUB_REPOSITORY ?? '', token: options.githubToken, ref: env.GITHUB_REF };

  if (repositoryPrivate === false && options.state === 'git') {
    log.warn('this repository is public and state is git: the database (your workout history) is readable by anyone; see the job summary for how to keep it private');
  }

  // 1. Restore.
  let restoredFirstRun = false;
  const restored = await log.group('Restore state', async () => {
    if (options.state === 'cache') {
      const result = await restoreStateFromCache(cacheOptions, lookup);
      if (result.status === 'unavailable') return result;
      if (result.status === 'restored') stateLines.push(`State restored from cache key \`${result.matchedKey}\`.`);
      else {
        restoredFirstRun = true;
        stateLines.push(`No saved state: ${result.detail}. Started from an empty database (nothing is uploaded twice: the platforms are always checked).`);
        log.warn(`starting from an empty database: ${result.detail}`);
      }
    } else if (options.state === 'git') {
      if (existsSync(config.dbPath)) log.info(`database ${dbRelative} found in the checkout (${statSync(config.dbPath).size} bytes)`);
      else {
        restoredFirstRun = true;
        log.info(`no database at ${dbRelative} yet: first run`);
      }
    } else {
      stateLines.push('State is not kept between runs (state: none): every run lists the platforms afresh.');
    }
    return undefined;
  });
  if (restored?.status === 'unavailable') {
    const error = stateUnavailableError(restored.detail, options.cacheKeyPrefix);
    core.setFailed(redact(`${error.message}. ${error.hint ?? ''}`));
    writeSummary(env, `## ❌ Sports Sync X: state not restored\n\n${redact(error.message)}\n\n${redact(error.hint ?? '')}\n`);
    setOutputs(undefined, { stateCommitted: false, artifactId: undefined });
    return 1;
  }
  const before = stateFingerprint(statePaths.map(absolute));

  // 2. Sync, then notify (a failed notification only adds a warning to the report).
  let report: SyncReport;
  let fitFiles: readonly string[];
  try {
    const factory = (deps.createPlatform ?? createPlatformFactory)(config, log);
    const url = runUrl(env);
    const result = await runSyncAndNotify({ config, log, createPlatform: factory, ...(url ? { runUrl: url } : {}) });
    report = result.report;
    fitFiles = result.fitFiles;
  } catch (error) {
    const message = redact(describeError(error));
    core.setFailed(`sync failed: ${message}${isSyncError(error) && error.hint ? ` — ${redact(error.hint)}` : ''}`);
    writeSummary(env, `## ❌ Sports Sync X: sync failed\n\n${message}\n`);
    setOutputs(undefined, { stateCommitted: false, artifactId: undefined });
    return 1;
  }
  log.info(redact(renderReportText(report, { language: config.language, timeZone: config.notify.timeZone })));

  // 4. Persist state.
  const linesBeforeSave = stateLines.length;
  await log.group('Save state', async () => {
    if (options.state === 'none') return;
    if (config.dryRun) {
      stateLines.push('Dry run: the state was not saved.');
      return;
    }
    const changed = stateFingerprint(statePaths.map(absolute)) !== before;
    try {
      if (options.state === 'git') {
        if (!changed && !restoredFirstRun) {
          stateLines.push(`Database \`${dbRelative}\` unchanged: nothing committed.`);
          return;
        }
        const result = await commitAndPushState({
          workspace,
          paths: statePaths,
          message: options.commitMessage,
          attempts: options.pushAttempts,
          fallbackBranch: env.GITHUB_REF?.startsWith('refs/heads/') ? env.GITHUB_REF.slice('refs/heads/'.length) : undefined,
          log,
        });
        if (result.status === 'unchanged') stateLines.push(`Database \`${dbRelative}\` unchanged: nothing committed.`);
        else {
          stateCommitted = true;
          stateLines.push(`Database \`${dbRelative}\` committed and pushed to \`${result.branch}\` (${result.sha.slice(0, 7)})${result.rebased ? ` after rebasing onto newer commits (${result.attempts} attempts)` : ''}.`);
        }
      } else {
        if (!changed && !restoredFirstRun) {
          stateLines.push('State unchanged: no new cache entry saved (the restored entry stays the newest).');
          return;
        }
        const result = await saveStateToCache(cacheOptions);
        if (result.status === 'saved') {
          stateCommitted = true;
          stateLines.push(`State saved to the cache as \`${result.key}\`.`);
        } else {
          exitCode = 1;
          stateLines.push(`❌ Saving the state to the cache failed: ${result.detail}.`);
          log.error(`saving the state to the cache failed: ${result.detail}`);
        }
      }
    } catch (error) {
      exitCode = 1;
      const message = redact(describeError(error));
      const hint = isSyncError(error) && error.hint ? ` ${redact(error.hint)}` : '';
      stateLines.push(`❌ The state was not saved: ${message}.${hint}`);
      log.error(`the state was not saved: ${message}${hint}`);
    }
  });
  for (const line of stateLines.slice(linesBeforeSave)) if (!line.startsWith('❌')) log.info(line.replace(/`/g, ''));

  // 5. FIT artifact.
  let artifactLine: string | undefined;
  let artifactId: number | undefined;
  if (options.fitArtifact && !config.dryRun) {
    const result = await log.group('Upload FIT files', () => uploadFitArtifact({ files: fitFiles, rootDirectory: config.fitDir, name: options.fitArtifactName, retentionDays: options.fitArtifactRetentionDays }));
    if (result.status === 'uploaded') {
      artifactId = result.id;
      artifactLine = `Uploaded ${result.files.length} FIT file(s) as artifact \`${options.fitArtifactName}\`, kept ${options.fitArtifactRetentionDays} day(s).`;
    } else if (result.status === 'skipped') artifactLine = `No FIT artifact: ${result.reason}.`;
    else {
      artifactLine = `⚠️ The FIT artifact could not be uploaded: ${result.message}. The sync itself is unaffected.`;
      warnings.push(`FIT artifact upload failed: ${result.message}`);
      log.warn(`FIT artifact upload failed: ${result.message}`);
    }
  }

  // 6. Keep the schedule alive.
  if (options.keepalive && env.GITHUB_EVENT_NAME === 'schedule') {
    const result = await keepWorkflowEnabled({ apiUrl: lookup.apiUrl, repository: env.GITHUB_REPOSITORY, workflowRef: env.GITHUB_WORKFLOW_REF, token: options.githubToken });
    if (result.status === 'failed') {
      warnings.push(`keepalive: ${result.message}`);
      log.warn(`keepalive: ${result.message}`);
    } else if (result.status === 'enabled') log.info(`keepalive: workflow ${result.workflow} stays enabled`);
  }

  // 7. Summary and outputs (one request for the latest release; it never fails the run).
  const ownPackage = readOwnPackageJson(import.meta.url);
  const update = await checkForUpdate({ upstream: upstreamRepository(env.GITHUB_ACTION_REPOSITORY, ownPackage), current: ownPackage?.version, endpoints: config.endpoints, ...((env.GITHUB_API_URL ?? 'https://api.github.com') === 'https://api.github.com' && options.githubToken ? { token: options.githubToken } : {}) });
  if (update.status === 'failed' || update.status === 'skipped') log.debug(`update check: ${update.status === 'failed' ? update.message : update.reason}`);
  writeSummary(
    env,
    renderJobSummary(report, {
      stateMode: options.state,
      stateLines,
      ...(artifactLine ? { artifactLine } : {}),
      repositoryPrivate,
      warnings,
      ...(runUrl(env) ? { runUrl: runUrl(env)! } : {}),
      expiryWarningDays: config.notify.expiryWarningDays,
      language: config.language,
      timeZone: config.notify.timeZone,
      ...(update.status === 'newer' ? { update } : {}),
    }),
  );
  setOutputs(report, { stateCommitted, artifactId });

  const platformFailed = report.platforms.some((platform) => platform.error);
  if (report.outcome === 'failed' || platformFailed) {
    exitCode = 1;
    core.setFailed(report.outcome === 'failed' ? 'the sync failed; see the job summary for the next step' : 'a platform could not be synced; see the job summary for the next step');
  } else if (exitCode !== 0) core.setFailed('the sync worked but its state was not saved; see the job summary');
  for (const failure of report.failures) if (!platformFailed || !report.platforms.some((platform) => platform.label === failure.scope)) log.warn(`${failure.scope}: ${failure.message}${failure.nextStep ? ` → ${failure.nextStep}` : ''}`);
  return exitCode;
}
