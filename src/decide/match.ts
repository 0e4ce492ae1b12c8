import type { Activity, PlatformId } from '../core/activity.ts';
import { sportsCompatible } from '../core/sports.ts';

/** Why two records are taken for the same workout. */
export interface MatchReason {
  readonly kind: 'same-start' | 'timezone-suspect';
  /** Start-time difference b − a, seconds (for time-zone suspects: after removing the offset). */
  readonly deltaSec: number;
  /** Whole- or half-hour offset assumed (0 for same-start). */
  readonly offsetSec: number;
  /** Relative differences, null when one side lacks the value. */
  readonly deltaDistance: number | null;
  readonly deltaDuration: number | null;
}

export interface Match {
  readonly a: Activity;
  readonly b: Activity;
  readonly reason: MatchReason;
}

export interface MatchOptions {
  /** SPORT_DIFF_SECOND. */
  readonly toleranceSec: number;
  /** Relative elapsed-time agreement for a same-start match (fit.md §6: ±10 %). */
  readonly durationTolerance?: number;
  /** Relative distance agreement for a same-start match (fit.md §6: ±5 %). */
  readonly distanceTolerance?: number;
  /** Time-zone suspects need closer agreement (default ±2 %) and an elapsed time on both sides. */
  readonly timezoneTolerance?: number;
  /** Largest time-zone error considered, seconds (UTC−12 … UTC+14). */
  readonly maxTimezoneOffsetSec?: number;
}

const HALF_HOUR = 1800;
const PLATFORM_INDEX: Readonly<Record<PlatformId, number>> = { garmin_com: 0, garmin_cn: 1, coros: 2 };

function relativeDelta(a: number | null, b: number | null): number | null {
  if (a === null || b === null) return null;
  // Zero or tiny values (strength sessions with distance 0) compare as absent.
  if (a < 1 && b < 1) return null;
  const larger = Math.max(Math.abs(a), Math.abs(b));
  return larger === 0 ? 0 : Math.abs(a - b) / larger;
}

/** Sport, duration and distance agree: the part of the identity rule beyond start times. */
export function bodiesAgree(
  a: Activity,
  b: Activity,
  durationTolerance: number,
  distanceTolerance: number,
): { ok: boolean; deltaDistance: number | null; deltaDuration: number | null } {
  const deltaDuration = relativeDelta(a.elapsedSec, b.elapsedSec);
  const deltaDistance = relativeDelta(a.distanceM, b.distanceM);
  const ok =
    sportsCompatible(a.sport.family, b.sport.family) &&
    (deltaDuration === null || deltaDuration <= durationTolerance) &&
    (deltaDistance === null || deltaDistance <= distanceTolerance);
  return { ok, deltaDistance, deltaDuration };
}

/**
 * All pairs of records (on any platforms, including one platform twice) that are the same workout
 * by start time within the tolerance plus compatible body. O(n log n + pairs): a sweep over
 * records sorted by start time.
 */
export function findSameStartMatches(activities: readonly Activity[], options: MatchOptions): Match[] {
  const matches: Match[] = [];
  sweepSameStart(activities, startOrder(activities), options, (_i, _j, match) => matches.push(match));
  return matches;
}

/** Positions of `activities` ordered by start time. */
function startOrder(activities: readonly Activity[]): Int32Array {
  const order = Int32Array.from(activities.keys());
  return order.sort((x, y) => activities[x]!.startUtc - activities[y]!.startUtc);
}

function sweepSameStart(
  activities: readonly Activity[],
  order: Int32Array,
  options: MatchOptions,
  onMatch: (i: number, j: number, match: Match) => void,
): void {
  const durationTolerance = options.durationTolerance ?? 0.1;
  const distanceTolerance = options.distanceTolerance ?? 0.05;
  for (let x = 0; x < order.length; x++) {
    const i = order[x]!;
    const a = activities[i]!;
    for (let y = x + 1; y < order.length; y++) {
      const j = order[y]!;
      const b = activities[j]!;
      const deltaSec = b.startUtc - a.startUtc;
      if (deltaSec > options.toleranceSec) break;
      if (a.platform === b.platform && a.remoteId === b.remoteId) continue;
      const agreement = bodiesAgree(a, b, durationTolerance, distanceTolerance);
      if (!agreement.ok) continue;
      onMatch(i, j, {
        a,
        b,
        reason: {
          kind: 'same-start',
          deltaSec,
          offsetSec: 0,
          deltaDistance: agreement.deltaDistance,
          deltaDuration: agreement.deltaDuration,
        },
      });
    }
  }
}

/**
 * The record's own UTC offset, seconds east, when its platform tells (COROS `startTimezone` in
 * quarter hours; Garmin's local start minus its GMT start).
 */
export function zoneOffsetSec(activity: Activity): number | null {
  const extra = activity.extra;
  if (!extra) return null;
  if (typeof extra.startTimezone === 'number' && Number.isFinite(extra.startTimezone)) return extra.startTimezone * 900;
  if (typeof extra.utcOffsetSec === 'number' && Number.isFinite(extra.utcOffsetSec)) return extra.utcOffsetSec;
  return null;
}

/**
 * Whether the records' zone data explain a shift of `offsetSec`: true or false when either has
 * zone data, null when neither has (then only a unique candidate may match).
 */
export function zoneExplains(a: Activity, b: Activity, offsetSec: number): boolean | null {
  const zones = [zoneOffsetSec(a), zoneOffsetSec(b)].filter((zone): zone is number => zone !== null);
  if (zones.length === 0) return null;
  return zones.some((zone) => zone !== 0 && Math.abs(zone) === Math.abs(offsetSec));
}

interface SuspectCandidate {
  readonly i: number;
  readonly j: number;
  readonly match: Match;
}

/**
 * Time-zone suspects: a record with no same-start partner on another platform, and a record on
 * another platform whose start differs by a whole or half number of hours (one platform stored
 * local time as UTC) while duration and distance agree closely. Kept only when the zone data
 * agree, or, with no zone data on either side, when each is the other's only candidate.
 */
function timezoneCandidates(
  lonely: readonly number[],
  activities: readonly Activity[],
  order: Int32Array,
  options: MatchOptions,
): SuspectCandidate[] {
  const tolerance = options.timezoneTolerance ?? 0.02;
  const maxOffset = options.maxTimezoneOffsetSec ?? 14 * 3600;
  const starts = Float64Array.from(order, (position) => activities[position]!.startUtc);
  const lowerBound = (value: number) => {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const candidates: SuspectCandidate[] = [];
  for (const i of lonely) {
    const a = activities[i]!;
    if (a.elapsedSec === null) continue;
    for (let offsetSec = -maxOffset; offsetSec <= maxOffset; offsetSec += HALF_HOUR) {
      if (offsetSec === 0) continue;
      const centre = a.startUtc + offsetSec;
      for (
        let index = lowerBound(centre - options.toleranceSec);
        index < starts.length && starts[index]! <= centre + options.toleranceSec;
        index++
      ) {
        const j = order[index]!;
        const b = activities[j]!;
        if (b.platform === a.platform || b.elapsedSec === null) continue;
        const agreement = bodiesAgree(a, b, tolerance, tolerance);
        if (!agreement.ok) continue;
        const reason: MatchReason = {
          kind: 'timezone-suspect',
          deltaSec: b.startUtc - centre,
          offsetSec,
          deltaDistance: agreement.deltaDistance,
          deltaDuration: agreement.deltaDuration,
        };
        candidates.push({ i, j, match: { a, b, reason } });
      }
    }
  }
  return candidates;
}

/**
 * The candidates the zone rule keeps (pure; see timezoneCandidates). Candidates are counted per
 * workout (`rootOf`: records already matched by start time count once).
 */
function acceptedCandidates(
  candidates: readonly SuspectCandidate[],
  rootOf: (position: number) => number,
): SuspectCandidate[] {
  const partners = new Map<number, Set<number>>();
  const add = (from: number, to: number) => {
    const set = partners.get(from) ?? new Set<number>();
    set.add(to);
    partners.set(from, set);
  };
  for (const { i, j } of candidates) {
    add(rootOf(i), rootOf(j));
    add(rootOf(j), rootOf(i));
  }
  const unique = (position: number) => partners.get(rootOf(position))?.size === 1;
  return candidates.filter(({ i, j, match }) => {
    const explained = zoneExplains(match.a, match.b, match.reason.offsetSec);
    if (explained !== null) return explained;
    return unique(i) && unique(j);
  });
}

/** A workout: every record of it, on every platform (a platform may hold it twice). */
export interface Workout {
  readonly members: readonly Activity[];
  readonly matches: readonly Match[];
  readonly startUtc: number;
}

class UnionFind {
  private readonly parent: number[];
  constructor(size: number) {
    this.parent = Array.from({ length: size }, (_, index) => index);
  }
  find(index: number): number {
    let root = index;
    while (this.parent[root] !== root) root = this.parent[root]!;
    let current = index;
    while (this.parent[current] !== root) {
      const next = this.parent[current]!;
      this.parent[current] = root;
      current = next;
    }
    return root;
  }
  union(a: number, b: number): void {
    const rootA = this.find(a);
    const rootB = this.find(b);
    if (rootA !== rootB) this.parent[rootB] = rootA;
  }
}

/** Groups records into workouts: same-start matches first, then time-zone suspects among the rest. */
export function groupWorkouts(activities: readonly Activity[], options: MatchOptions): Workout[] {
  const unions = new UnionFind(activities.length);
  const order = startOrder(activities);
  // Every match with the position of its first record, to file it under its workout afterwards.
  const matches: Match[] = [];
  const matchOwner: number[] = [];
  const hasCrossPartner = new Uint8Array(activities.length);
  sweepSameStart(activities, order, options, (i, j, match) => {
    matches.push(match);
    matchOwner.push(i);
    unions.union(i, j);
    if (match.a.platform !== match.b.platform) hasCrossPartner[i] = hasCrossPartner[j] = 1;
  });
  const lonely: number[] = [];
  for (let position = 0; position < activities.length; position++)
    if (hasCrossPartner[position] === 0) lonely.push(position);
  // Which platforms each workout already has, as a bit mask per root (cheap for 300,000 records).
  const platformMask = new Uint8Array(activities.length);
  activities.forEach((activity, position) => {
    platformMask[unions.find(position)]! |= 1 << PLATFORM_INDEX[activity.platform];
  });
  const tryJoin = (i: number, j: number): boolean => {
    const rootA = unions.find(i);
    const rootB = unions.find(j);
    // Joining must not put two records of one platform into one workout.
    if (rootA === rootB || (platformMask[rootA]! & platformMask[rootB]!) !== 0) return false;
    const merged = platformMask[rootA]! | platformMask[rootB]!;
    unions.union(rootA, rootB);
    platformMask[unions.find(rootA)] = merged;
    return true;
  };
  const candidates = timezoneCandidates(lonely, activities, order, options);
  const accepted = acceptedCandidates(candidates, (position) => unions.find(position));
  for (const { i, j, match } of accepted) {
    if (!tryJoin(i, j)) continue;
    matches.push(match);
    matchOwner.push(i);
  }

  const groupOfRoot = new Int32Array(activities.length).fill(-1);
  const groups: Array<{ members: Activity[]; matches: Match[]; startUtc: number }> = [];
  activities.forEach((activity, position) => {
    const root = unions.find(position);
    let group = groupOfRoot[root]!;
    if (group === -1) {
      group = groups.length;
      groupOfRoot[root] = group;
      groups.push({ members: [], matches: [], startUtc: Number.POSITIVE_INFINITY });
    }
    const entry = groups[group]!;
    entry.members.push(activity);
    if (activity.startUtc < entry.startUtc) entry.startUtc = activity.startUtc;
  });
  matches.forEach((match, index) => groups[groupOfRoot[unions.find(matchOwner[index]!)]!]!.matches.push(match));
  return groups.sort((x, y) => y.startUtc - x.startUtc);
}

export function describeMatch(reason: MatchReason): string {
  const parts = [`Δt ${reason.deltaSec >= 0 ? '+' : ''}${reason.deltaSec}s`];
  if (reason.kind === 'timezone-suspect')
    parts.unshift(`time-zone suspect (${reason.offsetSec >= 0 ? '+' : '−'}${Math.abs(reason.offsetSec) / 3600} h)`);
  if (reason.deltaDuration !== null) parts.push(`Δduration ${(reason.deltaDuration * 100).toFixed(1)}%`);
  if (reason.deltaDistance !== null) parts.push(`Δdistance ${(reason.deltaDistance * 100).toFixed(1)}%`);
  return parts.join(', ');
}
