import { activityKey, type PlatformId } from '../core/activity.ts';
import { needsReconcile, type LedgerEvent } from './ledger.ts';
import type { Workout } from './match.ts';
import type { LedgerRowView, PlatformView } from './plan.ts';

export interface ReconcileEvent {
  readonly source: { readonly platform: PlatformId; readonly remoteId: string };
  readonly target: PlatformId;
  readonly event: LedgerEvent;
}

const entryView = (row: LedgerRowView) => ({
  state: row.outcome,
  attempts: row.attempts,
  lastError: row.lastError,
  targetId: row.targetId,
  ticket: row.ticket,
  fitSha256: null,
});

/** Targets whose listing this run must cover in full, because a ledger row waits for it. */
export function targetsToReconcile(
  rows: readonly LedgerRowView[],
  sourceStart: (row: LedgerRowView) => number | undefined,
  marginSec: number,
): Map<PlatformId, number> {
  const reach = new Map<PlatformId, number>();
  for (const row of rows) {
    if (!needsReconcile(entryView(row))) continue;
    const start = (sourceStart(row) ?? Number.POSITIVE_INFINITY) - marginSec;
    reach.set(row.targetPlatform, Math.min(reach.get(row.targetPlatform) ?? Number.POSITIVE_INFINITY, start));
  }
  return reach;
}

/**
 * Settles interrupted and id-less ledger rows against this run's listings: a workout that holds
 * a record on the target was delivered (its id recorded); an interrupted upload that a full
 * listing of the target does not show may be sent again. Anything else waits.
 */
export function reconcileLedger(
  rows: readonly LedgerRowView[],
  workouts: readonly Workout[],
  options: {
    readonly fullyListed: ReadonlySet<PlatformId>;
    readonly platforms: readonly PlatformView[];
    readonly gone: ReadonlySet<string>;
  },
): ReconcileEvent[] {
  const waiting = rows.filter((row) => needsReconcile(entryView(row)));
  if (waiting.length === 0) return [];
  const workoutOf = new Map<string, Workout>();
  for (const workout of workouts) for (const member of workout.members) workoutOf.set(activityKey(member), workout);
  const events: ReconcileEvent[] = [];
  for (const row of waiting) {
    const source = { platform: row.sourcePlatform, remoteId: row.sourceId };
    const workout = workoutOf.get(activityKey(source));
    if (!workout) continue;
    const onTarget = workout.members.find(
      (member) => member.platform === row.targetPlatform && !options.gone.has(activityKey(member)),
    );
    if (onTarget) {
      if (onTarget.remoteId !== row.targetId)
        events.push({ source, target: row.targetPlatform, event: { type: 'found', targetId: onTarget.remoteId } });
      continue;
    }
    if (row.outcome !== 'sending' || !options.fullyListed.has(row.targetPlatform)) continue;
    const view = options.platforms.find((platform) => platform.id === row.targetPlatform);
    const covered =
      view?.available && (view.complete || (view.coveredFromUtc !== null && workout.startUtc >= view.coveredFromUtc));
    if (covered) events.push({ source, target: row.targetPlatform, event: { type: 'not-found' } });
  }
  return events;
}
