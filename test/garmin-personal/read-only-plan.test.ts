import { describe, expect, it } from 'vitest';
import { groupWorkouts } from '../../src/decide/match.ts';
import { planTransfers, type PlatformView } from '../../src/decide/plan.ts';
import { activity } from '../support/activities.ts';

const view = (id: PlatformView['id'], extra: Partial<PlatformView> = {}): PlatformView => ({
  id,
  available: true,
  coveredFromUtc: 0,
  complete: true,
  ...extra,
});
const reason = 'the Personal API is read-only; add GARMIN_TOKEN_COM to copy workouts there';

describe('planning onto a read-only platform', () => {
  const workouts = groupWorkouts(
    [
      activity('coros', '2026-11-01T06:00:00Z', { id: 'c1' }),
      activity('garmin_com', '2026-11-02T06:00:00Z', { id: 'g1' }),
    ],
    { toleranceSec: 60 },
  );
  const table: Array<{ name: string; platforms: PlatformView[]; expected: Array<[string, string, string]> }> = [
    {
      name: 'read-only garmin.com: skip with the reason, still a source for COROS',
      platforms: [view('garmin_com', { canUpload: false, readOnlyReason: reason }), view('coros')],
      expected: [
        ['skip', 'garmin_com', reason],
        ['upload', 'coros', 'g1'],
      ],
    },
    {
      name: 'writable garmin.com (capabilities absent): both directions upload',
      platforms: [view('garmin_com'), view('coros')],
      expected: [
        ['upload', 'garmin_com', 'c1'],
        ['upload', 'coros', 'g1'],
      ],
    },
  ];
  it.each(table)('$name', ({ platforms, expected }) => {
    const plan = planTransfers(workouts, { platforms, transfers: [], gone: new Set(), maxUploadAttempts: 3 });
    const shape = plan.map((item) => [
      item.kind,
      item.target,
      item.kind === 'skip' ? item.detail : item.source.remoteId,
    ]);
    expect(shape.sort()).toEqual([...expected].sort());
    for (const item of plan) if (item.kind === 'skip') expect(item.reason).toBe('read-only-target');
  });
});
