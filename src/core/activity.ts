import type { SportFamily } from './sports.ts';

export const PLATFORM_IDS = ['garmin_com', 'garmin_cn', 'coros'] as const;
export type PlatformId = (typeof PLATFORM_IDS)[number];

export const PLATFORM_LABELS: Readonly<Record<PlatformId, string>> = {
  garmin_com: 'Garmin COM',
  garmin_cn: 'Garmin CN',
  coros: 'COROS',
};

/** Which maker's device recorded a workout, when a listing tells us. */
export type DeviceVendor = 'garmin' | 'coros' | 'other' | 'unknown';

/** One workout record as one platform lists it. Plain data: stored, compared and reported as is. */
export interface Activity {
  readonly platform: PlatformId;
  /** The platform's id, always a string (COROS ids exceed 2^53). */
  readonly remoteId: string;
  /** Start time, UTC, in whole Unix seconds. */
  readonly startUtc: number;
  /** Elapsed seconds, when the platform tells. */
  readonly elapsedSec: number | null;
  /** Distance in metres, when meaningful. */
  readonly distanceM: number | null;
  readonly sport: ActivitySport;
  readonly name: string | null;
  /** Device name as the platform shows it, e.g. "COROS PACE 2" or "Forerunner 965". */
  readonly device: string | null;
  /** Maker of the recording device, which decides where the original lives. */
  readonly vendor: DeviceVendor;
  /** True when the platform says the record was typed in by hand (no original file). */
  readonly manual: boolean;
  /** Platform-specific data a later call needs (e.g. COROS sportType for download and delete). */
  readonly extra?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface ActivitySport {
  /** Our normalised sport id (see sports.ts). */
  readonly id: string;
  readonly family: SportFamily;
  /** The platform's own code: Garmin typeKey or COROS sportType, as a string. */
  readonly code: string;
}

export function activityKey(activity: Pick<Activity, 'platform' | 'remoteId'>): string {
  return `${activity.platform}:${activity.remoteId}`;
}

export function formatUtc(startUtc: number): string {
  return new Date(startUtc * 1000).toISOString().replace('.000Z', 'Z');
}
