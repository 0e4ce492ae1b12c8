import type { Activity, DeviceVendor } from '../../core/activity.ts';
import { sportFromGarminTypeKey } from '../../core/sports.ts';
import { garminPlatformId, type GarminRegion } from './garmin-hosts.ts';

/** One element of `search/activities` as far as we read it (reference §5.1). */
export interface GarminListItem {
  readonly activityId?: unknown;
  readonly activityName?: unknown;
  readonly startTimeGMT?: unknown;
  readonly startTimeLocal?: unknown;
  readonly beginTimestamp?: unknown;
  readonly activityType?: { readonly typeKey?: unknown } | null;
  readonly duration?: unknown;
  readonly elapsedDuration?: unknown;
  readonly distance?: unknown;
  readonly deviceId?: unknown;
  readonly manufacturer?: unknown;
  readonly manualActivity?: unknown;
}

/** "YYYY-MM-DD HH:MM:SS" (UTC, no zone) → Unix seconds. */
export function parseGarminGmt(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$/.exec(value.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  return Math.floor(Date.UTC(y, mo - 1, d, h, mi, s) / 1000);
}

export function formatGarminGmt(epochSec: number): string {
  return new Date(epochSec * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

function vendorOf(manufacturer: unknown): DeviceVendor {
  if (typeof manufacturer !== 'string' || manufacturer.trim() === '') return 'unknown';
  const upper = manufacturer.toUpperCase();
  if (upper === 'GARMIN') return 'garmin';
  if (upper === 'COROS') return 'coros';
  return 'other';
}

const finite = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** Maps a list element to the shared record, or undefined when it lacks an id or a start time. */
export function mapGarminActivity(item: GarminListItem, region: GarminRegion): Activity | undefined {
  const id = item.activityId;
  const remoteId =
    typeof id === 'number' && Number.isFinite(id)
      ? String(Math.trunc(id))
      : typeof id === 'string' && /^\d+$/.test(id)
        ? id
        : undefined;
  if (!remoteId) return undefined;
  const begin = finite(item.beginTimestamp);
  const startUtc = parseGarminGmt(item.startTimeGMT) ?? (begin === null ? undefined : Math.floor(begin / 1000));
  if (startUtc === undefined) return undefined;
  const typeKey = typeof item.activityType?.typeKey === 'string' ? item.activityType.typeKey : 'other';
  const sport = sportFromGarminTypeKey(typeKey);
  const elapsed = finite(item.elapsedDuration) ?? finite(item.duration);
  const distance = finite(item.distance);
  const manual = item.manualActivity === true;
  const manufacturer = typeof item.manufacturer === 'string' ? item.manufacturer : null;
  const deviceId = finite(item.deviceId);
  return {
    platform: garminPlatformId(region),
    remoteId,
    startUtc,
    elapsedSec: elapsed === null ? null : Math.round(elapsed),
    distanceM: distance !== null && distance > 0 ? distance : null,
    sport: { id: sport.id, family: sport.family, code: typeKey },
    name: typeof item.activityName === 'string' ? item.activityName : null,
    // The list names no device model; the maker (vendor) and the numeric id are all it gives.
    device: null,
    vendor: manual ? 'unknown' : vendorOf(manufacturer),
    manual,
    // The workout's own zone (local wall time minus GMT): what a COROS import's timezone needs.
    extra: { typeKey, deviceId, manufacturer, utcOffsetSec: localOffsetSec(item, startUtc) },
  };
}

/** startTimeLocal − startTimeGMT in seconds, rounded to the quarter hour; null when unknown. */
function localOffsetSec(item: GarminListItem, startUtc: number): number | null {
  const local = parseGarminGmt(item.startTimeLocal);
  if (local === undefined) return null;
  const offset = Math.round((local - startUtc) / 900) * 900;
  return Math.abs(offset) <= 14 * 3600 ? offset : null;
}
