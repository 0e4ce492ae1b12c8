import { activityKey, type Activity, type PlatformId } from '../core/activity.ts';
import type { TransferRow } from '../store/store.ts';
import type { Workout } from './match.ts';
import { routeAllows, sinceAllows, type Route } from './routes.ts';

export interface PlatformView {
  readonly id: PlatformId;
  /** Listing worked this run: it can be a source and a target. */
  readonly available: boolean;
  /** Oldest start time this platform's listing covers (null: nothing); uploads older than that are not planned. */
  readonly coveredFromUtc: number | null;
  readonly complete: boolean;
}

export type PlanItem =
  | { readonly kind: 'upload'; readonly workout: Workout; readonly source: Activity; readonly target: PlatformId; readonly attempt: number }
  | { readonly kind: 'check-pending'; readonly workout: Workout; readonly source: Activity; readonly target: PlatformId; readonly ticket: string }
  | { readonly kind: 'skip'; readonly workout: Workout; readonly source: Activity | null; readonly target: PlatformId; readonly reason: SkipReason; readonly detail: string };

export type SkipReason = 'deleted-on-target' | 'set-aside-failed' | 'set-aside-rejected' | 'no-original' | 'source-unavailable';

export interface PlanOptions {
  readonly platforms: readonly PlatformView[];
  readonly transfers: readonly TransferRow[];
  /** Keys (platform:id) of records that were on a platform and are gone now (the user deleted them). */
  readonly gone: ReadonlySet<string>;
  readonly maxUploadAttempts: number;
  /** Keys of records known to have no original file. */
  readonly noOriginal?: ReadonlySet<string>;
  /** SYNC_ROUTES: the directions copies are made in; null or absent = every direction. */
  readonly routes?: readonly Route[] | null;
  /** SYNC_SINCE (epoch seconds): only workouts starting at or after it are copied. */
  readonly sinceUtc?: number | null;
}

const VENDOR_HOME: Readonly<Record<string, readonly PlatformId[]>> = {
  coros: ['coros'],
  garmin: ['garmin_com', 'garmin_cn'],
};

/** The best record to copy from: the platform where it was recorded, then the configured order. */
export function chooseSource(members: readonly Activity[], platforms: readonly PlatformView[], target: PlatformId, excluded: ReadonlySet<string>): Activity | null {
  const order = platforms.map((platform) => platform.id);
  const usable = members.filter((member) => member.platform !== target && !member.manual && !excluded.has(activityKey(member)) && platforms.find((p) => p.id === member.platform)?.available);
  if (usable.length === 0) return null;
  const rank = (member: Activity) => {
    const home = VENDOR_HOME[member.vendor] ?? [];
    const homeRank = home.includes(member.platform) ? 0 : 1;
    return homeRank * 10 + order.indexOf(member.platform);
  };
  return [...usable].sort((a, b) => rank(a) - rank(b))[0]!;
}

/** Plans, for every workout missing from a configured platform, one upload from the best source. */
export function planTransfers(workouts: readonly Workout[], options: PlanOptions): PlanItem[] {
  // Ledger rows by source record, so each workout member is looked up once.
  const ledger = new Map<string, TransferRow[]>();
  for (const row of options.transfers) {
    const key = `${row.sourcePlatform}:${row.sourceId}`;
    const rows = ledger.get(key);
    if (rows) rows.push(row);
    else ledger.set(key, [row]);
  }
  const noOriginal = options.noOriginal ?? new Set<string>();
  const items: PlanItem[] = [];

  for (const workout of workouts) {
    const memberRows = ledger.size === 0 ? [] : workout.members.flatMap((member) => ledger.get(activityKey(member)) ?? []);
    const present = options.gone.size === 0 ? workout.members : workout.members.filter((member) => !options.gone.has(activityKey(member)));
    if (present.length === 0 || !sinceAllows(options.sinceUtc ?? null, workout.startUtc)) continue;
    const presentOn = new Set(present.map((member) => member.platform));
    const goneOn = new Set(workout.members.filter((member) => options.gone.has(activityKey(member))).map((member) => member.platform));

    for (const target of options.platforms) {
      if (presentOn.has(target.id) || !target.available) continue;
      // Only members on a platform with a route to this target can be its source.
      const routed = present.filter((member) => routeAllows(options.routes ?? null, member.platform, target.id));
      if (routed.length === 0) continue;
      // Outside what the target's listing covers: we cannot know it is missing there.
      if (!target.complete && (target.coveredFromUtc === null || workout.startUtc < target.coveredFromUtc)) continue;

      const rows = memberRows.filter((row) => row.targetPlatform === target.id);
      const delivered = rows.find((row) => row.outcome === 'created' || row.outcome === 'duplicate');
      if (goneOn.has(target.id) || delivered) {
        items.push({
          kind: 'skip',
          workout,
          source: null,
          target: target.id,
          reason: 'deleted-on-target',
          detail: goneOn.has(target.id) ? 'the workout was on this platform before and was deleted there; not uploading it again' : 'uploaded before and no longer listed there (deleted by the user?); not uploading it again',
        });
        continue;
      }
      const pending = rows.find((row) => row.outcome === 'pending' && row.ticket);
      if (pending) {
        const source = present.find((member) => member.platform === pending.sourcePlatform && member.remoteId === pending.sourceId) ?? present[0]!;
        items.push({ kind: 'check-pending', workout, source, target: target.id, ticket: pending.ticket! });
        continue;
      }
      const rejected = rows.find((row) => row.outcome === 'rejected');
      if (rejected) {
        items.push({ kind: 'skip', workout, source: null, target: target.id, reason: 'set-aside-rejected', detail: rejected.lastError ?? 'rejected by the platform' });
        continue;
      }
      const attempts = rows.reduce((sum, row) => sum + row.attempts, 0);
      if (attempts >= options.maxUploadAttempts) {
        const last = [...rows].sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1))[0];
        items.push({ kind: 'skip', workout, source: null, target: target.id, reason: 'set-aside-failed', detail: `failed ${attempts} times; last error: ${last?.lastError ?? 'unknown'}` });
        continue;
      }
      const source = chooseSource(routed, options.platforms, target.id, noOriginal);
      if (!source) {
        const onlyManual = routed.every((member) => member.manual || noOriginal.has(activityKey(member)));
        items.push({
          kind: 'skip',
          workout,
          source: null,
          target: target.id,
          reason: onlyManual ? 'no-original' : 'source-unavailable',
          detail: onlyManual ? 'no original FIT file exists (manual entry or GPX/TCX import)' : 'no platform holding it could be reached this run',
        });
        continue;
      }
      items.push({ kind: 'upload', workout, source, target: target.id, attempt: attempts + 1 });
    }
  }
  return items;
}
