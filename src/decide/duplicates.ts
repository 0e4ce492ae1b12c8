import { activityKey, type Activity, type PlatformId } from '../core/activity.ts';
import { describeMatch, type Workout } from './match.ts';

export interface DuplicateDecision {
  readonly platform: PlatformId;
  readonly kept: Activity;
  readonly duplicate: Activity;
  /** Why this one is kept and that one is the duplicate. */
  readonly reason: string;
}

const NATIVE_VENDOR: Readonly<Record<PlatformId, Activity['vendor']>> = {
  garmin_com: 'garmin',
  garmin_cn: 'garmin',
  coros: 'coros',
};

function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Keep policy for records of one workout on one platform: the record from the original device
 * (the platform's own watch), then one we did not upload ourselves, then a non-manual one, then
 * the earliest id (the first upload).
 */
export function chooseKept(
  records: readonly Activity[],
  uploadedByUs: ReadonlySet<string>,
): { kept: Activity; why: string } {
  const ranked = [...records].sort((a, b) => {
    const native = Number(b.vendor === NATIVE_VENDOR[b.platform]) - Number(a.vendor === NATIVE_VENDOR[a.platform]);
    if (native !== 0) return native;
    const ours = Number(uploadedByUs.has(activityKey(a))) - Number(uploadedByUs.has(activityKey(b)));
    if (ours !== 0) return ours;
    const manual = Number(a.manual) - Number(b.manual);
    if (manual !== 0) return manual;
    return compareIds(a.remoteId, b.remoteId);
  });
  const kept = ranked[0]!;
  const second = ranked[1];
  let why = 'earliest id';
  if (second) {
    if (kept.vendor === NATIVE_VENDOR[kept.platform] && second.vendor !== NATIVE_VENDOR[second.platform])
      why = 'recorded by the original device';
    else if (!uploadedByUs.has(activityKey(kept)) && uploadedByUs.has(activityKey(second)))
      why = 'not created by a sync upload';
    else if (!kept.manual && second.manual) why = 'not a manual entry';
  }
  return { kept, why };
}

/** Duplicates inside one platform: several present records of one workout on the same platform. */
export function findDuplicates(
  workouts: readonly Workout[],
  options: { uploadedByUs?: ReadonlySet<string>; gone?: ReadonlySet<string> } = {},
): DuplicateDecision[] {
  const uploadedByUs = options.uploadedByUs ?? new Set<string>();
  const gone = options.gone ?? new Set<string>();
  const decisions: DuplicateDecision[] = [];
  for (const workout of workouts) {
    // Only a workout with a same-platform match can hold a duplicate.
    if (!workout.matches.some((match) => match.a.platform === match.b.platform)) continue;
    const byPlatform = new Map<PlatformId, Activity[]>();
    for (const member of workout.members) {
      if (gone.has(activityKey(member))) continue;
      const list = byPlatform.get(member.platform) ?? [];
      list.push(member);
      byPlatform.set(member.platform, list);
    }
    for (const [platform, records] of byPlatform) {
      if (records.length < 2) continue;
      // Only records directly matched to each other count as duplicates (not via another platform).
      const { kept, why } = chooseKept(records, uploadedByUs);
      for (const record of records) {
        if (record === kept) continue;
        const direct = workout.matches.find(
          (match) =>
            match.a.platform === platform &&
            match.b.platform === platform &&
            ((match.a === kept && match.b === record) || (match.b === kept && match.a === record)),
        );
        if (!direct) continue;
        decisions.push({
          platform,
          kept,
          duplicate: record,
          reason: `${describeMatch(direct.reason)}; kept ${kept.remoteId}: ${why}`,
        });
      }
    }
  }
  return decisions;
}
