import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { activity } from '../support/activities.ts';
import { tempFolders } from '../support/temp-folders.ts';

const newStoreFolder = tempFolders('ssx-store-');

const tempDb = () => join(newStoreFolder(), 'db', 'sports_sync.sqlite');

describe('SQLite store', () => {
  it('applies ordered migrations once and records them', () => {
    const path = tempDb();
    Store.open(path).close();
    const store = Store.open(path);
    expect(store.schemaVersion()).toBe(MIGRATIONS.at(-1)!.version);
    store.close();
    const db = new DatabaseSync(path);
    const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{
      version: number;
    }>;
    expect(rows.map((row) => row.version)).toEqual(MIGRATIONS.map((migration) => migration.version));
    db.close();
  });

  it('refuses a database written by a newer schema', () => {
    const path = tempDb();
    Store.open(path).close();
    const db = new DatabaseSync(path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, ?)').run('future', 'now');
    db.close();
    expect(() => Store.open(path)).toThrow(/newer Sports Sync X/);
  });

  it('leaves a single clean file (no -wal, -shm or -journal)', () => {
    const path = tempDb();
    const store = Store.open(path);
    const runId = store.startRun({ dryRun: false, fullScan: true });
    store.upsertActivities(runId, [activity('coros', '2026-03-01T06:00:00Z', { id: '476543210987654321' })]);
    store.close();
    expect(readdirSync(join(path, '..'))).toEqual(['sports_sync.sqlite']);
  });

  it('keeps 18-digit ids exactly', () => {
    const path = tempDb();
    const store = Store.open(path);
    const runId = store.startRun({ dryRun: false, fullScan: true });
    store.upsertActivities(runId, [activity('coros', '2026-03-01T06:00:00Z', { id: '476543210987654321' })]);
    expect(store.presentActivities('coros')[0]!.remoteId).toBe('476543210987654321');
    store.close();
  });

  it('marks records missing from a covering listing as gone', () => {
    const store = Store.open(tempDb());
    const runId = store.startRun({ dryRun: false, fullScan: true });
    const kept = activity('garmin_com', '2026-03-02T06:00:00Z', { id: '1' });
    const deleted = activity('garmin_com', '2026-03-03T06:00:00Z', { id: '2' });
    const old = activity('garmin_com', '2026-01-01T06:00:00Z', { id: '3' });
    store.upsertActivities(runId, [kept, deleted, old]);
    const gone = store.markGone('garmin_com', Date.parse('2026-03-01T00:00:00Z') / 1000, new Set(['1']), runId);
    expect(gone.map((record) => record.remoteId)).toEqual(['2']);
    expect(
      store
        .presentActivities('garmin_com')
        .map((record) => record.remoteId)
        .sort(),
    ).toEqual(['1', '3']);
    store.close();
  });

  it('seals secrets: readable with the right key only, never stored in clear', () => {
    const path = tempDb();
    const store = Store.open(path);
    const state = store.platformState('garmin_com', 'key-material-one');
    state.setSecret('tokens', 'refresh-token-abcdef123456');
    state.setPlain('breaker', '2026-01-01T00:00:00Z');
    expect(state.getSecret('tokens')).toBe('refresh-token-abcdef123456');
    expect(store.platformState('garmin_com', 'another-key').getSecret('tokens')).toBeUndefined();
    store.close();
    // Bound to its platform and name: the sealed row copied to another platform, or under another
    // name, with the same key, does not open.
    const db = new DatabaseSync(path);
    db.exec(
      `INSERT INTO platform_state (platform, name, value, sealed, updated_at) SELECT 'garmin_cn', name, value, sealed, updated_at FROM platform_state WHERE platform = 'garmin_com' AND name = 'tokens'`,
    );
    db.exec(
      `INSERT INTO platform_state (platform, name, value, sealed, updated_at) SELECT platform, 'other', value, sealed, updated_at FROM platform_state WHERE platform = 'garmin_com' AND name = 'tokens'`,
    );
    expect(
      db.prepare(`SELECT COUNT(*) AS n FROM platform_state WHERE name = 'tokens' OR name = 'other'`).get(),
    ).toEqual({ n: 3 });
    db.close();
    const reopened = Store.open(path);
    expect(reopened.platformState('garmin_com', 'key-material-one').getSecret('tokens')).toBe(
      'refresh-token-abcdef123456',
    );
    expect(reopened.platformState('garmin_cn', 'key-material-one').getSecret('tokens')).toBeUndefined();
    expect(reopened.platformState('garmin_com', 'key-material-one').getSecret('other')).toBeUndefined();
    reopened.close();
    expect(readFileSync(path).includes(Buffer.from('refresh-token-abcdef123456'))).toBe(false);
    expect(existsSync(path)).toBe(true);
  });

  it('writes a compact standalone copy', () => {
    const path = tempDb();
    const store = Store.open(path);
    store.startRun({ dryRun: false, fullScan: true });
    const copy = path.replace('sports_sync', 'copy');
    store.writeCompactCopy(copy);
    store.close();
    const reopened = Store.open(copy);
    expect(reopened.runs()).toHaveLength(1);
    reopened.close();
  });
});
