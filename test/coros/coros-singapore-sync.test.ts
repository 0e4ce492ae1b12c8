import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CorosSandbox } from '../../sandbox/coros/coros-sandbox.ts';
import type { GarminSandbox } from '../../sandbox/garmin/index.ts';
import { tempFolders } from '../support/temp-folders.ts';
import { runBuiltCli } from '../support/cli-process.ts';
import { corosRideFit, garminRunFit, startSyncSandboxes, writeSyncEnv } from '../support/sync-sandboxes.ts';

// Acceptance (issue 10): a Singapore account syncs both ways; a FIT with a +08:00 local offset is
// imported with timezone 32 by a run under TZ=UTC (the built CLI as a process).

const EMAIL = 'sg@example.com';
const COROS_PASSWORD = 'sg-coros-password-2026';
let garmin: GarminSandbox;
let coros: CorosSandbox;
const newFolder = tempFolders('ssx-sg-sync-');

beforeAll(async () => {
  ({ garmin, coros } = await startSyncSandboxes());
  garmin.addAccount('com', { email: EMAIL, password: 'sg-garmin-password' });
  coros.addAccount({ email: EMAIL, password: COROS_PASSWORD, regionId: 4 });
  const start = Date.UTC(2026, 10, 3, 23, 30) / 1000; // 07:30 in Singapore
  garmin.addActivity('com', EMAIL, {
    fitBytes: garminRunFit(start, { utcOffsetSec: 8 * 3600 }),
    utcOffsetSec: 8 * 3600,
  });
  coros.addActivity(EMAIL, { fitBytes: corosRideFit(start + 86_400, { utcOffsetSec: 8 * 3600 }), timezone: 32 });
});
afterAll(async () => {
  await Promise.all([garmin?.close(), coros?.close()]);
});

describe('COROS Singapore ↔ Garmin COM, CLI under TZ=UTC', () => {
  it('syncs both ways; the Garmin workout arrives with timezone 32, not the runner zone', async () => {
    const cwd = newFolder();
    writeSyncEnv(
      cwd,
      { garmin, coros },
      { garminToken: garmin.mintTokenBlob('com', EMAIL), corosEmail: EMAIL, corosPassword: COROS_PASSWORD },
    );
    const run = await runBuiltCli(['sync'], cwd, { TZ: 'UTC' });
    expect(run.status, run.out).toBe(0);
    expect(run.out).toMatch(/Uploaded 2, duplicates found 0, deleted 0, pending 0, failed 0/);
    expect(coros.importTimezones).toEqual([32]);
    expect(coros.counters['oss:put']).toBe(1);
    expect(coros.storedObjects()[0]).toMatch(/^coros-sg-prod\//);
    expect(garmin.activities('com', EMAIL)).toHaveLength(2);
    expect(coros.counters.login).toBe(1);
    const again = await runBuiltCli(['sync'], cwd, { TZ: 'UTC' });
    expect(again.status, again.out).toBe(0);
    expect(coros.counters.login).toBe(1);
  });
});
