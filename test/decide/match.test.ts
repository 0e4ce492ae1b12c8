import { describe, expect, it } from 'vitest';
import { findSameStartMatches, groupWorkouts } from '../../src/decide/match.ts';
import { activity } from '../support/activities.ts';

const options = { toleranceSec: 60 };

describe('matching across platforms', () => {
  const cases: Array<{
    name: string;
    a: Parameters<typeof activity>;
    b: Parameters<typeof activity>;
    same: boolean;
    kind?: string;
  }> = [
    {
      name: 'identical start, same sport',
      a: ['garmin_com', '2026-03-01T06:00:00Z'],
      b: ['coros', '2026-03-01T06:00:00Z'],
      same: true,
      kind: 'same-start',
    },
    {
      name: 're-saved file 1 s apart',
      a: ['garmin_com', '2026-03-01T06:00:00Z'],
      b: ['garmin_cn', '2026-03-01T06:00:01Z', { distance: 10_020 }],
      same: true,
      kind: 'same-start',
    },
    {
      name: 'exactly at the tolerance',
      a: ['garmin_com', '2026-03-01T06:00:00Z'],
      b: ['coros', '2026-03-01T06:01:00Z'],
      same: true,
      kind: 'same-start',
    },
    {
      name: 'just over the tolerance',
      a: ['garmin_com', '2026-03-01T06:00:00Z'],
      b: ['coros', '2026-03-01T06:01:01Z'],
      same: false,
    },
    {
      name: 'run vs treadmill (compatible family)',
      a: ['garmin_com', '2026-03-01T06:00:00Z', { sport: 'run' }],
      b: ['coros', '2026-03-01T06:00:10Z', { sport: 'treadmill_run' }],
      same: true,
    },
    {
      name: 'ride vs gravel ride',
      a: ['garmin_com', '2026-03-01T06:00:00Z', { sport: 'road_ride' }],
      b: ['coros', '2026-03-01T06:00:00Z', { sport: 'gravel_ride' }],
      same: true,
    },
    {
      name: 'pool vs open water',
      a: ['garmin_com', '2026-03-01T06:00:00Z', { sport: 'pool_swim' }],
      b: ['coros', '2026-03-01T06:00:00Z', { sport: 'open_water_swim' }],
      same: true,
    },
    {
      name: 'strength vs yoga (training import)',
      a: ['garmin_com', '2026-03-01T06:00:00Z', { sport: 'yoga', distance: null }],
      b: ['coros', '2026-03-01T06:00:00Z', { sport: 'strength', distance: null }],
      same: true,
    },
    {
      name: 'incompatible sports starting together',
      a: ['garmin_com', '2026-03-01T06:00:00Z', { sport: 'run' }],
      b: ['coros', '2026-03-01T06:00:00Z', { sport: 'road_ride' }],
      same: false,
    },
    {
      name: 'swim vs run starting together',
      a: ['garmin_com', '2026-03-01T06:00:00Z', { sport: 'pool_swim' }],
      b: ['coros', '2026-03-01T06:00:05Z', { sport: 'run' }],
      same: false,
    },
    {
      name: 'durations disagree (>10 %)',
      a: ['garmin_com', '2026-03-01T06:00:00Z', { elapsed: 3600 }],
      b: ['coros', '2026-03-01T06:00:00Z', { elapsed: 3000 }],
      same: false,
    },
    {
      name: 'distances disagree (>5 %)',
      a: ['garmin_com', '2026-03-01T06:00:00Z', { distance: 10_000 }],
      b: ['coros', '2026-03-01T06:00:00Z', { distance: 9_000 }],
      same: false,
    },
    {
      name: 'distance missing on one side',
      a: ['garmin_com', '2026-03-01T06:00:00Z', { distance: null }],
      b: ['coros', '2026-03-01T06:00:00Z'],
      same: true,
    },
    {
      name: 'generic "other" matches anything',
      a: ['garmin_com', '2026-03-01T06:00:00Z', { sport: 'other' }],
      b: ['coros', '2026-03-01T06:00:00Z', { sport: 'road_ride' }],
      same: true,
    },
    // Time-zone traps: one platform stored local time as UTC.
    {
      name: 'UTC+8 stored as UTC (China)',
      a: ['garmin_cn', '2026-03-01T22:00:00Z'],
      b: ['coros', '2026-03-02T06:00:00Z'],
      same: true,
      kind: 'timezone-suspect',
    },
    {
      name: 'UTC−5 stored as UTC',
      a: ['garmin_com', '2026-03-01T12:00:00Z'],
      b: ['coros', '2026-03-01T07:00:20Z'],
      same: true,
      kind: 'timezone-suspect',
    },
    {
      name: 'half-hour zone (India, UTC+5:30)',
      a: ['garmin_com', '2026-03-01T01:00:00Z'],
      b: ['coros', '2026-03-01T06:30:00Z'],
      same: true,
      kind: 'timezone-suspect',
    },
    {
      name: 'DST: one hour off',
      a: ['garmin_com', '2026-03-29T06:00:00Z'],
      b: ['coros', '2026-03-29T07:00:00Z'],
      same: true,
      kind: 'timezone-suspect',
    },
    {
      name: 'hour off but duration differs 5 % (too loose for a suspect)',
      a: ['garmin_com', '2026-03-29T06:00:00Z', { elapsed: 3600 }],
      b: ['coros', '2026-03-29T07:00:00Z', { elapsed: 3420 }],
      same: false,
    },
    {
      name: 'hour off without elapsed time',
      a: ['garmin_com', '2026-03-29T06:00:00Z', { elapsed: null }],
      b: ['coros', '2026-03-29T07:00:00Z', { elapsed: null }],
      same: false,
    },
    {
      name: '20 minutes apart is not a time zone',
      a: ['garmin_com', '2026-03-29T06:00:00Z'],
      b: ['coros', '2026-03-29T06:20:00Z'],
      same: false,
    },
    {
      name: 'one day apart is not a time zone',
      a: ['garmin_com', '2026-03-29T06:00:00Z'],
      b: ['coros', '2026-03-30T06:00:00Z'],
      same: false,
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const a = activity(...testCase.a);
      const b = activity(...testCase.b);
      const workouts = groupWorkouts([a, b], options);
      expect(workouts.length).toBe(testCase.same ? 1 : 2);
      if (testCase.same) {
        expect(workouts[0]!.matches).toHaveLength(1);
        expect(workouts[0]!.matches[0]!.reason.kind).toBe(testCase.kind ?? 'same-start');
      }
    });
  }

  it('records why: Δt, Δdistance and Δduration', () => {
    const [match] = findSameStartMatches(
      [
        activity('garmin_com', '2026-03-01T06:00:00Z', { distance: 10_000, elapsed: 3600 }),
        activity('coros', '2026-03-01T06:00:30Z', { distance: 10_100, elapsed: 3612 }),
      ],
      options,
    );
    expect(match!.reason.deltaSec).toBe(30);
    expect(match!.reason.deltaDistance).toBeCloseTo(0.0099, 3);
    expect(match!.reason.deltaDuration).toBeCloseTo(0.0033, 3);
  });

  it('a daily treadmill run at the same hour never matches the next day by time zone', () => {
    const records = [
      activity('coros', '2026-03-01T07:00:00Z', { sport: 'treadmill_run', elapsed: 1800, distance: 5000 }),
      activity('coros', '2026-03-02T07:00:00Z', { sport: 'treadmill_run', elapsed: 1800, distance: 5000 }),
      activity('garmin_com', '2026-03-02T07:00:00Z', { sport: 'treadmill_run', elapsed: 1800, distance: 5000 }),
      activity('coros', '2026-03-01T15:00:00Z', { sport: 'treadmill_run', elapsed: 1800, distance: 5000 }),
    ];
    const workouts = groupWorkouts(records, options);
    // 03-02 pairs up; the 03-01 07:00 and 15:00 COROS runs stay alone (the only Garmin run already has a COROS partner).
    expect(workouts.map((workout) => workout.members.length).sort()).toEqual([1, 1, 2]);
  });

  it('a time-zone suspect joins a workout that lacks its platform (CN+COM pair, shifted COROS copy)', () => {
    const records = [
      activity('garmin_cn', '2026-03-01T00:20:00Z', { sport: 'open_water_swim', elapsed: 2950, distance: 2480 }),
      activity('garmin_com', '2026-03-01T00:20:00Z', { sport: 'open_water_swim', elapsed: 2950, distance: 2480 }),
      activity('coros', '2026-03-01T08:20:00Z', { sport: 'open_water_swim', elapsed: 2950, distance: 2480 }),
    ];
    expect(groupWorkouts(records, options)).toHaveLength(1);
  });

  it('groups three platforms and an in-platform duplicate into one workout', () => {
    const records = [
      activity('garmin_com', '2026-03-01T06:00:00Z'),
      activity('garmin_com', '2026-03-01T06:00:02Z'),
      activity('garmin_cn', '2026-03-01T06:00:00Z'),
      activity('coros', '2026-03-01T06:00:01Z'),
      activity('coros', '2026-03-05T06:00:00Z'),
    ];
    const workouts = groupWorkouts(records, options);
    expect(workouts.map((workout) => workout.members.length)).toEqual([1, 4]);
  });

  it('honours a wider SPORT_DIFF_SECOND', () => {
    const a = activity('garmin_com', '2026-03-01T06:00:00Z');
    const b = activity('coros', '2026-03-01T06:01:30Z');
    expect(groupWorkouts([a, b], { toleranceSec: 60 })).toHaveLength(2);
    expect(groupWorkouts([a, b], { toleranceSec: 120 })).toHaveLength(1);
  });
});
