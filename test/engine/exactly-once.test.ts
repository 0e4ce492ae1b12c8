import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PLATFORM_IDS, type PlatformId } from '../../src/core/activity.ts';
import { silentLogger } from '../../src/core/log.ts';
import { fitPath } from '../../src/engine/fit-files.ts';
import { runSync } from '../../src/engine/sync-run.ts';
import { undoDeletions, rollbackUploads } from '../../src/engine/undo.ts';
import type { SyntheticWorkout } from '../../sandbox/fit-synth.ts';
import { hourRunFit } from '../support/fits.ts';
import { Store } from '../../src/store/store.ts';
import { ScriptedPlatform } from '../support/scripted-platform.ts';
import { engineSettings } from '../support/engine-settings.ts';

const DAY = 86_400;
const base = Date.UTC(2026, 5, 1) / 1000;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup(extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ssx-once-'));
  dirs.push(dir);
  const platforms = new Map<PlatformId, ScriptedPlatform>(
    PLATFORM_IDS.map((id) => [id, new ScriptedPlatform({ id, pageSize: 5 })]),
  );
  const config = engineSettings(dir, 'GARMINCOM,COROS', extra);
  const sync = (signal?: AbortSignal) =>
    runSync({ config, log: silentLogger, createPlatform: (id) => platforms.get(id)!, ...(signal ? { signal } : {}) });
  const ledger = () => {
    const store = Store.open(config.dbPath);
    try {
      return store.transfers();
    } finally {
      store.close();
    }
  };
  return {
    dir,
    platforms,
    config,
    sync,
    ledger,
    com: platforms.get('garmin_com')!,
    coros: platforms.get('coros')!,
    cn: platforms.get('garmin_cn')!,
  };
}

const fit = (day: number, fields: Partial<SyntheticWorkout> = {}) => hourRunFit(base + day * DAY, fields);

describe('exactly once, when answers are lost or garbage', () => {
  it('an upload whose answer was lost is found on the target next run, with its id; never sent twice', async () => {
    const { com, coros, sync, ledger } = setup();
    com.seed(fit(1));
    coros.landThenLose();
    const first = await sync();
    expect(first.report.counts.uploaded).toBe(0);
    expect(ledger()[0]).toMatchObject({ outcome: 'sending', attempts: 0 });
    expect(coros.all()).toHaveLength(1);
    const second = await sync();
    expect(second.report.counts.failed).toBe(0);
    expect(coros.calls.upload).toBe(1);
    expect(ledger()[0]).toMatchObject({ outcome: 'created', targetId: coros.all()[0]!.remoteId });
  });

  it('a 409-style duplicate without an id gets the existing id from the next listing', async () => {
    const { com, coros, sync, ledger } = setup();
    com.seed(fit(1));
    coros.uploadScript.push(async (upload) => {
      await coros.seedFrom(upload.bytes);
      return { kind: 'duplicate', existingId: null };
    });
    await sync();
    expect(ledger()[0]).toMatchObject({ outcome: 'duplicate', targetId: null });
    await sync();
    expect(ledger()[0]).toMatchObject({ outcome: 'duplicate', targetId: coros.all()[0]!.remoteId });
  });

  it('a failed download is the source’s problem, not a target rejection, and is retried next run', async () => {
    const { com, coros, sync, ledger } = setup();
    com.seed(fit(1));
    com.downloadScript.push(() => Promise.reject(new Error('connection reset')));
    const first = await sync();
    expect(first.report.transfers[0]).toMatchObject({ outcome: 'failed' });
    expect(first.report.transfers[0]!.nextStep).toMatch(/problem of the source/);
    expect(ledger()).toHaveLength(0);
    expect(coros.calls.upload).toBe(0);
    const second = await sync();
    expect(second.report.counts.uploaded).toBe(1);
  });

  it('an empty or broken download is never uploaded, retried, then reported against the source', async () => {
    const { com, coros, sync } = setup();
    const good = fit(1);
    com.seed(good);
    const broken = () => ({ kind: 'fit', bytes: good.subarray(0, 100), fileName: 'x.fit' });
    com.downloadScript.push(() => ({ kind: 'fit', bytes: new Uint8Array(0), fileName: 'x.fit' }), broken);
    const first = await sync();
    expect(coros.calls.upload).toBe(0);
    expect(first.report.transfers[0]!.message).toMatch(/source: .*(FIT|damaged)/);
    expect(first.report.outcome).toBe('partial');
    await sync();
    expect(coros.all()).toHaveLength(1);
  });

  it('"no original" on one source does not block another source that has the FIT', async () => {
    const { com, cn, coros, sync } = setup({ SYNC_PLATFORM: 'GARMINCOM,GARMINCN,COROS' });
    const gpx = com.seed(fit(1));
    cn.seed(fit(1));
    com.noOriginal.add(gpx.remoteId);
    await sync();
    expect(coros.all()).toHaveLength(1);
    const again = await sync();
    expect(again.report.counts).toMatchObject({ uploaded: 0, failed: 0 });
  });

  it('a failed pending check keeps its ticket: the next run checks, it does not upload again', async () => {
    const { com, coros, sync, ledger } = setup();
    com.seed(fit(1));
    coros.uploadScript.push(() => ({ kind: 'pending', ticket: 'job-1', message: 'processing' }));
    await sync();
    coros.checkScript.push(() => Promise.reject(new Error('timeout')));
    await sync();
    expect(ledger()[0]).toMatchObject({ outcome: 'pending', ticket: 'job-1' });
    coros.checkScript.push(async () => ({ kind: 'created', remoteId: (await coros.seedFrom(fit(1))).remoteId }));
    await sync();
    expect(ledger()[0]).toMatchObject({ outcome: 'created' });
    expect(coros.calls.upload).toBe(0);
    expect(coros.all()).toHaveLength(1);
  });

  it('a cached FIT left truncated by a killed run is checked and downloaded again', async () => {
    const { com, coros, sync, config } = setup();
    const record = com.seed(fit(1));
    const path = fitPath(config.fitDir, record);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, fit(1).subarray(0, 50));
    await sync();
    expect(com.calls.download).toBe(1);
    expect(coros.all()).toHaveLength(1);
  });

  it('an attempt counts only when the target was reached: a refused connection costs nothing', async () => {
    const { com, coros, sync, ledger } = setup({ MAX_UPLOAD_ATTEMPTS: '1' });
    com.seed(fit(1));
    const refused = Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    const { RetryableError } = await import('../../src/core/errors.ts');
    coros.uploadScript.push(() => Promise.reject(new RetryableError('POST failed: ECONNREFUSED', { cause: refused })));
    await sync();
    expect(ledger()[0]).toMatchObject({ outcome: 'failed', attempts: 0 });
    await sync();
    expect(coros.all()).toHaveLength(1);
  });

  it('a phantom listing entry (zero-padded id) is never kept, and the real record is never deleted', async () => {
    const { com, sync } = setup({ SYNC_PLATFORM: 'GARMINCOM', DELETE_DUPLICATE: '1', CONFIRM_DELETES: '1' });
    const real = com.seed(fit(1));
    com.phantoms = [
      { ...real, remoteId: real.remoteId.padStart(30, '0') },
      { ...real, remoteId: '-42' },
    ];
    const result = await sync();
    expect(result.report.warnings.join('\n')).toMatch(/skipped 2 listing entries/);
    expect(result.report.duplicates).toHaveLength(0);
    expect(com.deleted).toHaveLength(0);
    expect(com.all()).toHaveLength(1);
  });

  it('keeps at most a few FIT files in memory on a big first run', async () => {
    const { com, coros, sync } = setup({ SYNC_CONCURRENCY: '2' });
    for (let day = 0; day < 60; day++) com.seed(fit(day));
    coros.holding = com.holding;
    coros.uploadDelayMs = 3;
    await sync();
    expect(coros.all()).toHaveLength(60);
    // A pool of 12 × SYNC_CONCURRENCY jobs (enough to cover the services' waits): at most 24 files between download and upload.
    expect(com.holding.max).toBeGreaterThan(1);
    expect(com.holding.max).toBeLessThanOrEqual(24);
  });

  it('a backfill larger than MAX_UPLOADS_PER_RUN continues over runs, and says how much is left', async () => {
    const { com, coros, sync } = setup({ MAX_UPLOADS_PER_RUN: '4' });
    for (let day = 0; day < 10; day++) com.seed(fit(day));
    const first = await sync();
    expect(first.report.counts).toMatchObject({ uploaded: 4, remaining: 6 });
    expect(first.report.warnings.join('\n')).toMatch(/upload cap.*6 left/);
    await sync();
    await sync();
    expect(coros.all()).toHaveLength(10);
  });

  it('an aborted run starts no new transfer and reports what is left', async () => {
    const { com, coros, sync } = setup();
    for (let day = 0; day < 5; day++) com.seed(fit(day));
    const controller = new AbortController();
    controller.abort();
    const result = await sync(controller.signal);
    expect(result.report.counts).toMatchObject({ uploaded: 0, remaining: 5 });
    expect(coros.calls.upload).toBe(0);
  });
});

describe('safe deletions and undo', () => {
  it('never deletes on a cached copy of the kept record: it is fetched by id in the deleting run', async () => {
    const { com, sync, config } = setup({ SYNC_PLATFORM: 'GARMINCOM', DELETE_DUPLICATE: '1' });
    const kept = com.seed(fit(1));
    com.seed(fit(1, { startUtc: base + DAY + 5, heartRate: 150 }), { vendor: 'other' });
    await sync();
    // A good copy of the kept file is on disk, but the platform cannot give it now.
    const path = fitPath(config.fitDir, kept);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, fit(1));
    com.downloadScript.push(() => Promise.reject(new Error('connection reset')));
    const second = await sync();
    expect(second.report.duplicates[0]).toMatchObject({ action: 'kept-safe' });
    expect(second.report.duplicates[0]!.message).toMatch(/kept record's file could not be verified/);
    expect(com.deleted).toEqual([]);
  });

  it('a delete whose answer was lost can still be undone once a listing shows the record gone', async () => {
    const { com, platforms, sync, config } = setup({ SYNC_PLATFORM: 'GARMINCOM', DELETE_DUPLICATE: '1' });
    com.seed(fit(1));
    const copy = com.seed(fit(1, { startUtc: base + DAY + 5, heartRate: 150 }), { vendor: 'other' });
    await sync();
    com.loseNextDeleteAnswer = true;
    const second = await sync();
    expect(second.report.duplicates[0]).toMatchObject({ action: 'delete-failed' });
    expect(com.all()).toHaveLength(1);
    // A listing that covers the record shows it gone.
    await runSync({
      config: { ...config, fullScan: true },
      log: silentLogger,
      createPlatform: (id) => platforms.get(id)!,
    });
    const store = Store.open(config.dbPath);
    try {
      const dry = await undoDeletions(store, async () => com, { dryRun: true });
      expect(dry).toMatchObject([{ deletedId: copy.remoteId, outcome: 'would-restore' }]);
    } finally {
      store.close();
    }
  });

  it('backs the duplicate up in the state before deleting; undo restores it; rollback lists our uploads', async () => {
    const { com, coros, sync, config } = setup({ DELETE_DUPLICATE: '1' });
    com.seed(fit(1));
    const copy = com.seed(fit(1, { startUtc: base + DAY + 5, heartRate: 150 }), { vendor: 'other' });
    await sync();
    expect(com.deleted).toEqual([]);
    await sync();
    expect(com.deleted).toEqual([copy.remoteId]);
    const store = Store.open(config.dbPath);
    try {
      const [backup] = store.deletionBackups();
      expect(backup!.activity.remoteId).toBe(copy.remoteId);
      expect(backup!.fit!.byteLength).toBeGreaterThan(100);
      const dry = await undoDeletions(store, async () => com.platformFor(), { dryRun: true });
      expect(dry.map((item) => item.outcome)).toEqual(['would-restore']);
      const restored = await undoDeletions(store, async () => com, { dryRun: false });
      expect(restored[0]).toMatchObject({ outcome: 'restored' });
      const plan = await rollbackUploads(store, async () => coros, { dryRun: true, runId: 0 });
      expect(plan.map((item) => item.target)).toEqual(['coros']);
    } finally {
      store.close();
    }
    expect(com.all()).toHaveLength(2);
    // The user restored it: it is never deleted again.
    await sync();
    await sync();
    expect(com.all()).toHaveLength(2);
  });
});

describe('an interrupted upload of a workout that has left the window', () => {
  it('is settled from the database after one full listing, and forces no full listing after that', async () => {
    const { com, coros, sync, ledger } = setup({ GARMIN_NEWEST_NUM: '3' });
    const old = com.seed(fit(1));
    coros.landThenLose();
    await sync();
    expect(ledger()).toMatchObject([{ sourceId: old.remoteId, outcome: 'sending' }]);
    // Twenty newer workouts on both platforms, then three only on Garmin: day 1 is far outside the window.
    for (let day = 10; day < 30; day++) {
      coros.seed(fit(day, { manufacturer: 'coros', product: 802 }));
      com.seed(fit(day));
    }
    for (let day = 30; day < 33; day++) com.seed(fit(day));

    await sync();
    const copy = coros.all().find((record) => record.startUtc === old.startUtc)!;
    expect(ledger().find((row) => row.sourceId === old.remoteId)).toMatchObject({
      outcome: 'created',
      targetId: copy.remoteId,
    });
    expect(coros.calls.upload).toBe(4);

    const pagesBefore = coros.calls.list;
    const third = await sync();
    expect(third.report.counts.uploaded).toBe(0);
    // An incremental listing stops at the first page it knows; a full one would read all 5 pages.
    expect(coros.calls.list - pagesBefore).toBeLessThanOrEqual(2);
    expect(coros.all().filter((record) => record.startUtc === old.startUtc)).toHaveLength(1);
  });
});
