import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.ts';
import { activity } from '../support/activities.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ssx-window-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let count = 0;
const freshPath = () => join(tmp, `store-${++count}.sqlite`);

describe('a steady run writes nothing it already has', () => {
  it('an unchanged record is not rewritten; a changed or returning one is', () => {
    const path = freshPath();
    const store = Store.open(path);
    const first = store.startRun({ dryRun: false, fullScan: false });
    const run = activity('garmin_com', '2026-03-01T06:00:00Z', { id: '11' });
    const ride = activity('garmin_com', '2026-03-02T06:00:00Z', { id: '12', sport: 'ride' });
    store.upsertActivities(first, [run, ride]);
    const second = store.startRun({ dryRun: false, fullScan: false });
    store.markOneGone('garmin_com', '12', second);
    store.upsertActivities(second, [run, { ...ride }, activity('garmin_com', '2026-03-03T06:00:00Z', { id: '13' })]);
    const third = store.startRun({ dryRun: false, fullScan: false });
    store.upsertActivities(third, [{ ...run, distanceM: 10_500 }]);
    store.close();

    const db = new DatabaseSync(path, { readOnly: true });
    const rows = db.prepare('SELECT remote_id, changed_run, gone_run FROM activities ORDER BY remote_id').all();
    db.close();
    expect(rows.map((row) => ({ ...row }))).toEqual([
      { remote_id: '11', changed_run: third, gone_run: null },
      { remote_id: '12', changed_run: second, gone_run: null },
      { remote_id: '13', changed_run: second, gone_run: null },
    ]);
  });
});

describe('the ledger rows a run reads', () => {
  it('those of the window and the unsettled ones, not the rest of the history', () => {
    const store = Store.open(freshPath());
    const runId = store.startRun({ dryRun: false, fullScan: false });
    const source = (id: string) => ({ platform: 'coros' as const, remoteId: id });
    store.applyLedgerEvent(source('old-1'), 'garmin_com', { type: 'send', fitSha256: 'a' }, runId);
    store.applyLedgerEvent(source('old-1'), 'garmin_com', { type: 'created', targetId: '901' }, runId);
    store.applyLedgerEvent(source('in-window'), 'garmin_com', { type: 'send', fitSha256: 'b' }, runId);
    store.applyLedgerEvent(source('in-window'), 'garmin_com', { type: 'created', targetId: '902' }, runId);
    store.applyLedgerEvent(source('interrupted'), 'garmin_cn', { type: 'send', fitSha256: 'c' }, runId);
    store.applyLedgerEvent(source('no-id'), 'garmin_cn', { type: 'send', fitSha256: 'd' }, runId);
    store.applyLedgerEvent(source('no-id'), 'garmin_cn', { type: 'duplicate', existingId: null }, runId);
    store.applyLedgerEvent(source('copied-to-window'), 'garmin_com', { type: 'send', fitSha256: 'e' }, runId);
    store.applyLedgerEvent(source('copied-to-window'), 'garmin_com', { type: 'created', targetId: '903' }, runId);

    const keys = (rows: ReturnType<Store['unsettledTransfers']>) =>
      rows.map((row) => `${row.sourceId}>${row.targetPlatform}`).sort();
    expect(keys(store.unsettledTransfers())).toEqual(['interrupted>garmin_cn', 'no-id>garmin_cn']);
    const window = [source('in-window'), { platform: 'garmin_com' as const, remoteId: '903' }];
    expect(keys(store.transfersFor(window))).toEqual([
      'copied-to-window>garmin_com',
      'in-window>garmin_com',
      'interrupted>garmin_cn',
      'no-id>garmin_cn',
    ]);
    store.close();
  });
});
