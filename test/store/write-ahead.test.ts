import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Semaphore, withRequestPriority } from '../../src/http/request-limit.ts';
import { discardWriteAheadLog, settleDatabaseFile, Store } from '../../src/store/store.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ssx-wal-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const storeModule = join(import.meta.dirname, '..', '..', 'src', 'store', 'store.ts');

/** A child that commits a run and a meta value, then is killed before it can close the database. */
function commitThenKill(path: string): void {
  const script =
    `const { Store } = await import(${JSON.stringify(storeModule)});` +
    `const store = Store.open(${JSON.stringify(path)});` +
    `store.startRun({ dryRun: false, fullScan: false });` +
    `store.setMeta('written-before-the-kill', 'yes');` +
    `process.kill(process.pid, 'SIGKILL');`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(child.signal).toBe('SIGKILL');
}

/** Bytes 18 and 19 of the header: 1 for a rollback journal, 2 for write-ahead logging. */
const journalFormat = (path: string) => [...readFileSync(path).subarray(18, 20)];

describe('write-ahead logging during a run', () => {
  it('a killed process loses no commit: the next open replays the log, and close leaves one file', () => {
    const dir = mkdtempSync(join(tmp, 'reopen-'));
    const path = join(dir, 'sports_sync.sqlite');
    commitThenKill(path);
    expect(readdirSync(dir).sort()).toEqual(['sports_sync.sqlite', 'sports_sync.sqlite-shm', 'sports_sync.sqlite-wal']);
    const store = Store.open(path);
    expect(store.getMeta('written-before-the-kill')).toBe('yes');
    store.close();
    expect(readdirSync(dir)).toEqual(['sports_sync.sqlite']);
    expect(journalFormat(path)).toEqual([1, 1]);
  });

  it('settling the file folds the log in, so a copy of the file alone holds every commit', () => {
    const dir = mkdtempSync(join(tmp, 'settle-'));
    const path = join(dir, 'sports_sync.sqlite');
    commitThenKill(path);
    settleDatabaseFile(path);
    expect(readdirSync(dir)).toEqual(['sports_sync.sqlite']);
    expect(journalFormat(path)).toEqual([1, 1]);
    const copy = join(tmp, 'copy-of-the-file-alone.sqlite');
    copyFileSync(path, copy);
    const store = Store.open(copy);
    expect(store.getMeta('written-before-the-kill')).toBe('yes');
    store.close();
  });
});

describe('request slots by job order', () => {
  it('a waiting request of an earlier job goes before the first request of a later job', async () => {
    const slots = new Semaphore(1);
    const served: string[] = [];
    let release!: () => void;
    const holder = slots.run(() => new Promise<void>((resolve) => (release = resolve)));
    const request = (job: number, name: string) =>
      withRequestPriority(job, () => slots.run(async () => void served.push(name)));
    const waiting = [request(5, 'job 5 upload'), request(7, 'job 7 upload'), request(2, 'job 2 status check')];
    const outside = slots.run(async () => void served.push('token refresh (outside jobs)'));
    release();
    await Promise.all([holder, ...waiting, outside]);
    expect(served).toEqual(['token refresh (outside jobs)', 'job 2 status check', 'job 5 upload', 'job 7 upload']);
  });

  it('equal priorities keep their arrival order', async () => {
    const slots = new Semaphore(1);
    const served: number[] = [];
    let release!: () => void;
    const holder = slots.run(() => new Promise<void>((resolve) => (release = resolve)));
    const waiting = [1, 2, 3, 4].map((n) => withRequestPriority(3, () => slots.run(async () => void served.push(n))));
    release();
    await Promise.all([holder, ...waiting]);
    expect(served).toEqual([1, 2, 3, 4]);
  });
});

describe('a log never outlives its file', () => {
  it('a file replaced beside a stale log would take the log in; discarding the log keeps the file as it is', () => {
    const dir = mkdtempSync(join(tmp, 'replace-'));
    const path = join(dir, 'sports_sync.sqlite');
    const restored = join(tmp, `restored-${Date.now()}.sqlite`);
    const store = Store.open(restored);
    store.setMeta('written-before-the-kill', 'the restored value');
    store.close();
    commitThenKill(path);
    copyFileSync(restored, path);
    discardWriteAheadLog(path);
    const reopened = Store.open(path);
    expect(reopened.getMeta('written-before-the-kill')).toBe('the restored value');
    reopened.close();
  });
});
