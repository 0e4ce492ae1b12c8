// Micro benchmark (one row of `npm run bench`): matching + planning over 100,000 activities on
// each of three platforms, in memory. Target on the project's 2-core machines: under 2 s.
import type { Activity, PlatformId } from '../src/core/activity.ts';
import { allSports } from '../src/core/sports.ts';
import { findDuplicates } from '../src/decide/duplicates.ts';
import { groupWorkouts } from '../src/decide/match.ts';
import { planTransfers } from '../src/decide/plan.ts';

const PER_PLATFORM = Number(process.env.BENCH_ACTIVITIES ?? 100_000);
const TARGET_MS = 2000;
const platforms: PlatformId[] = ['garmin_com', 'garmin_cn', 'coros'];
const sports = allSports().filter((sport) => ['run', 'ride', 'swim', 'strength', 'walk'].includes(sport.family));

// Deterministic pseudo-random numbers, so every run measures the same data.
let seed = 42;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;

function makeData(): Activity[] {
  const activities: Activity[] = [];
  let start = Date.UTC(2010, 0, 1) / 1000;
  const ids: Record<PlatformId, bigint> = {
    garmin_com: 21_000_000_000n,
    garmin_cn: 300_000_000_000n,
    coros: 476_000_000_000_000_000n,
  };
  const perPlatform: Record<PlatformId, number> = { garmin_com: 0, garmin_cn: 0, coros: 0 };
  while (platforms.some((platform) => perPlatform[platform] < PER_PLATFORM)) {
    start += 3600 + Math.floor(random() * 86_400);
    const sport = sports[Math.floor(random() * sports.length)]!;
    const elapsed = 1200 + Math.floor(random() * 7200);
    const distance = sport.family === 'strength' ? null : Math.floor(random() * 40_000);
    for (const platform of platforms) {
      // Most workouts are everywhere, some on one or two platforms; a few are shifted by a time zone.
      if (perPlatform[platform] >= PER_PLATFORM || random() < 0.15) continue;
      perPlatform[platform]++;
      const shift = random() < 0.01 && platform === 'coros' ? 8 * 3600 : Math.floor(random() * 3);
      activities.push({
        platform,
        remoteId: String(ids[platform]++),
        startUtc: start + shift,
        elapsedSec: elapsed,
        distanceM: distance,
        sport: { id: sport.id, family: sport.family, code: sport.garminTypeKey },
        name: null,
        device: null,
        vendor: platform === 'coros' ? 'coros' : 'garmin',
        manual: false,
      });
    }
  }
  return activities;
}

export interface MatchPlanResult {
  readonly activities: number;
  readonly matchMs: number;
  readonly planMs: number;
  readonly totalMs: number;
  readonly targetMs: number;
}

export function benchMatchPlan(): MatchPlanResult {
  const data = makeData();
  const started = performance.now();
  const workouts = groupWorkouts(data, { toleranceSec: 60 });
  const matched = performance.now();
  findDuplicates(workouts);
  planTransfers(workouts, {
    platforms: platforms.map((id) => ({ id, available: true, coveredFromUtc: 0, complete: true })),
    transfers: [],
    gone: new Set(),
    maxUploadAttempts: 3,
  });
  const finished = performance.now();
  return {
    activities: data.length,
    matchMs: matched - started,
    planMs: finished - matched,
    totalMs: finished - started,
    targetMs: TARGET_MS,
  };
}
