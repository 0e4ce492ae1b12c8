import { createHash } from 'node:crypto';
import { PLATFORM_LABELS, activityKey, type Activity, type PlatformId } from '../core/activity.ts';
import { describeError, errorKind, isSyncError, RetryableError } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import { redact } from '../core/secrets.ts';
import { platformSportCode, sportById } from '../core/sports.ts';
import { formatLocalTime } from '../core/time-format.ts';
import { isConnectionRefused } from '../http/http-client.ts';
import { withRequestPriority } from '../http/request-limit.ts';
import type { UploadOutcome } from '../platforms/platform.ts';
import type { SourceFile } from './fit-files.ts';
import type { LedgerEvent } from '../decide/ledger.ts';
import { nextStepFor } from '../decide/next-step.ts';
import type { PlanItem } from '../decide/plan.ts';
import type { TransferResult } from '../decide/report-types.ts';
import type { RunContext } from './sync-store.ts';

type WorkItem = Exclude<PlanItem, { kind: 'skip' }>;
type UploadItem = Extract<PlanItem, { kind: 'upload' }>;

/** Why the executor starts no new work: the caller's signal, the time budget, or the upload cap. */
export interface StopRule {
  readonly signal?: AbortSignal | undefined;
  /** Epoch milliseconds after which no job starts. */
  readonly deadlineMs: number;
  readonly maxUploads: number;
  readonly now?: () => number;
}

export interface ExecuteContext extends RunContext {
  readonly stop: StopRule;
  /** Jobs (workouts) in progress at once: bounds the FIT files held in memory. */
  readonly poolSize: number;
  /** One tick per finished upload or check (the CLI's live line). */
  readonly progress?: Progress;
  /** Every job has started: what is in flight now is all the run waits for (set by the executor). */
  readonly finishing?: () => boolean;
}

export interface ExecuteResult {
  readonly transfers: TransferResult[];
  /** Items not started because the run stopped early (signal, time budget or upload cap). */
  readonly deferred: number;
  readonly stoppedBy: 'signal' | 'time budget' | 'upload cap' | null;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** "Indoor ride of 2026-10-15 20:30 UTC+8": the report's words, in the user's zone. */
export function workoutWords(source: Pick<Activity, 'sport' | 'startUtc'>, timeZone: string): string {
  return `${sportById(source.sport.id).label} of ${formatLocalTime(source.startUtc, timeZone)}`;
}

export function describeWorkout(
  source: Activity,
): Pick<TransferResult, 'sourceId' | 'startUtc' | 'sport' | 'distanceM' | 'elapsedSec' | 'name'> {
  return {
    sourceId: source.remoteId,
    startUtc: source.startUtc,
    sport: source.sport.id,
    distanceM: source.distanceM,
    elapsedSec: source.elapsedSec,
    name: source.name,
  };
}

/** The record an upload created on the target, as that platform would list it. */
export function copyOn(target: PlatformId, remoteId: string, source: Activity): Activity {
  const sport = sportById(source.sport.id);
  return {
    platform: target,
    remoteId,
    startUtc: source.startUtc,
    elapsedSec: source.elapsedSec,
    distanceM: source.distanceM,
    sport: { id: sport.id, family: sport.family, code: platformSportCode(target, sport) },
    name: source.name,
    device: source.device,
    vendor: source.vendor,
    manual: false,
  };
}

/**
 * Runs the plan's uploads and pending checks with a fixed pool of workout jobs. Requests are
 * limited per platform below (in the HTTP layer), so a platform's waits hold no slot here; a
 * workout's targets upload in parallel. Every ledger change is written before the next step.
 */
export async function executeTransfers(items: readonly WorkItem[], context: ExecuteContext): Promise<ExecuteResult> {
  const jobs = groupByWorkout(items);
  const transfers: TransferResult[] = [];
  let uploadsStarted = 0;
  let stoppedBy: ExecuteResult['stoppedBy'] = null;
  let deferred = 0;
  let next = 0;
  const now = context.stop.now ?? Date.now;
  const stopReason = (uploads: number): ExecuteResult['stoppedBy'] => {
    if (context.stop.signal?.aborted) return 'signal';
    if (now() >= context.stop.deadlineMs) return 'time budget';
    if (uploadsStarted + uploads > context.stop.maxUploads) return 'upload cap';
    return null;
  };
  const worker = async () => {
    while (next < jobs.length) {
      const jobNumber = next++;
      const job = jobs[jobNumber]!;
      const uploads = job.filter((item) => item.kind === 'upload').length;
      const reason = stoppedBy ?? stopReason(uploads);
      if (reason) {
        stoppedBy ??= reason;
        deferred += job.length;
        continue;
      }
      uploadsStarted += uploads;
      transfers.push(...(await withRequestPriority(jobNumber, () => runJob(job, jobContext))));
      context.progress?.tick(job.length);
    }
  };
  if (items.length) context.progress?.phase('Uploads', items.length);
  const jobContext = { ...context, finishing: () => next >= jobs.length };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(context.poolSize, jobs.length)) }, worker));
  if (items.length) context.progress?.done();
  return { transfers, deferred, stoppedBy };
}

function groupByWorkout(items: readonly WorkItem[]): WorkItem[][] {
  const jobs = new Map<object, WorkItem[]>();
  for (const item of items) {
    const list = jobs.get(item.workout);
    if (list) list.push(item);
    else jobs.set(item.workout, [item]);
  }
  return [...jobs.values()];
}

/** One workout: its pending checks and its uploads, each target in parallel, one download per source. */
async function runJob(items: readonly WorkItem[], context: ExecuteContext): Promise<TransferResult[]> {
  const files = new Map<string, Promise<SourceFile>>();
  const fileOf = (source: Activity): Promise<SourceFile> => {
    const key = activityKey(source);
    let file = files.get(key);
    if (!file) {
      file = readSource(source, context);
      files.set(key, file);
    }
    return file;
  };
  const results = await Promise.all(
    items.map((item) =>
      item.kind === 'check-pending' ? checkPending(item, context) : uploadItem(item, fileOf, context),
    ),
  );
  return results.flat();
}

async function readSource(source: Activity, context: ExecuteContext): Promise<SourceFile> {
  const platform = context.platforms.get(source.platform);
  if (!platform)
    return {
      kind: 'problem',
      problem: 'download-failed',
      message: `${PLATFORM_LABELS[source.platform]} is not connected`,
    };
  const file = await context.fitFiles.get(source, platform);
  if (file.kind === 'problem') {
    context.store.recordSourceProblem(source, file.problem, file.message);
    context.log.warn(`${PLATFORM_LABELS[source.platform]} ${source.remoteId}: ${file.message}`);
  } else {
    context.store.clearSourceProblem(source);
  }
  return file;
}

async function checkPending(
  item: Extract<WorkItem, { kind: 'check-pending' }>,
  context: ExecuteContext,
): Promise<TransferResult[]> {
  const target = context.platforms.get(item.target);
  const base = { from: item.source.platform, to: item.target, ...describeWorkout(item.source) };
  if (!target?.checkPendingUpload) return [];
  try {
    const outcome = await target.checkPendingUpload(item.ticket, item.source);
    return [recordOutcome(item, item.source, outcome, context)];
  } catch (error) {
    const message = redact(describeError(error));
    context.store.applyLedgerEvent(item.source, item.target, { type: 'check-failed', message }, context.runId);
    return [
      {
        ...base,
        outcome: 'pending',
        message,
        nextStep: 'The check failed; the next run checks again without uploading.',
      },
    ];
  }
}

async function uploadItem(
  item: UploadItem,
  fileOf: (source: Activity) => Promise<SourceFile>,
  context: ExecuteContext,
): Promise<TransferResult[]> {
  let lastProblem: Extract<SourceFile, { kind: 'problem' }> | undefined;
  for (const source of [item.source, ...item.fallbacks]) {
    const file = await fileOf(source);
    if (file.kind === 'problem') {
      lastProblem = file;
      continue;
    }
    return [await sendUpload(item, source, file.bytes, context)];
  }
  const source = item.source;
  const problem = lastProblem!;
  const nextStep =
    problem.problem === 'no-original'
      ? 'No original file exists there; nothing to copy.'
      : `A problem of the source (${PLATFORM_LABELS[source.platform]}), ` +
        `not of ${PLATFORM_LABELS[item.target]}: retried on the next run.`;
  const outcome = problem.problem === 'no-original' ? 'no-original' : 'failed';
  return [
    {
      from: source.platform,
      to: item.target,
      ...describeWorkout(source),
      outcome,
      message: `source: ${problem.message}`,
      nextStep,
    },
  ];
}

/** Sends one upload: the ledger says 'sending' before the request leaves, and the answer after. */
async function sendUpload(
  item: UploadItem,
  source: Activity,
  bytes: Uint8Array,
  context: ExecuteContext,
): Promise<TransferResult> {
  const target = context.platforms.get(item.target)!;
  context.store.applyLedgerEvent(source, item.target, { type: 'send', fitSha256: sha256(bytes) }, context.runId);
  try {
    const fileName = `${source.platform}-${source.remoteId.replace(/[^A-Za-z0-9_-]/g, '_')}.fit`;
    const outcome = await target.uploadFit({
      bytes,
      fileName,
      source,
      firstAttempt: item.attempt === 1,
      finishing: context.finishing?.() ?? false,
    });
    return recordOutcome(item, source, outcome, context);
  } catch (error) {
    return recordFailure(item, source, error, context);
  }
}

function recordOutcome(
  item: WorkItem,
  source: Activity,
  outcome: UploadOutcome,
  context: ExecuteContext,
): TransferResult {
  const { store, runId, log } = context;
  const base = { from: source.platform, to: item.target, ...describeWorkout(source) };
  const route = `${PLATFORM_LABELS[source.platform]} → ${PLATFORM_LABELS[item.target]}`;
  switch (outcome.kind) {
    case 'created':
      // The outcome and the copy it made land in one commit: one sync per answer, not three.
      store.transaction(() => {
        store.applyLedgerEvent(source, item.target, { type: 'created', targetId: outcome.remoteId }, runId);
        if (outcome.remoteId) recordCopy(item, source, outcome.remoteId, context);
      });
      log.info(
        `uploaded ${workoutWords(source, context.config.timeZone)} ` +
          `${route}${outcome.remoteId ? ` (id ${outcome.remoteId})` : ''}`,
      );
      return { ...base, outcome: 'created', targetId: outcome.remoteId };
    case 'duplicate':
      store.transaction(() => {
        store.applyLedgerEvent(source, item.target, { type: 'duplicate', existingId: outcome.existingId }, runId);
        if (outcome.existingId) recordCopy(item, source, outcome.existingId, context);
      });
      return {
        ...base,
        outcome: 'duplicate',
        targetId: outcome.existingId,
        message: `${PLATFORM_LABELS[item.target]} already has it`,
      };
    case 'rejected': {
      const message = redact(outcome.message);
      store.applyLedgerEvent(source, item.target, { type: 'rejected', message }, runId);
      const nextStep =
        `${PLATFORM_LABELS[item.target]} refused this file; it will not be retried. ` +
        `Upload it by hand if you want it there.`;
      return { ...base, outcome: 'rejected', message, nextStep };
    }
    case 'pending': {
      const message = redact(outcome.message);
      store.applyLedgerEvent(source, item.target, { type: 'pending', ticket: outcome.ticket, message }, runId);
      return {
        ...base,
        outcome: 'pending',
        message,
        nextStep: 'Still processing; the next run checks it without uploading again.',
      };
    }
  }
}

/** The copy is known at once, linked to every record of its workout: the next run has nothing to learn. */
function recordCopy(item: WorkItem, source: Activity, remoteId: string, context: ExecuteContext): void {
  const copy = copyOn(item.target, remoteId, source);
  context.store.upsertActivities(context.runId, [copy]);
  const reason = `uploaded from ${PLATFORM_LABELS[source.platform]} by Sports Sync X`;
  const members = item.workout.members.filter((member) => member.platform !== item.target);
  context.store.recordLinks(
    context.runId,
    members.map((member) => ({ a: member, b: copy, reason })),
  );
}

/** What a failed request means for the ledger: refused, answered with an error, or lost on the way. */
export function failureEvent(error: unknown, message: string): LedgerEvent {
  if (errorKind(error) === 'rejected') return { type: 'rejected', message };
  // A success status whose body broke off: the target did the work and the answer was lost.
  if (isSyncError(error) && error.status !== undefined && error.status < 400) return { type: 'lost', message };
  if (isSyncError(error) && error.status !== undefined) return { type: 'failed', message, reached: true };
  // No answer: a refused connection never reached the target; anything else may have.
  const cause = isSyncError(error) ? error.cause : error;
  if (error instanceof RetryableError && isConnectionRefused(cause)) return { type: 'failed', message, reached: false };
  if (!isSyncError(error)) return { type: 'failed', message, reached: true };
  return { type: 'lost', message };
}

function recordFailure(item: UploadItem, source: Activity, error: unknown, context: ExecuteContext): TransferResult {
  const message = redact(describeError(error));
  const event = failureEvent(error, message);
  const entry = context.store.applyLedgerEvent(source, item.target, event, context.runId);
  const base = { from: source.platform, to: item.target, ...describeWorkout(source) };
  context.log.warn(
    `${PLATFORM_LABELS[source.platform]} → ${PLATFORM_LABELS[item.target]} ${source.remoteId}: ${message}`,
  );
  if (event.type === 'rejected') {
    return {
      ...base,
      outcome: 'rejected',
      message,
      nextStep:
        `${PLATFORM_LABELS[item.target]} refused this file; it will not be retried. ` +
        `Upload it by hand if you want it there.`,
    };
  }
  const lastAttempt = entry.attempts >= context.config.maxUploadAttempts;
  const nextStep =
    event.type === 'lost'
      ? `The answer was lost; the next run checks ${PLATFORM_LABELS[item.target]} before sending it again.`
      : lastAttempt
        ? `Gave up after ${entry.attempts} attempts: set aside and not retried. Upload it by hand, ` +
          `or raise MAX_UPLOAD_ATTEMPTS to try again.`
        : nextStepFor(errorKind(error), item.target, error);
  return { ...base, outcome: 'failed', message, nextStep };
}
