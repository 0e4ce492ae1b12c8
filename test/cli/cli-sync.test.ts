import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CorosSandbox } from '../../sandbox/coros/coros-sandbox.ts';
import type { GarminSandbox } from '../../sandbox/garmin/index.ts';
import { tempFolders } from '../support/temp-folders.ts';
import { runBuiltCli } from '../support/cli-process.ts';
import { corosRideFit, garminRunFit, startSyncSandboxes, writeSyncEnv } from '../support/sync-sandboxes.ts';

const COROS_PASSWORD = 'cli-sync-coros-password';
let garmin: GarminSandbox;
let coros: CorosSandbox;
const newFolder = tempFolders('ssx-cli-sync-');

beforeAll(async () => {
  ({ garmin, coros } = await startSyncSandboxes());
  garmin.addAccount('com', { email: 'cli@example.com', password: 'cli-sync-garmin-password' });
  coros.addAccount({ email: 'cli@example.com', password: COROS_PASSWORD, regionId: 3 });
  const start = Date.UTC(2026, 10, 1, 7) / 1000;
  garmin.addActivity('com', 'cli@example.com', { fitBytes: garminRunFit(start) });
  coros.addActivity('cli@example.com', { fitBytes: corosRideFit(start + 86_400) });
});
afterAll(async () => {
  await Promise.all([garmin?.close(), coros?.close()]);
});

describe('sports-sync-x sync with a .env file, against the sandboxes', () => {
  it('syncs both ways, then has nothing to do; no secret in output, the database or the FIT folder', async () => {
    const cwd = newFolder();
    const token = garmin.mintTokenBlob('com', 'cli@example.com');
    writeSyncEnv(
      cwd,
      { garmin, coros },
      { garminToken: token, corosEmail: 'cli@example.com', corosPassword: COROS_PASSWORD },
    );
    const first = await runBuiltCli(['sync'], cwd);
    expect(first.status, first.out).toBe(0);
    expect(first.out).toMatch(/Uploaded 2, duplicates found 0, deleted 0, pending 0, failed 0/);
    expect(first.out).toMatch(/COROS → Garmin COM \(1\)/);
    expect(first.out).toMatch(/Garmin COM → COROS \(1\)/);
    expect(readdirSync(join(cwd, 'fit')).sort()).toEqual(['coros', 'garmin_com']);
    const second = await runBuiltCli(['sync'], cwd);
    expect(second.status, second.out).toBe(0);
    expect(second.out).toMatch(/Uploaded 0, duplicates found 0, deleted 0, pending 0, failed 0/);
    const status = await runBuiltCli(['status'], cwd);
    expect(status.out).toMatch(/Transfers: 2 uploaded/);
    // The routes in effect, in the report and in status.
    expect(first.out).toMatch(/Routes: every direction among /);
    expect(status.out).toMatch(/Routes: every direction among /);
    const database = readFileSync(join(cwd, 'db', 'sports_sync.sqlite'));
    for (const secret of [token, COROS_PASSWORD, ...coros.secretsIssued()]) {
      expect(first.out + second.out + status.out).not.toContain(secret);
      expect(database.includes(Buffer.from(secret))).toBe(false);
    }
  });
});
