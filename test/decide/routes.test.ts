import { describe, expect, it } from 'vitest';
import type { Activity, PlatformId } from '../../src/core/activity.ts';
import { groupWorkouts } from '../../src/decide/match.ts';
import { planTransfers, type PlatformView } from '../../src/decide/plan.ts';
import {
  effectiveRoutes,
  parseRoutes,
  parseSince,
  routeAllows,
  sinceAllows,
  type Route,
} from '../../src/decide/routes.ts';
import { activity } from '../support/activities.ts';

const NAMES: Record<string, PlatformId> = { GARMINCOM: 'garmin_com', GARMINCN: 'garmin_cn', COROS: 'coros' };
const r = (from: PlatformId, to: PlatformId): Route => ({ from, to });

describe('routeAllows / sinceAllows', () => {
  it.each([
    ['every direction', null, 'garmin_com', 'coros', true],
    ['every direction, never to itself', null, 'coros', 'coros', false],
    ['the listed direction', [r('garmin_com', 'coros')], 'garmin_com', 'coros', true],
    ['not the other way', [r('garmin_com', 'coros')], 'coros', 'garmin_com', false],
    ['not from another source', [r('garmin_com', 'coros')], 'garmin_cn', 'coros', false],
    ['a chain is two routes', [r('garmin_cn', 'garmin_com'), r('garmin_com', 'coros')], 'garmin_cn', 'coros', false],
  ] as const)('%s', (_name, routes, from, to, allowed) => {
    expect(routeAllows(routes, from, to)).toBe(allowed);
  });

  it.each([
    [null, 0, true],
    [1000, 999, false],
    [1000, 1000, true],
    [1000, 1001, true],
  ])('since %s, start %s → %s', (since, start, allowed) => {
    expect(sinceAllows(since, start)).toBe(allowed);
  });

  it('parses routes and dates, and names the bad part', () => {
    expect(parseRoutes('GARMINCOM>COROS, garmincn->GARMINCOM;GARMINCOM→COROS', NAMES)).toEqual({
      ok: true,
      routes: [r('garmin_com', 'coros'), r('garmin_cn', 'garmin_com')],
    });
    expect(parseRoutes('GARMINCOM=COROS', NAMES)).toEqual({ ok: false, part: 'GARMINCOM=COROS', problem: 'syntax' });
    expect(parseRoutes('STRAVA>COROS', NAMES)).toMatchObject({ ok: false, problem: 'platform' });
    expect(parseRoutes('COROS>COROS', NAMES)).toMatchObject({ ok: false, problem: 'same' });
    expect(parseSince('2026-01-01')).toBe(Date.UTC(2026, 0, 1) / 1000);
    expect(parseSince('2026-01-01T08:00:00+08:00')).toBe(Date.UTC(2026, 0, 1) / 1000);
    expect(parseSince('2026-02-30')).toBeUndefined();
    expect(parseSince('yesterday')).toBeUndefined();
    expect(effectiveRoutes(null, ['garmin_cn', 'coros'])).toEqual([r('garmin_cn', 'coros'), r('coros', 'garmin_cn')]);
  });
});

describe('the planner with SYNC_ROUTES and SYNC_SINCE', () => {
  const views = (ids: PlatformId[]): PlatformView[] =>
    ids.map((id) => ({ id, available: true, coveredFromUtc: 0, complete: true }));
  const SINCE = Date.UTC(2026, 2, 1) / 1000;
  /** Workouts before and after the start date, on each side. */
  const records: Activity[] = [
    activity('garmin_com', '2026-02-20T06:00:00Z', { id: 'com-old' }),
    activity('garmin_com', '2026-03-05T06:00:00Z', { id: 'com-new' }),
    activity('coros', '2026-03-06T06:00:00Z', { id: 'coros-new', sport: 'ride' }),
    activity('garmin_cn', '2026-03-07T06:00:00Z', { id: 'cn-new' }),
  ];
  const plan = (
    routes: Route[] | null,
    sinceUtc: number | null,
    platforms: PlatformId[] = ['garmin_com', 'garmin_cn', 'coros'],
  ) =>
    planTransfers(groupWorkouts(records, { toleranceSec: 60 }), {
      platforms: views(platforms),
      transfers: [],
      gone: new Set(),
      maxUploadAttempts: 3,
      routes,
      sinceUtc,
    })
      .filter((item) => item.kind === 'upload')
      .map((item) => `${item.source!.remoteId}>${item.target}`)
      .sort();

  it.each([
    [
      'every direction, no date',
      null,
      null,
      [
        'cn-new>coros',
        'cn-new>garmin_com',
        'com-new>coros',
        'com-new>garmin_cn',
        'com-old>coros',
        'com-old>garmin_cn',
        'coros-new>garmin_cn',
        'coros-new>garmin_com',
      ],
    ],
    [
      'GARMINCOM>COROS only: nothing the other way, nothing from CN',
      [r('garmin_com', 'coros')],
      null,
      ['com-new>coros', 'com-old>coros'],
    ],
    ['GARMINCOM>COROS with SYNC_SINCE: only what both allow', [r('garmin_com', 'coros')], SINCE, ['com-new>coros']],
    [
      'SYNC_SINCE alone',
      null,
      SINCE,
      [
        'cn-new>coros',
        'cn-new>garmin_com',
        'com-new>coros',
        'com-new>garmin_cn',
        'coros-new>garmin_cn',
        'coros-new>garmin_com',
      ],
    ],
    [
      'CN>COM and COM>COROS: no chain from CN to COROS in one run',
      [r('garmin_cn', 'garmin_com'), r('garmin_com', 'coros')],
      SINCE,
      ['cn-new>garmin_com', 'com-new>coros'],
    ],
  ] as const)('%s', (_name, routes, since, expected) => {
    expect(plan(routes as Route[] | null, since)).toEqual(expected);
  });

  it('a workout on both COM and CN goes to COROS from the routed platform only', () => {
    const both = [
      activity('garmin_cn', '2026-03-10T06:00:00Z', { id: 'cn-x' }),
      activity('garmin_com', '2026-03-10T06:00:02Z', { id: 'com-x' }),
    ];
    const items = planTransfers(groupWorkouts(both, { toleranceSec: 60 }), {
      platforms: views(['garmin_cn', 'garmin_com', 'coros']),
      transfers: [],
      gone: new Set(),
      maxUploadAttempts: 3,
      routes: [r('garmin_com', 'coros')],
    });
    expect(items.map((item) => `${item.kind}:${item.source?.remoteId}>${item.target}`)).toEqual(['upload:com-x>coros']);
  });
});
