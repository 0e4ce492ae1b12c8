import { randomUUID } from 'node:crypto';
import { PLATFORM_LABELS, activityKey, type Activity, type PlatformId } from '../core/activity.ts';
import type { SyncConfig } from '../config/config.ts';
import type { Logger } from '../core/log.ts';
import type { Progress } from '../core/progress.ts';
import type { Platform } from '../platforms/platform.ts';
import { Store, type TransferRow } from '../store/store.ts';
import { deleteDuplicates } from './delete-duplicates.ts';
import { findDuplicates } from '../decide/duplicates.ts';
import { executeTransfers, workoutWords, type ExecuteResult } from './execute-transfers.ts';
import { FitFiles } from './fit-files.ts';
import { listPlatforms, type PlatformRun } from './list-platforms.ts';
import { describeMatch, groupWorkouts, type Workout } from '../decide/match.ts';
import { planTransfers, type PlanItem, type PlatformView, type SourceProblemView } from '../decide/plan.ts';
import { reconcileLedger, targetsToReconcile } from '../decide/reconcile.ts';
import { reportRouting } from '../decide/routes.ts';
import { buildReport } from './build-report.ts';
import type { DuplicateResult, SyncReport, TimezoneSuspect } from '../decide/report-types.ts';
import type { SyncStore } from './sync-store.ts';

import type { PlatformFactory } from '../platforms/platform.ts';
export type { PlatformFactory };

export interface RunSyncOptions {
  readonly config: SyncConfig;
  readonly log: Logger;
  /** Builds the adapter for a platform (the real clients by default; in-memory ones in tests). */
  readonly createPlatform: PlatformFactory;
  /** When aborted, no new transfer starts; the ones in flight finish and the report is returned. */
  readonly signal?: AbortSignal;
  /** Milliseconds since the epoch (tests move the clock). */
  readonly now?: () => number;
  /** Live progress for people (the CLI); see src/core/progress.ts. */
  readonly progress?: Progress;
  /** The run's database, when the caller opened it (and closes it); else opened and closed here. */
  readonly store?: Store;
}

export interface RunSyncResult {
  readonly report: SyncReport;
  /** FIT files written during this run (downloads and backups before deletions). */
  readonly fitFiles: readonly string[];
}

/**
 * Workout jobs in flight per request slot: covers a job's own waits (about 8 at 80 ms per request
 * and a 1 s status hint).
 */
const JOBS_PER_SLOT = 12;

/** Records this much older than a window's edge still belong to it (a watch set to the wrong zone). */
const WINDOW_MARGIN_SEC = 26 * 3600;

/** Deletion backups older than this are dropped from the state. */
const BACKUP_DAYS = 90;

/**
 * One complete sync, as a pipeline: list → picture → decide → execute → report. Never throws for
 * a platform or item failure; the database is opened once, here.
 */
export async function runSync(options: RunSyncOptions): Promise<RunSyncResult> {
  const { config, log } = options;
  const now = options.now ?? Date.now;
  const startedAt = new Date(now()).toISOString();
  const store = options.store ?? Store.open(config.dbPath);
  const fitFiles = new FitFiles({ fitDir: config.fitDir, toleranceSec: config.sportDiffSecond });
  try {
    const runId = store.startRun({ dryRun: config.dryRun, fullScan: config.fullScan });
    if (!config.dryRun) store.pruneDeletionBackups(BACKUP_DAYS, now());
    const reconcileTargets = targetsToReconcile(
      store.unsettledTransfers(),
      (row) => store.activityById(row.sourcePlatform, row.sourceId)?.startUtc,
      WINDOW_MARGIN_SEC + config.sportDiffSecond,
    );
    const listing = await log.group('List activities', () =>
      listPlatforms({
        config,
        store,
        runId,
        log,
        createPlatform: (id) => options.createPlatform(id, store),
        forceFull: reconcileTargets,
        nowMs: now(),
      }),
    );
    const picture = buildPicture(store, config);
    const views = platformViews(config, listing.runs, store);
    settleLedger(store, runId, picture, views, listing.fullyListed, {
      dryRun: config.dryRun,
      toleranceSec: config.sportDiffSecond,
    });

    const transfers = store.transfersFor(picture.workouts.flatMap((workout) => workout.members));
    const decisions = findDuplicates(picture.workouts, { uploadedByUs: uploadedByUs(transfers), gone: picture.gone });
    const connected = connectedPlatforms(listing.runs);
    const duplicates = await log.group('Duplicates', () =>
      deleteDuplicates(decisions, { config, store, runId, log, platforms: connected, fitFiles }),
    );
    const gone = new Set([...picture.gone, ...deletedKeys(duplicates)]);

    const plan = planTransfers(picture.workouts, {
      platforms: views,
      transfers,
      gone,
      maxUploadAttempts: config.maxUploadAttempts,
      sourceProblems: sourceProblemMap(store),
      routes: config.routes,
      sinceUtc: config.sinceUtc,
    });
    const execution = await log.group('Transfers', () =>
      execute(plan, {
        config,
        store,
        runId,
        log,
        connected,
        fitFiles,
        signal: options.signal,
        now,
        startMs: Date.parse(startedAt),
        progress: options.progress,
      }),
    );

    const suspects = timezoneSuspects(picture.workouts);
    const report = buildReport({
      runId: `${runId}-${randomUUID().slice(0, 8)}`,
      startedAt,
      finishedAt: new Date(now()).toISOString(),
      config,
      runs: listing.runs,
      known: (id) => store.activityCount(id),
      plan,
      execution,
      duplicates,
      timezoneSuspects: suspects,
      warnings: [
        ...listing.warnings,
        ...readOnlyWarnings(plan, store, config.dryRun),
        ...suspectWarnings(suspects, picture.earlierSuspects),
      ],
      routing: reportRouting(config),
    });
    if (!config.dryRun) store.recordLinks(runId, picture.links);
    store.finishRun(runId, report.outcome, { ...report.counts });
    return { report, fitFiles: fitFiles.written };
  } finally {
    if (!options.store) store.close();
  }
}

interface Picture {
  readonly workouts: readonly Workout[];
  readonly gone: ReadonlySet<string>;
  readonly links: ReturnType<typeof crossLinks>;
  /** Records once linked as time-zone suspects (warned about already). */
  readonly earlierSuspects: ReadonlySet<string>;
}

/** Each platform's present records in the window, plus the records known to be gone, grouped into workouts. */
function buildPicture(store: SyncStore, config: SyncConfig): Picture {
  // Only the window is read: the cut of each platform by index, then the records from the earliest cut.
  const cuts = new Map<PlatformId, number>();
  for (const id of config.platforms) cuts.set(id, store.windowCut(id, config.newestNum) ?? Number.MIN_SAFE_INTEGER);
  const margin = WINDOW_MARGIN_SEC + config.sportDiffSecond;
  const globalFrom = Math.min(...cuts.values()) - margin;
  const gone = new Set<string>();
  const pool: Activity[] = [];
  for (const id of config.platforms) {
    for (const activity of store.presentActivitiesSince(id, globalFrom)) pool.push(activity);
    for (const activity of store.goneActivities(id, globalFrom)) {
      gone.add(activityKey(activity));
      pool.push(activity);
    }
  }
  const inWindow = (workout: Workout) =>
    workout.members.some((member) => member.startUtc >= (cuts.get(member.platform) ?? Number.MIN_SAFE_INTEGER));
  const workouts = groupWorkouts(pool, { toleranceSec: config.sportDiffSecond }).filter(inWindow);
  return { workouts, gone, links: crossLinks(workouts), earlierSuspects: store.suspectLinkKeys() };
}

function crossLinks(workouts: readonly Workout[]) {
  return workouts.flatMap((workout) =>
    workout.matches
      .filter((match) => match.a.platform !== match.b.platform)
      .map((match) => ({ a: match.a, b: match.b, reason: describeMatch(match.reason) })),
  );
}

function platformViews(
  config: SyncConfig,
  runs: ReadonlyMap<PlatformId, PlatformRun>,
  store: SyncStore,
): PlatformView[] {
  return config.platforms.map((id) => {
    const state = store.listingState(id);
    const capabilities = runs.get(id)?.platform?.capabilities;
    const readOnly =
      capabilities && !capabilities.upload ? { canUpload: false, readOnlyReason: capabilities.readOnlyReason } : {};
    return {
      id,
      available: runs.get(id)?.available ?? false,
      coveredFromUtc: state.coveredFromUtc,
      complete: state.complete,
      ...readOnly,
    };
  });
}

/**
 * Workouts that cannot be copied to a read-only platform: one warning line per platform, and only
 * when a workout newer than the last one reported is among them ("reported once", not every run).
 */
function readOnlyWarnings(plan: readonly PlanItem[], store: SyncStore, dryRun: boolean): string[] {
  const lines: string[] = [];
  const byTarget = new Map<PlatformId, { count: number; newest: number; detail: string }>();
  for (const item of plan) {
    if (item.kind !== 'skip' || item.reason !== 'read-only-target') continue;
    const entry = byTarget.get(item.target) ?? { count: 0, newest: Number.MIN_SAFE_INTEGER, detail: item.detail };
    entry.count++;
    entry.newest = Math.max(entry.newest, item.workout.startUtc);
    byTarget.set(item.target, entry);
  }
  for (const [target, entry] of byTarget) {
    const key = `readOnly.reportedUpTo.${target}`;
    const reported = Number(store.getMeta(key) ?? Number.MIN_SAFE_INTEGER);
    if (entry.newest <= reported) continue;
    lines.push(
      `${entry.count} workout${entry.count === 1 ? '' : 's'} not copied to ${PLATFORM_LABELS[target]}: ${entry.detail}`,
    );
    if (!dryRun) store.setMeta(key, String(entry.newest));
  }
  return lines;
}

/** Interrupted or id-less uploads, settled against this run's listings before anything is planned. */
function settleLedger(
  store: SyncStore,
  runId: number,
  picture: Picture,
  views: readonly PlatformView[],
  fullyListed: ReadonlySet<PlatformId>,
  { dryRun, toleranceSec }: { dryRun: boolean; toleranceSec: number },
): void {
  if (dryRun) return;
  const rows = store.unsettledTransfers();
  const workouts = [...picture.workouts, ...outsideWindow(store, rows, picture, toleranceSec)];
  const events = reconcileLedger(rows, workouts, { fullyListed, platforms: views, gone: picture.gone });
  for (const { source, target, event } of events) store.applyLedgerEvent(source, target, event, runId);
}

/**
 * The workouts of unsettled rows whose source has left the window (an interrupted upload of an
 * older workout): its record and the target's records around its start, from the database that
 * this run's listing of the target, reaching back to that start, just refreshed. Without them such
 * a row would wait, and force a deep listing, on every run.
 */
function outsideWindow(
  store: SyncStore,
  rows: readonly TransferRow[],
  picture: Picture,
  toleranceSec: number,
): Workout[] {
  const inPicture = new Set(picture.workouts.flatMap((workout) => workout.members.map(activityKey)));
  const workouts: Workout[] = [];
  for (const row of rows) {
    const key = `${row.sourcePlatform}:${row.sourceId}`;
    if (inPicture.has(key)) continue;
    const source = store.activityById(row.sourcePlatform, row.sourceId);
    if (!source) continue;
    const around = store.presentActivitiesBetween(
      row.targetPlatform,
      source.startUtc - toleranceSec,
      source.startUtc + toleranceSec,
    );
    const workout = groupWorkouts([source, ...around], { toleranceSec }).find((candidate) =>
      candidate.members.some((member) => activityKey(member) === key),
    );
    if (workout) workouts.push(workout);
  }
  return workouts;
}

function uploadedByUs(transfers: readonly TransferRow[]): Set<string> {
  return new Set(
    transfers
      .filter((row) => row.targetId && row.outcome === 'created')
      .map((row) => `${row.targetPlatform}:${row.targetId}`),
  );
}

function sourceProblemMap(store: SyncStore): Map<string, SourceProblemView> {
  return new Map(
    store
      .sourceProblems()
      .map((row) => [
        `${row.platform}:${row.remoteId}`,
        { problem: row.problem, attempts: row.attempts, lastError: row.lastError },
      ]),
  );
}

function connectedPlatforms(runs: ReadonlyMap<PlatformId, PlatformRun>): Map<PlatformId, Platform> {
  const connected = new Map<PlatformId, Platform>();
  for (const [id, run] of runs) if (run.available && run.platform) connected.set(id, run.platform);
  return connected;
}

function deletedKeys(duplicates: readonly DuplicateResult[]): string[] {
  return duplicates
    .filter((duplicate) => duplicate.action === 'deleted')
    .map((duplicate) => `${duplicate.platform}:${duplicate.duplicateId}`);
}

interface ExecuteOptions {
  readonly config: SyncConfig;
  readonly store: SyncStore;
  readonly runId: number;
  readonly log: Logger;
  readonly connected: ReadonlyMap<PlatformId, Platform>;
  readonly fitFiles: FitFiles;
  readonly signal: AbortSignal | undefined;
  readonly now: () => number;
  readonly startMs: number;
  readonly progress: Progress | undefined;
}

async function execute(plan: readonly PlanItem[], options: ExecuteOptions): Promise<ExecuteResult> {
  const work = plan.filter((item): item is Exclude<PlanItem, { kind: 'skip' }> => item.kind !== 'skip');
  if (options.config.dryRun) {
    for (const item of work) {
      const verb = item.kind === 'upload' ? 'would upload' : 'would check pending upload';
      options.log.info(
        `[dry run] ${verb} ${workoutWords(item.source, options.config.timeZone)} from ` +
          `${PLATFORM_LABELS[item.source.platform]} to ${PLATFORM_LABELS[item.target]}`,
      );
    }
    return { transfers: [], deferred: 0, stoppedBy: null };
  }
  const { config } = options;
  return executeTransfers(work, {
    config,
    store: options.store,
    runId: options.runId,
    log: options.log,
    platforms: options.connected,
    fitFiles: options.fitFiles,
    // Jobs wait for the services most of their life (a Garmin status hint, a COROS import poll)
    // holding no request slot: enough of them keep every slot busy; one FIT file each bounds memory.
    poolSize: Math.max(4, config.concurrency * JOBS_PER_SLOT),
    ...(options.progress ? { progress: options.progress } : {}),
    stop: {
      signal: options.signal,
      deadlineMs: options.startMs + config.timeBudgetMinutes * 60_000,
      maxUploads: config.maxUploadsPerRun,
      now: options.now,
    },
  });
}

function timezoneSuspects(workouts: readonly Workout[]): TimezoneSuspect[] {
  return workouts.flatMap((workout) =>
    workout.matches
      .filter((match) => match.reason.kind === 'timezone-suspect')
      .map((match) => ({
        a: { platform: match.a.platform, remoteId: match.a.remoteId, startUtc: match.a.startUtc },
        b: { platform: match.b.platform, remoteId: match.b.remoteId, startUtc: match.b.startUtc },
        offsetSec: match.reason.offsetSec,
        reason: describeMatch(match.reason),
      })),
  );
}

/** Warn about a time-zone suspect once: not when either record was a suspect in an earlier run. */
function suspectWarnings(suspects: readonly TimezoneSuspect[], earlier: ReadonlySet<string>): string[] {
  return suspects
    .filter((suspect) => !earlier.has(activityKey(suspect.a)) && !earlier.has(activityKey(suspect.b)))
    .map(
      (suspect) =>
        `Time-zone suspect: ${PLATFORM_LABELS[suspect.a.platform]} ${suspect.a.remoteId} and ` +
        `${PLATFORM_LABELS[suspect.b.platform]} ${suspect.b.remoteId} look like one workout ` +
        `(${suspect.reason}); treated as the same, not uploaded again`,
    );
}
