import type { Activity, DeviceVendor, PlatformId } from '../../src/core/activity.ts';
import { sportById } from '../../src/core/sports.ts';

let counter = 1000;

/** A plain activity record for table tests. */
export function activity(
  platform: PlatformId,
  startIso: string,
  fields: {
    sport?: string;
    elapsed?: number | null;
    distance?: number | null;
    id?: string;
    vendor?: DeviceVendor;
    manual?: boolean;
  } = {},
): Activity {
  const sport = sportById(fields.sport ?? 'run');
  return {
    platform,
    remoteId: fields.id ?? String(counter++),
    startUtc: Math.round(Date.parse(startIso) / 1000),
    elapsedSec: fields.elapsed === undefined ? 3600 : fields.elapsed,
    distanceM: fields.distance === undefined ? 10_000 : fields.distance,
    sport: {
      id: sport.id,
      family: sport.family,
      code: platform === 'coros' ? String(sport.corosSportType) : sport.garminTypeKey,
    },
    name: null,
    device: null,
    vendor: fields.vendor ?? (platform === 'coros' ? 'coros' : 'garmin'),
    manual: fields.manual ?? false,
  };
}
