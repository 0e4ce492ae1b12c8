import { PLATFORM_LABELS, type PlatformId } from '../core/activity.ts';
import type { SyncConfig } from '../config/config.ts';
import { describeWorkout, type ExecuteResult } from './execute-transfers.ts';
import type { PlatformRun } from './list-platforms.ts';
import { SET_ASIDE_REASONS, type PlanItem } from '../decide/plan.ts';
import type {
  DuplicateResult,
  FailureItem,
  PlatformSummary,
  ReportCounts,
  SyncReport,
  TimezoneSuspect,
  TransferResult,
} from '../decide/report-types.ts';

export interface ReportInput {
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly config: SyncConfig;
  readonly runs: ReadonlyMap<PlatformId, PlatformRun>;
  readonly known: (id: PlatformId) => number;
  readonly plan: readonly PlanItem[];
  readonly execution: ExecuteResult;
  readonly duplicates: readonly DuplicateResult[];
  readonly timezoneSuspects: readonly TimezoneSuspect[];
  readonly warnings: readonly string[];
  /** SYNC_ROUTES / SYNC_SINCE as set (absent: every direction, all history). */
  readonly routing?: SyncReport['routing'];
}

const SET_ASIDE_NEXT_STEP: Readonly<Record<string, string>> = {
  'set-aside-failed':
    'Set aside after repeated failures. Upload it by hand, or raise MAX_UPLOAD_ATTEMPTS to try again.',
  'set-aside-rejected': 'The target refused this file; upload it by hand if you want it there.',
  'set-aside-source':
    'The source keeps failing to give a good file; download it from the source by hand and upload it.',
};

/** Skipped items that need the user, listed in every report (nothing is set aside silently). */
function setAsideItems(plan: readonly PlanItem[]): TransferResult[] {
  const items: TransferResult[] = [];
  for (const item of plan) {
    if (item.kind !== 'skip' || !SET_ASIDE_REASONS.has(item.reason)) continue;
    const record = item.source ?? item.workout.members[0]!;
    items.push({
      from: record.platform,
      to: item.target,
      ...describeWorkout(record),
      outcome: 'set-aside',
      message: item.detail,
      nextStep: SET_ASIDE_NEXT_STEP[item.reason]!,
    });
  }
  return items;
}

/** Interrupted uploads whose arrival a later listing must confirm before anything is sent again. */
function awaitingItems(plan: readonly PlanItem[]): TransferResult[] {
  return plan
    .filter(
      (item): item is Extract<PlanItem, { kind: 'skip' }> =>
        item.kind === 'skip' && item.reason === 'awaiting-reconcile',
    )
    .map((item) => {
      const record = item.workout.members[0]!;
      return {
        from: record.platform,
        to: item.target,
        ...describeWorkout(record),
        outcome: 'pending',
        message: item.detail,
        nextStep: 'Checked against the target on the next run; never sent twice.',
      };
    });
}

function plannedItems(plan: readonly PlanItem[]): TransferResult[] {
  return plan.flatMap((item) =>
    item.kind === 'skip'
      ? []
      : [{ from: item.source.platform, to: item.target, ...describeWorkout(item.source), outcome: 'planned' as const }],
  );
}

function failuresOf(input: ReportInput, transfers: readonly TransferResult[]): FailureItem[] {
  const failures: FailureItem[] = [];
  for (const run of input.runs.values()) {
    if (run.error)
      failures.push({
        scope: PLATFORM_LABELS[run.id],
        kind: run.error.kind,
        message: run.error.message,
        ...(run.error.nextStep ? { nextStep: run.error.nextStep } : {}),
      });
  }
  for (const transfer of transfers) {
    if (transfer.outcome !== 'failed' && transfer.outcome !== 'rejected') continue;
    const scope = `${PLATFORM_LABELS[transfer.from]} → ${PLATFORM_LABELS[transfer.to]} ${transfer.sourceId}`;
    const kind = transfer.outcome === 'failed' ? 'retryable' : 'rejected';
    failures.push({
      scope,
      kind,
      message: transfer.message ?? transfer.outcome,
      ...(transfer.nextStep ? { nextStep: transfer.nextStep } : {}),
    });
  }
  for (const duplicate of input.duplicates) {
    if (duplicate.action !== 'delete-failed') continue;
    failures.push({
      scope: `${PLATFORM_LABELS[duplicate.platform]} duplicate ${duplicate.duplicateId}`,
      kind: 'retryable',
      message: duplicate.message ?? 'delete failed',
      nextStep: 'It will be retried on the next run.',
    });
  }
  return failures;
}

function platformSummaries(input: ReportInput): PlatformSummary[] {
  return input.config.platforms.map((id) => {
    const run = input.runs.get(id);
    return {
      id,
      label: PLATFORM_LABELS[id],
      listed: run?.listed ?? 0,
      known: input.known(id),
      ...(run?.error ? { error: run.error } : {}),
      ...(run?.credentialExpiry ? { credentialExpiry: run.credentialExpiry } : {}),
    };
  });
}

/** The run's report as plain data; its counts are the lengths of the lists it holds. */
export function buildReport(input: ReportInput): SyncReport {
  const executed = input.config.dryRun ? plannedItems(input.plan) : input.execution.transfers;
  const transfers = [...executed, ...awaitingItems(input.plan), ...setAsideItems(input.plan)];
  const failures = failuresOf(input, transfers);
  const count = (outcome: TransferResult['outcome']) =>
    transfers.filter((transfer) => transfer.outcome === outcome).length;
  const noOriginalSkips = input.plan.filter((item) => item.kind === 'skip' && item.reason === 'no-original').length;
  const counts: ReportCounts = {
    uploaded: count('created'),
    alreadyThere: count('duplicate'),
    duplicatesFound: input.duplicates.length,
    deleted: input.duplicates.filter((duplicate) => duplicate.action === 'deleted').length,
    failed: failures.length,
    pending: count('pending'),
    planned: count('planned'),
    setAside: count('set-aside'),
    noOriginal: count('no-original') + noOriginalSkips,
    remaining: input.execution.deferred,
  };
  const warnings = [...input.warnings];
  if (input.execution.stoppedBy) {
    warnings.push(
      `Stopped starting transfers (${input.execution.stoppedBy}): ` +
        `${input.execution.deferred} left for the next run, which continues where this one stopped`,
    );
  }
  if (noOriginalSkips > 0)
    warnings.push(
      `${noOriginalSkips} copies cannot be made: ` +
        'those workouts have no original file (manual entries or GPX/TCX imports)',
    );
  const anyPlatformWorked = [...input.runs.values()].some((run) => run.available);
  const outcome: SyncReport['outcome'] =
    failures.length === 0 ? 'ok' : anyPlatformWorked || input.config.platforms.length === 0 ? 'partial' : 'failed';
  return {
    runId: input.runId,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    dryRun: input.config.dryRun,
    outcome,
    platforms: platformSummaries(input),
    transfers,
    duplicates: input.duplicates,
    timezoneSuspects: input.timezoneSuspects,
    failures,
    warnings,
    counts,
    ...(input.routing ? { routing: input.routing } : {}),
  };
}
