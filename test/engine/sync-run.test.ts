import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLATFORM_IDS, type PlatformId } from '../../src/core/activity.ts';
import { silentLogger } from '../../src/core/log.ts';
import { runSync } from '../../src/engine/sync-run.ts';
import type { SyntheticWorkout } from '../../sandbox/fit-synth.ts';
import { hourRunFit } from '../support/fits.ts';
import { MemoryPlatform } from '../support/memory-platform.ts';
import { engineSettings } from '../support/engine-settings.ts';
import { tempFolders } from '../support/temp-folders.ts';

const newSyncFolder = tempFolders('ssx-sync-');

const DAY = 86_400;
const base = Date.UTC(2026, 5, 1) / 1000;

function world() {
  const platforms = new Map<PlatformId, MemoryPlatform>(
    PLATFORM_IDS.map((id) => [id, new MemoryPlatform({ id, pageSize: 3 })]),
  );
  return platforms;
}

const fit = (day: number, fields: Partial<SyntheticWorkout> = {}) => hourRunFit(base + day * DAY, fields);

function settings(dir: string, extra: Record<string, string> = {}) {
  return engineSettings(dir, 'GARMINCOM,GARMINCN,COROS', extra);
}

const sync = (platforms: Map<PlatformId, MemoryPlatform>, config: ReturnType<typeof settings>) =>
  runSync({ config, log: silentLogger, createPlatform: (id) => platforms.get(id)! });

const counts = (platforms: Map<PlatformId, MemoryPlatform>) =>
  Object.fromEntries([...platforms].map(([id, platform]) => [id, platform.all().length]));

describe('sync run over the Platform interface', () => {
  it('copies every workout everywhere once and converges', async () => {
    const dir = newSyncFolder();
    const platforms = world();
    for (let day = 0; day < 8; day++) platforms.get('garmin_com')!.seed(fit(day));
    for (let day = 10; day < 14; day++) platforms.get('coros')!.seed(fit(day, { manufacturer: 'coros', product: 802 }));
    platforms.get('garmin_cn')!.seed(fit(3));
    const first = await sync(platforms, settings(dir));
    expect(first.report.outcome).toBe('ok');
    expect(first.report.counts.uploaded).toBe(8 + 7 + 4 * 2);
    expect(counts(platforms)).toEqual({ garmin_com: 12, garmin_cn: 12, coros: 12 });
    expect(first.fitFiles.length).toBe(12);
    const second = await sync(platforms, settings(dir));
    expect(second.report.counts).toMatchObject({ uploaded: 0, deleted: 0, failed: 0 });
    expect(counts(platforms)).toEqual({ garmin_com: 12, garmin_cn: 12, coros: 12 });
  });

  it('uploads nothing already on its target after the database is deleted', async () => {
    const dir = newSyncFolder();
    const platforms = world();
    for (let day = 0; day < 5; day++) platforms.get('coros')!.seed(fit(day, { manufacturer: 'coros', product: 802 }));
    await sync(platforms, settings(dir));
    rmSync(join(dir, 'db'), { recursive: true });
    const uploadsBefore = [...platforms.values()].reduce((sum, platform) => sum + platform.calls.upload, 0);
    const again = await sync(platforms, settings(dir));
    expect(again.report.counts.uploaded).toBe(0);
    expect([...platforms.values()].reduce((sum, platform) => sum + platform.calls.upload, 0)).toBe(uploadsBefore);
  });

  it('respects a deletion made by the user on a target', async () => {
    const dir = newSyncFolder();
    const platforms = world();
    platforms.get('coros')!.seed(fit(1, { manufacturer: 'coros', product: 802 }));
    await sync(platforms, settings(dir));
    const com = platforms.get('garmin_com')!;
    await com.deleteActivity(com.all()[0]!);
    const again = await sync(platforms, settings(dir));
    expect(again.report.counts.uploaded).toBe(0);
    expect(com.all()).toHaveLength(0);
  });

  it('retries a failing upload on later runs up to the limit, then sets it aside', async () => {
    const dir = newSyncFolder();
    const platforms = world();
    platforms.get('coros')!.seed(fit(1, { manufacturer: 'coros', product: 802 }));
    const config = settings(dir, { SYNC_PLATFORM: 'COROS,GARMINCOM', MAX_UPLOAD_ATTEMPTS: '2' });
    const com = new MemoryPlatform({ id: 'garmin_com', failNext: 1000, failOperations: ['upload'] });
    platforms.set('garmin_com', com);
    const first = await sync(platforms, config);
    expect(first.report.counts.failed).toBe(1);
    expect(first.report.failures[0]!.nextStep).toMatch(/next scheduled run/);
    const second = await sync(platforms, config);
    expect(second.report.counts.failed).toBe(1);
    expect(second.report.failures[0]!.nextStep).toMatch(/Gave up after 2 attempts: set aside/);
    const third = await sync(platforms, config);
    expect(third.report.counts.failed).toBe(0);
    expect(com.calls.upload).toBe(2);
    // Set aside means not retried even once the target would accept it again.
    com.failNext = 0;
    const fourth = await sync(platforms, config);
    expect(fourth.report.counts.failed).toBe(0);
    expect(com.calls.upload).toBe(2);
    expect(com.all()).toHaveLength(0);
  });

  it('a dry run changes nothing on any platform', async () => {
    const dir = newSyncFolder();
    const platforms = world();
    platforms.get('coros')!.seed(fit(1, { manufacturer: 'coros', product: 802 }));
    platforms.get('garmin_com')!.seed(fit(2));
    platforms.get('garmin_com')!.seed(fit(2, { startUtc: base + 2 * DAY + 3, heartRate: 150 }));
    const result = await sync(platforms, settings(dir, { DRY_RUN: '1', DELETE_DUPLICATE: '1' }));
    expect(result.report.counts.planned).toBe(2 + 2);
    expect(result.report.duplicates.map((duplicate) => duplicate.action)).toEqual(['would-delete']);
    expect(counts(platforms)).toEqual({ garmin_com: 2, garmin_cn: 0, coros: 1 });
    expect(
      [...platforms.values()].every((platform) => platform.calls.upload === 0 && platform.calls.delete === 0),
    ).toBe(true);
  });

  it('deletes duplicates safely: seen twice, backup first, capped per run', async () => {
    const dir = newSyncFolder();
    const platforms = world();
    const com = platforms.get('garmin_com')!;
    for (let day = 0; day < 3; day++) {
      com.seed(fit(day));
      com.seed(fit(day, { startUtc: base + day * DAY + 5, heartRate: 150 }), { vendor: 'other' });
    }
    const config = settings(dir, { SYNC_PLATFORM: 'GARMINCOM,COROS', DELETE_DUPLICATE: '1', MAX_DELETES_PER_RUN: '2' });
    const first = await sync(platforms, config);
    // Found for the first time: nothing is deleted until a later run finds the same again.
    expect(first.report.duplicates.map((duplicate) => duplicate.action)).toEqual([
      'kept-safe',
      'kept-safe',
      'kept-safe',
    ]);
    expect(first.report.duplicates[0]!.message).toMatch(/first time/);
    expect(com.calls.delete).toBe(0);
    const result = await sync(platforms, config);
    expect(result.report.duplicates.map((duplicate) => duplicate.action).sort()).toEqual([
      'deleted',
      'deleted',
      'kept-safe',
    ]);
    expect(result.fitFiles.filter((file) => file.includes('/deleted/'))).toHaveLength(2);
    expect(com.all().filter((record) => record.vendor === 'other')).toHaveLength(1);
    // The originals stay, and COROS got each workout exactly once.
    expect(platforms.get('coros')!.all()).toHaveLength(3);
  });

  it('keeps going when one platform fails, and says what to do', async () => {
    const dir = newSyncFolder();
    const platforms = world();
    platforms.get('coros')!.seed(fit(1, { manufacturer: 'coros', product: 802 }));
    platforms.get('garmin_cn')!.failNext = 1000;
    const result = await sync(platforms, settings(dir));
    expect(result.report.outcome).toBe('partial');
    expect(result.report.platforms.find((platform) => platform.id === 'garmin_cn')!.error).toMatchObject({
      kind: 'retryable',
    });
    expect(platforms.get('garmin_com')!.all()).toHaveLength(1);
  });

  it('incremental runs stop listing at known records', async () => {
    const dir = newSyncFolder();
    const platforms = world();
    for (let day = 0; day < 30; day++) platforms.get('garmin_com')!.seed(fit(day));
    const config = settings(dir, { SYNC_PLATFORM: 'GARMINCOM,COROS' });
    await sync(platforms, config);
    const com = platforms.get('garmin_com')!;
    const before = com.calls.list;
    com.seed(fit(40));
    const result = await sync(platforms, config);
    expect(result.report.counts.uploaded).toBe(1);
    // Page size 3: the new record plus two known ones, then a page of known records.
    expect(com.calls.list - before).toBeLessThanOrEqual(2);
  });
});
