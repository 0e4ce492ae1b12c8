import { describe, expect, it } from 'vitest';
import { activityKey, type Activity, type PlatformId } from '../../src/core/activity.ts';
import { chooseKept, findDuplicates } from '../../src/decide/duplicates.ts';
import { groupWorkouts } from '../../src/decide/match.ts';
import { planTransfers, type PlatformView } from '../../src/decide/plan.ts';
import type { TransferRow } from '../../src/store/store.ts';
import { activity } from '../support/activities.ts';

type Fields = Parameters<typeof activity>[2];

describe('keep policy for duplicates inside one platform', () => {
  /** Two records of one workout on one platform, `apartSec` apart (06:00:00 and later). */
  const twoRecords = (platform: PlatformId, first: Fields, second: Fields, apartSec = 1): Activity[] => [
    activity(platform, '2026-03-01T06:00:00Z', first),
    activity(platform, new Date(Date.parse('2026-03-01T06:00:00Z') + apartSec * 1000).toISOString(), second),
  ];
  const table: Array<{ name: string; records: Activity[]; ours?: string[]; kept: string; why: RegExp }> = [
    {
      name: 'the original device record wins over a third-party import',
      records: twoRecords('coros', { id: '5', vendor: 'other' }, { id: '9', vendor: 'coros' }, 3),
      kept: '9',
      why: /original device/,
    },
    {
      name: 'otherwise the earliest id (numeric, beyond 2^53)',
      records: twoRecords('coros', { id: '476543210987654330' }, { id: '476543210987654329' }),
      kept: '476543210987654329',
      why: /earliest id/,
    },
    {
      name: 'a record we did not upload wins over one our sync created',
      records: twoRecords('garmin_com', { id: '100' }, { id: '200' }),
      ours: ['garmin_com:100'],
      kept: '200',
      why: /sync upload/,
    },
    {
      name: 'a device record wins over a manual entry',
      records: twoRecords('garmin_com', { id: '100', manual: true }, { id: '200' }),
      kept: '200',
      why: /manual/,
    },
  ];
  for (const row of table) {
    it(row.name, () => {
      const { kept, why } = chooseKept(row.records, new Set(row.ours ?? []));
      expect(kept.remoteId).toBe(row.kept);
      expect(why).toMatch(row.why);
      const decisions = findDuplicates(groupWorkouts(row.records, { toleranceSec: 60 }), {
        uploadedByUs: new Set(row.ours ?? []),
      });
      expect(decisions).toHaveLength(1);
      expect(decisions[0]!.kept.remoteId).toBe(row.kept);
      expect(decisions[0]!.reason).toMatch(/Δt/);
    });
  }

  it('records of one workout on two platforms are not duplicates', () => {
    const records = [activity('coros', '2026-03-01T06:00:00Z'), activity('garmin_com', '2026-03-01T06:00:00Z')];
    expect(findDuplicates(groupWorkouts(records, { toleranceSec: 60 }))).toEqual([]);
  });

  it('records outside the tolerance are not duplicates', () => {
    const records = [activity('coros', '2026-03-01T06:00:00Z'), activity('coros', '2026-03-01T06:02:00Z')];
    expect(findDuplicates(groupWorkouts(records, { toleranceSec: 60 }))).toEqual([]);
  });

  it('gone records are not duplicates', () => {
    const records = [
      activity('coros', '2026-03-01T06:00:00Z', { id: '1' }),
      activity('coros', '2026-03-01T06:00:01Z', { id: '2' }),
    ];
    expect(findDuplicates(groupWorkouts(records, { toleranceSec: 60 }), { gone: new Set(['coros:2']) })).toEqual([]);
  });
});

const views = (ids: PlatformId[], overrides: Partial<Record<PlatformId, Partial<PlatformView>>> = {}): PlatformView[] =>
  ids.map((id) => ({ id, available: true, coveredFromUtc: 0, complete: true, ...overrides[id] }));

const row = (source: Activity, target: PlatformId, fields: Partial<TransferRow>): TransferRow => ({
  sourcePlatform: source.platform,
  sourceId: source.remoteId,
  targetPlatform: target,
  outcome: 'failed',
  attempts: 1,
  lastError: 'boom',
  targetId: null,
  ticket: null,
  fitSha256: null,
  updatedAt: '2026-01-01T00:00:00Z',
  ...fields,
});

describe('planner and ledger rules', () => {
  const plan = (
    records: Activity[],
    options: { platforms?: PlatformView[]; transfers?: TransferRow[]; gone?: string[]; max?: number } = {},
  ) =>
    planTransfers(groupWorkouts(records, { toleranceSec: 60 }), {
      platforms: options.platforms ?? views(['garmin_com', 'garmin_cn', 'coros']),
      transfers: options.transfers ?? [],
      gone: new Set(options.gone ?? []),
      maxUploadAttempts: options.max ?? 3,
    });

  it('plans one upload per missing platform, never to the source itself', () => {
    const run = activity('coros', '2026-03-01T06:00:00Z');
    const items = plan([run]);
    expect(items.map((item) => [item.kind, item.target])).toEqual([
      ['upload', 'garmin_com'],
      ['upload', 'garmin_cn'],
    ]);
    expect(items.every((item) => item.kind === 'upload' && item.source === run)).toBe(true);
  });

  it('prefers the platform where the workout was recorded as the source', () => {
    const onCom = activity('garmin_com', '2026-03-01T06:00:00Z', { vendor: 'coros' });
    const onCoros = activity('coros', '2026-03-01T06:00:00Z', { vendor: 'coros' });
    const items = plan([onCom, onCoros]);
    expect(items).toHaveLength(1);
    expect(items[0]!.kind === 'upload' && items[0]!.source.platform).toBe('coros');
  });

  it('does not upload a workout back to a platform where the user deleted it', () => {
    const onCoros = activity('coros', '2026-03-01T06:00:00Z');
    const deletedOnCom = activity('garmin_com', '2026-03-01T06:00:00Z');
    const items = plan([onCoros, deletedOnCom], { gone: [activityKey(deletedOnCom)] });
    expect(items.find((item) => item.target === 'garmin_com')).toMatchObject({
      kind: 'skip',
      reason: 'deleted-on-target',
    });
    expect(items.find((item) => item.target === 'garmin_cn')).toMatchObject({ kind: 'upload' });
  });

  it('does not upload again what was delivered before and is no longer listed', () => {
    const run = activity('coros', '2026-03-01T06:00:00Z');
    const items = plan([run], { transfers: [row(run, 'garmin_com', { outcome: 'created', targetId: '77' })] });
    expect(items.find((item) => item.target === 'garmin_com')).toMatchObject({
      kind: 'skip',
      reason: 'deleted-on-target',
    });
  });

  it('retries a failed upload up to the limit, then sets it aside', () => {
    const run = activity('coros', '2026-03-01T06:00:00Z');
    const second = plan([run], { transfers: [row(run, 'garmin_com', { attempts: 2 })] });
    expect(second.find((item) => item.target === 'garmin_com')).toMatchObject({ kind: 'upload', attempt: 3 });
    const third = plan([run], { transfers: [row(run, 'garmin_com', { attempts: 3 })] });
    expect(third.find((item) => item.target === 'garmin_com')).toMatchObject({
      kind: 'skip',
      reason: 'set-aside-failed',
    });
  });

  it('never retries a rejected file', () => {
    const run = activity('coros', '2026-03-01T06:00:00Z');
    const items = plan([run], { transfers: [row(run, 'garmin_com', { outcome: 'rejected', attempts: 1 })] });
    expect(items.find((item) => item.target === 'garmin_com')).toMatchObject({
      kind: 'skip',
      reason: 'set-aside-rejected',
    });
  });

  it('checks a pending upload instead of uploading again', () => {
    const run = activity('garmin_com', '2026-03-01T06:00:00Z');
    const items = plan([run], { transfers: [row(run, 'coros', { outcome: 'pending', ticket: 'job-1' })] });
    expect(items.find((item) => item.target === 'coros')).toMatchObject({ kind: 'check-pending', ticket: 'job-1' });
  });

  it('plans nothing for a workout older than the target listing covers', () => {
    const run = activity('coros', '2026-03-01T06:00:00Z');
    const platforms = views(['garmin_com', 'coros'], {
      garmin_com: { complete: false, coveredFromUtc: Date.parse('2026-03-02T00:00:00Z') / 1000 },
    });
    expect(plan([run], { platforms })).toEqual([]);
  });

  it('plans nothing to or from a platform that could not be reached', () => {
    const run = activity('coros', '2026-03-01T06:00:00Z');
    expect(plan([run], { platforms: views(['garmin_com', 'coros'], { garmin_com: { available: false } }) })).toEqual(
      [],
    );
    const items = plan([run], { platforms: views(['garmin_com', 'coros'], { coros: { available: false } }) });
    expect(items).toMatchObject([{ kind: 'skip', reason: 'source-unavailable' }]);
  });

  it('reports manual entries as having no original', () => {
    const manual = activity('garmin_com', '2026-03-01T06:00:00Z', { manual: true });
    expect(plan([manual], { platforms: views(['garmin_com', 'coros']) })).toMatchObject([
      { kind: 'skip', reason: 'no-original' },
    ]);
  });
});
