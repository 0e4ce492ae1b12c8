import { describe, expect, it } from 'vitest';
import type { Activity } from '../../src/core/activity.ts';
import { groupWorkouts, zoneExplains } from '../../src/decide/match.ts';
import { activity } from '../support/activities.ts';

const options = { toleranceSec: 60 };
const withZone = (record: Activity, zone: { corosQuarterHours?: number; garminOffsetSec?: number }): Activity => ({
  ...record,
  extra: {
    ...(zone.corosQuarterHours === undefined ? {} : { startTimezone: zone.corosQuarterHours }),
    ...(zone.garminOffsetSec === undefined ? {} : { utcOffsetSec: zone.garminOffsetSec }),
  },
});
const joined = (records: Activity[]) => groupWorkouts(records, options).some((workout) => workout.members.length > 1);

describe('time-zone suspects need zone data that explain the shift', () => {
  it('the two-watch commute: 08:00 on Garmin and 17:00 on COROS (both UTC+8) stay two workouts', () => {
    const morning = withZone(
      activity('garmin_com', '2026-03-02T00:00:00Z', { elapsed: 1800, distance: 7000, sport: 'road_ride' }),
      { garminOffsetSec: 8 * 3600 },
    );
    const evening = withZone(
      activity('coros', '2026-03-02T09:00:00Z', { elapsed: 1800, distance: 7000, sport: 'road_ride' }),
      { corosQuarterHours: 32 },
    );
    expect(joined([morning, evening])).toBe(false);
  });

  it('a copy stored 8 h off, with the watch zone UTC+8, is one workout', () => {
    const garmin = withZone(activity('garmin_cn', '2026-03-02T00:00:00Z', { elapsed: 2950, distance: 8000 }), {
      garminOffsetSec: 8 * 3600,
    });
    const coros = withZone(activity('coros', '2026-03-02T08:00:00Z', { elapsed: 2950, distance: 8000 }), {
      corosQuarterHours: 32,
    });
    expect(joined([garmin, coros])).toBe(true);
  });

  it('zone data on one side that do not explain the shift keep them apart', () => {
    const garmin = withZone(activity('garmin_com', '2026-03-02T00:00:00Z', { elapsed: 2950, distance: 8000 }), {
      garminOffsetSec: 2 * 3600,
    });
    const coros = activity('coros', '2026-03-02T08:00:00Z', { elapsed: 2950, distance: 8000 });
    expect(joined([garmin, coros])).toBe(false);
  });

  it('without zone data, only a unique candidate matches', () => {
    const garmin = activity('garmin_com', '2026-03-02T00:00:00Z', { elapsed: 2950, distance: 8000 });
    const coros = activity('coros', '2026-03-02T08:00:00Z', { elapsed: 2950, distance: 8000 });
    expect(joined([garmin, coros])).toBe(true);
    // A second look-alike the same day: either could be the one, so neither matches.
    const other = activity('coros', '2026-03-02T05:00:00Z', { elapsed: 2950, distance: 8000 });
    expect(joined([garmin, coros, other])).toBe(false);
  });

  const table: Array<[string, number | null, number | null, number, boolean | null]> = [
    ['COROS zone explains +8 h', null, 32, 8 * 3600, true],
    ['Garmin zone explains −5:30', -5.5 * 3600, null, -5.5 * 3600, true],
    ['zones say +8, shift is 9 h', 8 * 3600, 32, 9 * 3600, false],
    ['UTC zone explains nothing', 0, null, 3600, false],
    ['no zone data', null, null, 3600, null],
  ];
  it.each(table)('%s', (_name, garminOffsetSec, corosQuarterHours, shift, expected) => {
    const a = withZone(
      activity('garmin_com', '2026-03-02T00:00:00Z'),
      garminOffsetSec === null ? {} : { garminOffsetSec },
    );
    const b = withZone(
      activity('coros', '2026-03-02T00:00:00Z'),
      corosQuarterHours === null ? {} : { corosQuarterHours },
    );
    expect(zoneExplains(a, b, shift)).toBe(expected);
  });
});
