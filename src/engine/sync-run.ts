import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLATFORM_LABELS, activityKey, type Activity, type PlatformId } from '../core/activity.ts';
import type { SyncConfig } from '../config/config.ts';
import { describeError, errorKind } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/secrets.ts';
import { sportById } from '../core/sports.ts';
import type { Platform, UploadOutcome } from '../platforms/platform.ts';
import { Store } from '../store/store.ts';
import { Semaphore } from './concurrency.ts';
import { findDuplicates, type DuplicateDecision } from './duplicates.ts';
import { collectListing, dayNumber, decideListing, goneFromUtc, nextListingState } from './listing.ts';
import { describeMatch, groupWorkouts, type Workout } from './match.ts';
import { planTransfers, type PlanItem, type PlatformView } from './plan.ts';
import type { DuplicateResult, FailureItem, PlatformSummary, SyncReport, TimezoneSuspect, TransferResult } from './report-types.ts';
import { nextStepFor } from './next-step.ts';
import { reportRouting } from './routes.ts';

export type PlatformFactory = (id: PlatformId, store: Store) => Platform;

export interface RunSyncOptions {
  readonly config: SyncConfig;
  readonly log: Logger;
  /** Builds the adapter for a platform (the real clients by default; in-memory ones in tests). */
  readonly createPlatform: PlatformFactory;
}

export interface RunSyncResult {
  readonly report: SyncReport;
  /** FIT files written during this run (downloads and backups before deletions). */
  readonly fitFiles: readonly string[];
}

interface PlatformRun {
  readonly id: PlatformId;
  platform: Platform | null;
  available: boolean;
  listed: number;
  error?: PlatformSummary['error'];
  credentialExpiry?: string;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Runs one complete sync: list, match, dedupe, plan, execute, record, report. Never throws for a platform or item failure. */
export async function runSync(options: RunSyncOptions): Promise<RunSyncResult> {
  const { config, log } = options;
  const startedAt = new Date().toISOString();
  const store = Store.open(config.dbPath);
  const fitFiles: string[] = [];
  const failures: FailureItem[] = [];
  const warnings: string[] = [];
  try {
    const today = dayNumber(Date.now());
    const runId = store.startRun({ dryRun: config.dryRun, fullScan: config.fullScan });
    const runs = new Map<PlatformId, PlatformRun>();
    const gone = new Set<string>();

    // 1. Connect and list every platform, in parallel; a failing platform does not stop the others.
    await log.group('List activities', async () => {
      await Promise.all(
        config.platforms.map(async (id) => {
          const run: PlatformRun = { id, platform: null, available: false, listed: 0 };
          runs.set(id, run);
          try {
            run.platform = options.createPlatform(id, store);
            await run.platform.connect();
            const state = store.listingState(id);
            const decision = decideListing(state, { fullScan: config.fullScan, fullScanDays: config.fullScanDays, today });
            const result = await collectListing(run.platform.listActivities(), { newestNum: config.newestNum, fullScan: decision.fullScan, known: store.knownIds(id) });
            store.upsertActivities(runId, result.activities);
            const seen = new Set(result.activities.map((activity) => activity.remoteId));
            const from = goneFromUtc(result);
            if (from !== null) {
              const removed = store.markGone(id, from, seen, runId);
              if (removed.length) log.info(`${PLATFORM_LABELS[id]}: ${removed.length} record(s) no longer listed (deleted there); they will not be uploaded again`);
            }
            store.setListingState(nextListingState(state, result, runId, decision.fullScan, today));
            run.listed = result.activities.length;
            run.available = true;
            const expiry = await run.platform.credentialExpiry?.().catch(() => undefined);
            if (expiry) run.credentialExpiry = expiry.toISOString();
            log.info(`${PLATFORM_LABELS[id]}: listed ${result.activities.length} (${decision.fullScan ? 'full scan' : 'incremental'}, stopped: ${result.stop})`);
          } catch (error) {
            const message = redact(describeError(error));
            const kind = errorKind(error);
            run.error = { kind, message, nextStep: nextStepFor(kind, id, error) };
            failures.push({ scope: PLATFORM_LABELS[id], kind, message, nextStep: run.error.nextStep });
            log.error(`${PLATFORM_LABELS[id]}: ${message}`);
          }
        }),
      );
    });

    // 2. The picture: each platform's present records in the window, plus records known to be gone.
    const cuts = new Map<PlatformId, number>();
    const present = new Map<PlatformId, Activity[]>();
    for (const id of config.platforms) {
      const all = store.presentActivities(id);
      present.set(id, all);
      cuts.set(id, all.length > config.newestNum ? all[config.newestNum - 1]!.startUtc : Number.MIN_SAFE_INTEGER);
    }
    const margin = 26 * 3600 + config.sportDiffSecond;
    const globalFrom = Math.min(...[...cuts.values()]) - margin;
    const pool: Activity[] = [];
    for (const id of config.platforms) {
      for (const activity of present.get(id)!) if (activity.startUtc >= globalFrom) pool.push(activity);
      for (const activity of store.goneActivities(id, globalFrom)) {
        gone.add(activityKey(activity));
        pool.push(activity);
      }
    }
    const inWindow = (workout: Workout) => workout.members.some((member) => member.startUtc >= (cuts.get(member.platform) ?? Number.MIN_SAFE_INTEGER));
    const workouts = groupWorkouts(pool, { toleranceSec: config.sportDiffSecond }).filter(inWindow);

    const links = workouts.flatMap((workout) =>
      workout.matches.filter((match) => match.a.platform !== match.b.platform).map((match) => ({ a: match.a, b: match.b, reason: describeMatch(match.reason) })),
    );
    // Warn about a time-zone suspect once: not when either record was a suspect in an earlier run.
    const earlierSuspect = (record: { platform: PlatformId; remoteId: string }) => store.linkReasons(record).some((reason) => reason.startsWith('time-zone suspect'));
    const alreadyWarned = new Set(
      workouts.flatMap((workout) => workout.matches.filter((match) => match.reason.kind === 'timezone-suspect' && (earlierSuspect(match.a) || earlierSuspect(match.b))).map((match) => `${activityKey(match.a)}|${activityKey(match.b)}`)),
    );
    if (!config.dryRun) store.recordLinks(runId, links);
    const timezoneSuspects: TimezoneSuspect[] = workouts.flatMap((workout) =>
      workout.matches
        .filter((match) => match.reason.kind === 'timezone-suspect')
        .map((match) => ({
          a: { platform: match.a.platform, remoteId: match.a.remoteId, startUtc: match.a.startUtc },
          b: { platform: match.b.platform, remoteId: match.b.remoteId, startUtc: match.b.startUtc },
          offsetSec: match.reason.offsetSec,
          reason: describeMatch(match.reason),
        })),
    );
    for (const suspect of timezoneSuspects.filter((entry) => !alreadyWarned.has(`${entry.a.platform}:${entry.a.remoteId}|${entry.b.platform}:${entry.b.remoteId}`))) warnings.push(`Time-zone suspect: ${PLATFORM_LABELS[suspect.a.platform]} ${suspect.a.remoteId} and ${PLATFORM_LABELS[suspect.b.platform]} ${suspect.b.remoteId} look like one workout (${suspect.reason}); treated as the same, not uploaded again`);

    const semaphores = new Map(config.platforms.map((id) => [id, new Semaphore(config.concurrency)]));
    // Deleting duplicates does not touch the ledger: one read serves the keep policy and the planner.
    const ledger = store.transfers();
    const uploadedByUs = new Set(ledger.filter((row) => row.targetId && row.outcome === 'created').map((row) => `${row.targetPlatform}:${row.targetId}`));

    // 3. Duplicates inside one platform.
    const decisions = findDuplicates(workouts, { uploadedByUs, gone });
    const duplicates = await log.group('Duplicates', () => handleDuplicates(decisions, { config, runs, store, runId, log, fitFiles, semaphores }));
    for (const result of duplicates) if (result.action === 'deleted') gone.add(`${result.platform}:${result.duplicateId}`);

    // 4. Plan and execute uploads.
    const views: PlatformView[] = config.platforms.map((id) => {
      const run = runs.get(id)!;
      const state = store.listingState(id);
      return { id, available: run.available, coveredFromUtc: state.coveredFromUtc, complete: state.complete };
    });
    const plan = planTransfers(workouts, { platforms: views, transfers: ledger, gone, maxUploadAttempts: config.maxUploadAttempts, routes: config.routes, sinceUtc: config.sinceUtc });
    const transfers = await log.group('Transfers', () => executePlan(plan, { config, runs, store, runId, log, fitFiles, semaphores }));

    // 5. Report.
    for (const transfer of transfers) {
      if (transfer.outcome === 'failed' || transfer.outcome === 'rejected') {
        failures.push({ scope: `${PLATFORM_LABELS[transfer.from]} → ${PLATFORM_LABELS[transfer.to]} ${transfer.sourceId}`, kind: transfer.outcome === 'failed' ? 'retryable' : 'rejected', message: transfer.message ?? transfer.outcome, ...(transfer.nextStep ? { nextStep: transfer.nextStep } : {}) });
      }
    }
    for (const duplicate of duplicates) {
      if (duplicate.action === 'delete-failed') failures.push({ scope: `${PLATFORM_LABELS[duplicate.platform]} duplicate ${duplicate.duplicateId}`, kind: 'retryable', message: duplicate.message ?? 'delete failed', nextStep: 'It will be retried on the next run.' });
    }
    const platformSummaries: PlatformSummary[] = config.platforms.map((id) => {
      const run = runs.get(id)!;
      return {
        id,
        label: PLATFORM_LABELS[id],
        listed: run.listed,
        known: store.activityCount(id),
        ...(run.error ? { error: run.error } : {}),
        ...(run.credentialExpiry ? { credentialExpiry: run.credentialExpiry } : {}),
      };
    });
    const count = (outcome: TransferResult['outcome']) => transfers.filter((transfer) => transfer.outcome === outcome).length;
    const counts = {
      uploaded: count('created'),
      duplicatesFound: duplicates.length,
      deleted: duplicates.filter((duplicate) => duplicate.action === 'deleted').length,
      failed: failures.length,
      pending: count('pending'),
      planned: count('planned'),
    };
    const anyPlatformWorked = [...runs.values()].some((run) => run.available);
    const outcome: SyncReport['outcome'] = failures.length === 0 ? 'ok' : anyPlatformWorked || config.platforms.length === 0 ? 'partial' : 'failed';
    store.finishRun(runId, outcome, counts);
    for (const run of runs.values()) await run.platform?.close?.().catch(() => undefined);
    const report: SyncReport = {
      runId: `${runId}-${randomUUID().slice(0, 8)}`,
      startedAt,
      finishedAt: new Date().toISOString(),
      dryRun: config.dryRun,
      outcome,
      platforms: platformSummaries,
      transfers,
      duplicates,
      timezoneSuspects,
      failures,
      warnings,
      counts,
      routing: reportRouting(config),
    };
    return { report, fitFiles };
  } finally {
    store.close();
  }
}

interface ExecutionContext {
  readonly config: SyncConfig;
  readonly runs: ReadonlyMap<PlatformId, PlatformRun>;
  readonly store: Store;
  readonly runId: number;
  readonly log: Logger;
  readonly fitFiles: string[];
  readonly semaphores: ReadonlyMap<PlatformId, Semaphore>;
}

function fitPath(config: SyncConfig, platform: PlatformId, remoteId: string, folder?: string): string {
  const safeId = remoteId.replace(/[^A-Za-z0-9_-]/g, '_');
  return folder ? join(config.fitDir, platform, folder, `${safeId}.fit`) : join(config.fitDir, platform, `${safeId}.fit`);
}

type DownloadResult = { kind: 'fit'; bytes: Uint8Array } | { kind: 'no-original'; reason: string };

/** Downloads the original FIT of a record once per run, keeping a copy under fitDir. */
async function downloadOriginal(source: Activity, context: ExecutionContext, folder?: string): Promise<DownloadResult> {
  const path = fitPath(context.config, source.platform, source.remoteId, folder);
  if (!folder && existsSync(path)) {
    if (!context.fitFiles.includes(path)) context.fitFiles.push(path);
    return { kind: 'fit', bytes: readFileSync(path) };
  }
  const platform = context.runs.get(source.platform)?.platform;
  if (!platform) throw new Error(`${PLATFORM_LABELS[source.platform]} is not connected`);
  const download = await context.semaphores.get(source.platform)!.run(() => platform.downloadFit(source));
  if (download.kind === 'no-original') return download;
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, download.bytes);
  context.fitFiles.push(path);
  return { kind: 'fit', bytes: download.bytes };
}

/** The record an upload created on the target, as that platform would list it. */
function copyOn(target: PlatformId, remoteId: string, source: Activity): Activity {
  const sport = sportById(source.sport.id);
  return {
    platform: target,
    remoteId,
    startUtc: source.startUtc,
    elapsedSec: source.elapsedSec,
    distanceM: source.distanceM,
    sport: { id: sport.id, family: sport.family, code: target === 'coros' ? String(sport.corosSportType ?? 98) : sport.garminTypeKey },
    name: source.name,
    device: source.device,
    vendor: source.vendor,
    manual: false,
  };
}

function describeWorkout(source: Activity): Pick<TransferResult, 'sourceId' | 'startUtc' | 'sport' | 'distanceM' | 'elapsedSec' | 'name'> {
  return { sourceId: source.remoteId, startUtc: source.startUtc, sport: source.sport.id, distanceM: source.distanceM, elapsedSec: source.elapsedSec, name: source.name };
}

async function executePlan(plan: readonly PlanItem[], context: ExecutionContext): Promise<TransferResult[]> {
  const { config, store, log } = context;
  const results: TransferResult[] = [];
  for (const item of plan) {
    // Set-aside items were reported when they failed or were rejected; `status` lists them.
    if (item.kind !== 'skip' || item.reason !== 'no-original') continue;
    const source = item.workout.members.find((member) => member.manual) ?? item.workout.members[0]!;
    // Recorded once in the ledger so later runs skip it quietly.
    if (!config.dryRun) store.recordTransferOutcome(source, item.target, 'rejected', { error: item.detail });
    results.push({ from: source.platform, to: item.target, ...describeWorkout(source), outcome: 'no-original', message: item.detail });
  }

  const work = plan.filter((item): item is Exclude<PlanItem, { kind: 'skip' }> => item.kind !== 'skip');
  if (config.dryRun) {
    for (const item of work) {
      const verb = item.kind === 'upload' ? 'would upload' : 'would check pending upload';
      log.info(`[dry run] ${verb} ${item.source.sport.id} of ${new Date(item.source.startUtc * 1000).toISOString()} from ${PLATFORM_LABELS[item.source.platform]} to ${PLATFORM_LABELS[item.target]}`);
      results.push({ from: item.source.platform, to: item.target, ...describeWorkout(item.source), outcome: 'planned' });
    }
    return results;
  }

  // One job per source record: download once, then upload to each target that lacks it.
  const bySource = new Map<string, Exclude<PlanItem, { kind: 'skip' }>[]>();
  for (const item of work) {
    const key = activityKey(item.source);
    bySource.set(key, [...(bySource.get(key) ?? []), item]);
  }
  await Promise.all(
    [...bySource.values()].map(async (items) => {
      const source = items[0]!.source;
      let download: DownloadResult | undefined;
      for (const item of items) {
        const record = (result: Omit<TransferResult, 'from' | 'to' | 'sourceId' | 'startUtc' | 'sport' | 'distanceM' | 'elapsedSec' | 'name'>) => {
          results.push({ from: source.platform, to: item.target, ...describeWorkout(source), ...result });
        };
        const targetPlatform = context.runs.get(item.target)?.platform;
        if (!targetPlatform) continue;
        try {
          let outcome: UploadOutcome;
          if (item.kind === 'check-pending') {
            if (!targetPlatform.checkPendingUpload) continue;
            outcome = await context.semaphores.get(item.target)!.run(() => targetPlatform.checkPendingUpload!(item.ticket, source));
          } else {
            download ??= await downloadOriginal(source, context);
            if (download.kind === 'no-original') {
              store.recordTransferOutcome(source, item.target, 'rejected', { error: `no original FIT: ${download.reason}` });
              record({ outcome: 'no-original', message: download.reason });
              continue;
            }
            const bytes = download.bytes;
            store.recordTransferStart(source, item.target, sha256(bytes), context.runId);
            outcome = await context.semaphores.get(item.target)!.run(() =>
              targetPlatform.uploadFit({ bytes, fileName: `${source.platform}-${source.remoteId.replace(/[^A-Za-z0-9_-]/g, '_')}.fit`, source }),
            );
          }
          switch (outcome.kind) {
            case 'created':
              store.recordTransferOutcome(source, item.target, 'created', { targetId: outcome.remoteId });
              // Known at once: the next run needs no listing to learn of it (and listings lag after uploads).
              if (outcome.remoteId) {
                const copy = copyOn(item.target, outcome.remoteId, source);
                store.upsertActivities(context.runId, [copy]);
                store.recordLinks(context.runId, [{ a: source, b: copy, reason: `uploaded from ${PLATFORM_LABELS[source.platform]} by Sports Sync X` }]);
              }
              record({ outcome: 'created', targetId: outcome.remoteId });
              log.info(`uploaded ${source.sport.id} of ${new Date(source.startUtc * 1000).toISOString()} ${PLATFORM_LABELS[source.platform]} → ${PLATFORM_LABELS[item.target]}${outcome.remoteId ? ` (id ${outcome.remoteId})` : ''}`);
              break;
            case 'duplicate':
              store.recordTransferOutcome(source, item.target, 'duplicate', { targetId: outcome.existingId });
              record({ outcome: 'duplicate', targetId: outcome.existingId, message: `${PLATFORM_LABELS[item.target]} already has it` });
              break;
            case 'rejected':
              store.recordTransferOutcome(source, item.target, 'rejected', { error: redact(outcome.message) });
              record({ outcome: 'rejected', message: redact(outcome.message), nextStep: `${PLATFORM_LABELS[item.target]} refused this file; it will not be retried. Upload it by hand if you want it there.` });
              break;
            case 'pending':
              store.recordTransferOutcome(source, item.target, 'pending', { ticket: outcome.ticket, error: redact(outcome.message) });
              record({ outcome: 'pending', message: redact(outcome.message), nextStep: 'Still processing; the next run checks it without uploading again.' });
              break;
          }
        } catch (error) {
          const message = redact(describeError(error));
          const kind = errorKind(error);
          const ledgerOutcome = kind === 'rejected' ? 'rejected' : 'failed';
          store.recordTransferOutcome(source, item.target, ledgerOutcome, { error: message });
          const lastAttempt = item.kind === 'upload' && item.attempt >= config.maxUploadAttempts;
          const nextStep = lastAttempt
            ? `Gave up after ${item.attempt} attempts: set aside and not retried. Upload it by hand, or raise MAX_UPLOAD_ATTEMPTS to try again.`
            : nextStepFor(kind, item.target, error);
          record({ outcome: ledgerOutcome, message, nextStep });
          log.warn(`${PLATFORM_LABELS[source.platform]} → ${PLATFORM_LABELS[item.target]} ${source.remoteId}: ${message}`);
          // Without the source file nothing else in this job can work.
          if (!download) break;
        }
      }
    }),
  );
  return results;
}

async function handleDuplicates(decisions: readonly DuplicateDecision[], context: ExecutionContext): Promise<DuplicateResult[]> {
  const { config, store, runId, log } = context;
  const results: DuplicateResult[] = [];
  let deletions = 0;
  for (const decision of decisions) {
    const base = { platform: decision.platform, keptId: decision.kept.remoteId, duplicateId: decision.duplicate.remoteId, startUtc: decision.duplicate.startUtc, sport: decision.duplicate.sport.id, reason: decision.reason };
    const platform = context.runs.get(decision.platform);
    let action: DuplicateResult['action'] = 'reported';
    let message: string | undefined;
    if (config.deleteDuplicate) {
      if (config.dryRun) action = 'would-delete';
      else if (!platform?.available || !platform.platform) {
        action = 'kept-safe';
        message = 'platform not reachable this run';
      } else if (deletions >= config.maxDeletesPerRun) {
        action = 'kept-safe';
        message = `more than ${config.maxDeletesPerRun} deletions in one run; the rest waits for the next run (MAX_DELETES_PER_RUN)`;
      } else {
        try {
          // Safety first: a backup of the record we delete, and never delete the last copy.
          const backup = await downloadOriginal(decision.duplicate, context, 'deleted');
          if (backup.kind === 'no-original' && !decision.duplicate.manual) {
            action = 'kept-safe';
            message = `no backup possible (${backup.reason}); not deleted`;
          } else {
            const target = platform.platform;
            await context.semaphores.get(decision.platform)!.run(() => target.deleteActivity(decision.duplicate));
            store.markOneGone(decision.platform, decision.duplicate.remoteId, runId);
            deletions++;
            action = 'deleted';
            log.info(`deleted duplicate ${decision.duplicate.remoteId} on ${PLATFORM_LABELS[decision.platform]} (kept ${decision.kept.remoteId})`);
          }
        } catch (error) {
          action = 'delete-failed';
          message = redact(describeError(error));
          log.warn(`could not delete duplicate ${decision.duplicate.remoteId} on ${PLATFORM_LABELS[decision.platform]}: ${message}`);
        }
      }
    }
    if (!config.dryRun) store.recordDuplicateDecision(runId, { platform: decision.platform, duplicateId: decision.duplicate.remoteId, keptId: decision.kept.remoteId, reason: decision.reason, action, message: message ?? null });
    results.push({ ...base, action, ...(message ? { message } : {}) });
  }
  return results;
}

