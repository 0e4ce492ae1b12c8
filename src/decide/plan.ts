import { activityKey, type Activity, type PlatformId } from '../core/activity.ts';
import type { LedgerRowView } from './ledger.ts';
import type { Workout } from './match.ts';
import { routeAllows, sinceAllows, type Route } from './routes.ts';

export interface PlatformView {
  readonly id: PlatformId;
  /** Listing worked this run: it can be a source and a target. */
  readonly available: boolean;
  /** Oldest start time this platform's listing covers (null: nothing); uploads older than that are not planned. */
  readonly coveredFromUtc: number | null;
  readonly complete: boolean;
  /** False when the platform cannot take uploads (a read-only source); absent = it can. */
  readonly canUpload?: boolean;
  /** Why it cannot, for the report. */
  readonly readOnlyReason?: string | undefined;
}

export type { LedgerRowView } from './ledger.ts';

/** Why a source record cannot give its file (recorded against the source, never the target). */
export interface SourceProblemView {
  readonly problem: 'download-failed' | 'no-original' | 'broken-file';
  readonly attempts: number;
  readonly lastError: string | null;
}

export type PlanItem =
  | {
      readonly kind: 'upload';
      readonly workout: Workout;
      readonly source: Activity;
      /** Other records of the workout to copy from when `source` cannot give a good file. */
      readonly fallbacks: readonly Activity[];
      readonly target: PlatformId;
      readonly attempt: number;
    }
  | {
      readonly kind: 'check-pending';
      readonly workout: Workout;
      readonly source: Activity;
      readonly target: PlatformId;
      readonly ticket: string;
    }
  | {
      readonly kind: 'skip';
      readonly workout: Workout;
      readonly source: Activity | null;
      readonly target: PlatformId;
      readonly reason: SkipReason;
      readonly detail: string;
    };

export type SkipReason =
  | 'deleted-on-target'
  | 'set-aside-failed'
  | 'set-aside-rejected'
  | 'set-aside-source'
  | 'no-original'
  | 'source-unavailable'
  | 'awaiting-reconcile'
  | 'read-only-target';

/** Skips that need the user: listed in every report and in `status`. */
export const SET_ASIDE_REASONS: ReadonlySet<SkipReason> = new Set([
  'set-aside-failed',
  'set-aside-rejected',
  'set-aside-source',
]);

export interface PlanOptions {
  readonly platforms: readonly PlatformView[];
  readonly transfers: readonly LedgerRowView[];
  /** Keys (platform:id) of records that were on a platform and are gone now (the user deleted them). */
  readonly gone: ReadonlySet<string>;
  readonly maxUploadAttempts: number;
  /** Source records that could not give their file, by key (platform:id). */
  readonly sourceProblems?: ReadonlyMap<string, SourceProblemView>;
  /** SYNC_ROUTES: the directions copies are made in; null or absent = every direction. */
  readonly routes?: readonly Route[] | null;
  /** SYNC_SINCE (epoch seconds): only workouts starting at or after it are copied. */
  readonly sinceUtc?: number | null;
}

const VENDOR_HOME: Readonly<Record<string, readonly PlatformId[]>> = {
  coros: ['coros'],
  garmin: ['garmin_com', 'garmin_cn'],
};

/** A source problem that rules the record out: no original at all, or tried too often. */
function excludedSource(problem: SourceProblemView | undefined, maxAttempts: number): boolean {
  if (!problem) return false;
  return problem.problem === 'no-original' || problem.attempts >= maxAttempts;
}

/** Records to copy from, best first: the platform where it was recorded, then the configured order. */
export function rankSources(
  members: readonly Activity[],
  platforms: readonly PlatformView[],
  target: PlatformId,
  excluded: (member: Activity) => boolean,
): Activity[] {
  const order = platforms.map((platform) => platform.id);
  const usable = members.filter(
    (member) =>
      member.platform !== target &&
      !member.manual &&
      !excluded(member) &&
      platforms.find((p) => p.id === member.platform)?.available,
  );
  const rank = (member: Activity) => {
    const home = VENDOR_HOME[member.vendor] ?? [];
    const homeRank = home.includes(member.platform) ? 0 : 1;
    return homeRank * 10 + order.indexOf(member.platform);
  };
  return [...usable].sort((a, b) => rank(a) - rank(b));
}

function groupLedger(rows: readonly LedgerRowView[]): Map<string, LedgerRowView[]> {
  const ledger = new Map<string, LedgerRowView[]>();
  for (const row of rows) {
    const key = `${row.sourcePlatform}:${row.sourceId}`;
    const list = ledger.get(key);
    if (list) list.push(row);
    else ledger.set(key, [row]);
  }
  return ledger;
}

type TargetDecision = Omit<Extract<PlanItem, { kind: 'skip' }>, 'workout' | 'target' | 'kind'> | null;

/** What the ledger rows of this workout and target say, before any source is chosen. */
function ledgerDecision(rows: readonly LedgerRowView[], goneOnTarget: boolean, maxAttempts: number): TargetDecision {
  const delivered = rows.find((row) => row.outcome === 'created' || row.outcome === 'duplicate');
  if (goneOnTarget || delivered) {
    const detail = goneOnTarget
      ? 'the workout was on this platform before and was deleted there; not uploading it again'
      : 'uploaded before and no longer listed there (deleted by the user?); not uploading it again';
    return { source: null, reason: 'deleted-on-target', detail };
  }
  const sending = rows.find((row) => row.outcome === 'sending');
  if (sending)
    return {
      source: null,
      reason: 'awaiting-reconcile',
      detail: 'an earlier upload was interrupted; waiting until a listing shows whether it arrived',
    };
  const rejected = rows.find((row) => row.outcome === 'rejected');
  if (rejected)
    return { source: null, reason: 'set-aside-rejected', detail: rejected.lastError ?? 'rejected by the platform' };
  const attempts = rows.reduce((sum, row) => sum + row.attempts, 0);
  if (attempts >= maxAttempts) {
    const last = [...rows].sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1))[0];
    return {
      source: null,
      reason: 'set-aside-failed',
      detail: `failed ${attempts} times; last error: ${last?.lastError ?? 'unknown'}`,
    };
  }
  return null;
}

/** Why no source is usable: no original anywhere, sources that keep failing, or none reachable. */
function noSourceDecision(
  present: readonly Activity[],
  problems: ReadonlyMap<string, SourceProblemView>,
  maxAttempts: number,
): TargetDecision {
  const problemOf = (member: Activity) => problems.get(activityKey(member));
  if (present.every((member) => member.manual || problemOf(member)?.problem === 'no-original')) {
    return {
      source: null,
      reason: 'no-original',
      detail: 'no original FIT file exists (manual entry or GPX/TCX import)',
    };
  }
  const failing = present.filter(
    (member) => excludedSource(problemOf(member), maxAttempts) && problemOf(member)?.problem !== 'no-original',
  );
  if (failing.length > 0) {
    const first = problemOf(failing[0]!)!;
    const what = first.problem === 'broken-file' ? 'gave a broken file' : 'could not be downloaded';
    return {
      source: null,
      reason: 'set-aside-source',
      detail: `the source ${what} ${first.attempts} times (${first.lastError ?? 'unknown'})`,
    };
  }
  return { source: null, reason: 'source-unavailable', detail: 'no platform holding it could be reached this run' };
}

/** Plans, for every workout missing from a configured platform, one upload from the best source. */
export function planTransfers(workouts: readonly Workout[], options: PlanOptions): PlanItem[] {
  const ledger = groupLedger(options.transfers);
  const problems = options.sourceProblems ?? new Map<string, SourceProblemView>();
  const excluded = (member: Activity) => excludedSource(problems.get(activityKey(member)), options.maxUploadAttempts);
  const items: PlanItem[] = [];

  for (const workout of workouts) {
    const memberRows =
      ledger.size === 0 ? [] : workout.members.flatMap((member) => ledger.get(activityKey(member)) ?? []);
    const present =
      options.gone.size === 0
        ? workout.members
        : workout.members.filter((member) => !options.gone.has(activityKey(member)));
    if (present.length === 0 || !sinceAllows(options.sinceUtc ?? null, workout.startUtc)) continue;
    const presentOn = new Set(present.map((member) => member.platform));
    const goneOn = new Set(
      workout.members.filter((member) => options.gone.has(activityKey(member))).map((member) => member.platform),
    );

    for (const target of options.platforms) {
      if (presentOn.has(target.id) || !target.available) continue;
      // Only members on a platform with a route to this target can be its source.
      const routed = present.filter((member) => routeAllows(options.routes ?? null, member.platform, target.id));
      if (routed.length === 0) continue;
      // Outside what the target's listing covers: we cannot know it is missing there.
      if (!target.complete && (target.coveredFromUtc === null || workout.startUtc < target.coveredFromUtc)) continue;
      if (target.canUpload === false) {
        items.push({
          kind: 'skip',
          workout,
          source: null,
          target: target.id,
          reason: 'read-only-target',
          detail: target.readOnlyReason ?? 'the platform is read-only',
        });
        continue;
      }

      const rows = memberRows.filter((row) => row.targetPlatform === target.id);
      const skip = ledgerDecision(rows, goneOn.has(target.id), options.maxUploadAttempts);
      if (skip) {
        items.push({ kind: 'skip', workout, target: target.id, ...skip });
        continue;
      }
      const pending = rows.find((row) => row.outcome === 'pending' && row.ticket);
      if (pending) {
        const source =
          present.find(
            (member) => member.platform === pending.sourcePlatform && member.remoteId === pending.sourceId,
          ) ?? present[0]!;
        items.push({ kind: 'check-pending', workout, source, target: target.id, ticket: pending.ticket! });
        continue;
      }
      const [source, ...fallbacks] = rankSources(routed, options.platforms, target.id, excluded);
      if (!source) {
        items.push({
          kind: 'skip',
          workout,
          target: target.id,
          ...noSourceDecision(routed, problems, options.maxUploadAttempts)!,
        });
        continue;
      }
      const attempts = rows.reduce((sum, row) => sum + row.attempts, 0);
      items.push({ kind: 'upload', workout, source, fallbacks, target: target.id, attempt: attempts + 1 });
    }
  }
  return items;
}
