import type { PlatformId } from '../src/core/activity.ts';
import { synthesiseFit, type SyntheticWorkout } from './fit-synth.ts';

/** One workout of the demo world and where it starts out. */
export interface DemoSeed {
  readonly label: string;
  readonly workout: SyntheticWorkout;
  /** Platforms that hold it before the first sync; more than one entry for a platform = a duplicate there. */
  readonly on: readonly PlatformId[];
  /** Platform-specific twists: a shifted start (time-zone bug), a re-saved copy, a manual entry. */
  readonly variants?: Partial<Record<PlatformId, { readonly shiftSec?: number; readonly manual?: boolean }>>;
}

const DAY = 86_400;
const garminWatch = {
  manufacturer: 'garmin',
  product: 4315,
  productName: 'Forerunner 965',
  serialNumber: 3_400_000_001,
} as const;
const garminEdge = {
  manufacturer: 'garmin',
  product: 3122,
  productName: 'Edge 830',
  serialNumber: 3_300_000_002,
} as const;
const corosWatch = { manufacturer: 'coros', product: 802, productName: 'COROS PACE 3' } as const;

/** Realistic mixed training weeks; times are UTC, the CN athlete lives in UTC+8. */
export function demoSeeds(base = Date.UTC(2026, 9, 5, 0, 0, 0) / 1000): DemoSeed[] {
  const at = (day: number, hourUtc: number, minute = 0, second = 0) =>
    base + day * DAY + hourUtc * 3600 + minute * 60 + second;
  const cn = 8 * 3600;
  return [
    {
      label: 'easy run recorded on COROS',
      on: ['coros'],
      workout: {
        ...corosWatch,
        startUtc: at(0, 22, 15, 4),
        elapsedSec: 3120,
        distanceM: 9_870,
        sport: 'running',
        utcOffsetSec: cn,
      },
    },
    {
      label: 'trail run recorded on a Garmin (garmin.com)',
      on: ['garmin_com'],
      workout: {
        ...garminWatch,
        startUtc: at(1, 6, 2, 41),
        elapsedSec: 5420,
        distanceM: 14_210,
        sport: 'running',
        subSport: 'trail',
      },
    },
    {
      label: 'road ride on Garmin COM and CN already',
      on: ['garmin_com', 'garmin_cn'],
      workout: {
        ...garminEdge,
        startUtc: at(2, 1, 30, 0),
        elapsedSec: 7260,
        distanceM: 61_480,
        sport: 'cycling',
        subSport: 'road',
      },
    },
    {
      label: 'pool swim on the CN account (UTC+8)',
      on: ['garmin_cn'],
      workout: {
        ...garminWatch,
        startUtc: at(3, 11, 5, 12),
        elapsedSec: 2710,
        distanceM: 2_000,
        sport: 'swimming',
        subSport: 'lapSwimming',
        utcOffsetSec: cn,
      },
    },
    {
      label: 'strength session on COROS and a re-saved copy on Garmin COM (1 s apart)',
      on: ['coros', 'garmin_com'],
      workout: {
        ...corosWatch,
        startUtc: at(4, 10, 0, 0),
        elapsedSec: 2400,
        distanceM: 0,
        sport: 'training',
        subSport: 'strengthTraining',
      },
      variants: { garmin_com: { shiftSec: 1 } },
    },
    {
      label: 'interval run uploaded twice to Garmin COM (an in-platform duplicate)',
      on: ['garmin_com', 'garmin_com'],
      workout: { ...garminWatch, startUtc: at(5, 23, 40, 10), elapsedSec: 3600, distanceM: 11_020, sport: 'running' },
    },
    {
      label: 'treadmill run on COROS',
      on: ['coros'],
      workout: {
        ...corosWatch,
        startUtc: at(6, 12, 0, 30),
        elapsedSec: 1800,
        distanceM: 5_010,
        sport: 'running',
        subSport: 'treadmill',
        utcOffsetSec: cn,
      },
    },
    {
      label: 'open-water swim on CN, and on COROS with its local time stored as UTC (+8 h bug)',
      on: ['garmin_cn', 'coros'],
      workout: {
        ...garminWatch,
        startUtc: at(7, 0, 20, 0),
        elapsedSec: 2950,
        distanceM: 2_480,
        sport: 'swimming',
        subSport: 'openWater',
        utcOffsetSec: cn,
      },
      variants: { coros: { shiftSec: 8 * 3600 } },
    },
    {
      label: 'yoga typed in by hand on Garmin COM (no original file)',
      on: ['garmin_com'],
      workout: {
        ...garminWatch,
        startUtc: at(8, 7, 0, 0),
        elapsedSec: 3600,
        distanceM: 0,
        sport: 'training',
        subSport: 'yoga',
      },
      variants: { garmin_com: { manual: true } },
    },
    {
      label: 'gravel ride recorded on COROS, duplicated on COROS by a manual re-import',
      on: ['coros', 'coros'],
      workout: {
        ...corosWatch,
        startUtc: at(9, 2, 45, 0),
        elapsedSec: 9800,
        distanceM: 72_300,
        sport: 'cycling',
        subSport: 'gravelCycling',
      },
    },
    {
      label: 'indoor ride on Garmin CN',
      on: ['garmin_cn'],
      workout: {
        ...garminEdge,
        startUtc: at(10, 12, 30, 0),
        elapsedSec: 3600,
        distanceM: 30_500,
        sport: 'cycling',
        subSport: 'indoorCycling',
        utcOffsetSec: cn,
      },
    },
    {
      label: 'long run on all three already',
      on: ['garmin_com', 'garmin_cn', 'coros'],
      workout: {
        ...corosWatch,
        startUtc: at(11, 22, 0, 0),
        elapsedSec: 10_800,
        distanceM: 30_050,
        sport: 'running',
        utcOffsetSec: cn,
      },
    },
  ];
}

/** The FIT bytes a platform holds for a seed (shifted when the seed says so). */
export function seedFit(seed: DemoSeed, platform: PlatformId, copy: number): Uint8Array {
  const variant = seed.variants?.[platform];
  // A second copy on one platform is a separate upload of the same workout: a couple of seconds apart.
  return synthesiseFit({
    ...seed.workout,
    startUtc: seed.workout.startUtc + (variant?.shiftSec ?? 0) + copy * 2,
    heartRate: 130 + copy * 3,
  });
}
