import type { Activity } from '../core/activity.ts';
import type { ListingState } from '../core/listing-state.ts';

function oldestStart(activities: readonly Activity[]): number {
  let oldest = Number.POSITIVE_INFINITY;
  for (const activity of activities) if (activity.startUtc < oldest) oldest = activity.startUtc;
  return oldest;
}

export interface ListingDecision {
  readonly fullScan: boolean;
}

/**
 * A full scan on request, on the first run, and when the last one is `fullScanDays` old; otherwise
 * incremental. Counted in days, not runs: a run that changed nothing may leave no trace.
 */
export function decideListing(
  state: ListingState,
  options: { fullScan: boolean; fullScanDays: number; today: number },
): ListingDecision {
  const due =
    options.fullScanDays > 0 &&
    (state.lastFullScanDay === null || options.today - state.lastFullScanDay >= options.fullScanDays);
  return { fullScan: options.fullScan || state.coveredFromUtc === null || due };
}

/** Days since 1970-01-01 (UTC). */
export function dayNumber(epochMs: number): number {
  return Math.floor(epochMs / 86_400_000);
}

export type ListingStop = 'end' | 'limit' | 'known';

export interface ListingResult {
  readonly activities: readonly Activity[];
  readonly stop: ListingStop;
}

/**
 * Consumes pages newest first until the platform runs out, `newestNum` records are seen, or (when
 * incremental) a whole page holds only records the store already knows.
 */
export async function collectListing(
  pages: AsyncIterable<readonly Activity[]>,
  options: {
    newestNum: number;
    fullScan: boolean;
    /** Whether a record is in the store already (a set, or a look-up by key). */
    known: { has(remoteId: string): boolean };
    /** Read past `newestNum` until records start before this (an interrupted upload's workout). */
    reachBackToUtc?: number | undefined;
  },
): Promise<ListingResult> {
  const reach = options.reachBackToUtc ?? Number.POSITIVE_INFINITY;
  const seen = new Set<string>();
  const activities: Activity[] = [];
  for await (const page of pages) {
    for (const activity of page) {
      // Offsets shift when activities are added during a scan: dedupe by id.
      if (seen.has(activity.remoteId)) continue;
      seen.add(activity.remoteId);
      activities.push(activity);
      if (activities.length >= options.newestNum && activity.startUtc < reach) return { activities, stop: 'limit' };
    }
    if (!options.fullScan && page.length > 0 && page.every((activity) => options.known.has(activity.remoteId)))
      return { activities, stop: 'known' };
  }
  return { activities, stop: 'end' };
}

/** How far back the platform's listing now reaches without gaps, after this run's listing. */
export function nextListingState(
  previous: ListingState,
  result: ListingResult,
  runId: number,
  fullScan: boolean,
  today: number,
): ListingState {
  const oldest = result.activities.length ? oldestStart(result.activities) : null;
  const scan = fullScan
    ? { lastFullScanRun: runId, lastFullScanDay: today }
    : { lastFullScanRun: previous.lastFullScanRun, lastFullScanDay: previous.lastFullScanDay };
  if (result.stop === 'end') return { platform: previous.platform, coveredFromUtc: oldest, complete: true, ...scan };
  if (result.stop === 'known') {
    const from =
      previous.coveredFromUtc === null
        ? oldest
        : oldest === null
          ? previous.coveredFromUtc
          : Math.min(previous.coveredFromUtc, oldest);
    return { platform: previous.platform, coveredFromUtc: from, complete: previous.complete, ...scan };
  }
  return { platform: previous.platform, coveredFromUtc: oldest, complete: false, ...scan };
}

/**
 * From which start time on a record missing in this listing is really gone. Listings are sorted by
 * local start time, so near the oldest listed record the order is fuzzy by up to a day.
 */
export function goneFromUtc(result: ListingResult): number | null {
  if (result.stop === 'end') return Number.MIN_SAFE_INTEGER;
  if (result.activities.length === 0) return null;
  return oldestStart(result.activities) + 86_400;
}
