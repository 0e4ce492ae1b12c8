import type { Activity, PlatformId } from '../core/activity.ts';

/** Canonical decimal ids: digits, no sign, no leading zero, within the platform's id length. */
const ID_DIGITS: Readonly<Record<PlatformId, { readonly min: number; readonly max: number }>> = {
  // Garmin ids are 64-bit integers (11–12 digits today).
  garmin_com: { min: 1, max: 19 },
  garmin_cn: { min: 1, max: 19 },
  // COROS labelIds are 18-digit numbers (coros.md §5), beyond 2^53.
  coros: { min: 15, max: 20 },
};
const INT64_MAX = 9_223_372_036_854_775_807n;
const EARLIEST_START_UTC = Date.UTC(2000, 0, 1) / 1000;
const ONE_DAY = 86_400;

/** Why a listing entry cannot be trusted, or null when it can. */
export function listingEntryProblem(activity: Activity, nowSec: number): string | null {
  const digits = ID_DIGITS[activity.platform];
  const id = activity.remoteId;
  if (typeof id !== 'string' || !/^[1-9][0-9]*$/.test(id))
    return `id ${JSON.stringify(String(id)).slice(0, 40)} is not a canonical decimal id`;
  if (id.length < digits.min || id.length > digits.max) return `id ${id.slice(0, 32)} has ${id.length} digits`;
  if (activity.platform !== 'coros' && BigInt(id) > INT64_MAX) return `id ${id} is out of range`;
  const start = activity.startUtc;
  if (!Number.isSafeInteger(start)) return `id ${id}: start time ${String(start)} is not a time`;
  if (start < EARLIEST_START_UTC || start > nowSec + ONE_DAY)
    return `id ${id}: start ${new Date(start * 1000).toISOString()} is outside 2000 … tomorrow`;
  for (const [name, value] of [
    ['duration', activity.elapsedSec],
    ['distance', activity.distanceM],
  ] as const) {
    if (value !== null && (!Number.isFinite(value) || value < 0))
      return `id ${id}: ${name} ${String(value)} is negative or not a number`;
  }
  return null;
}

export interface ValidatedListing {
  readonly valid: readonly Activity[];
  /** One line per skipped entry, for a single warning. */
  readonly problems: readonly string[];
}

/** Splits a listing into entries to use and entries to skip (never matched, kept or deleted). */
export function validateListing(activities: readonly Activity[], nowSec: number): ValidatedListing {
  const valid: Activity[] = [];
  const problems: string[] = [];
  for (const activity of activities) {
    const problem = listingEntryProblem(activity, nowSec);
    if (problem === null) valid.push(activity);
    else problems.push(problem);
  }
  return { valid, problems };
}
