import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CorosSandbox } from '../../sandbox/coros/coros-sandbox.ts';
import type { GarminSandbox } from '../../sandbox/garmin/index.ts';
import { tempFolders } from '../support/temp-folders.ts';
import { corosRideFit, garminRunFit, startSyncSandboxes } from '../support/sync-sandboxes.ts';

const child = join(import.meta.dirname, '..', 'support', 'sync-child.ts');
const DAY = 86_400;
const base = Date.UTC(2026, 8, 1, 6) / 1000;
let garmin: GarminSandbox;
const newFolder = tempFolders('ssx-kill-');

/** Runs the child asynchronously: the sandboxes live in this process and must keep answering. */
function runChild(env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const process_ = spawn(process.execPath, [child], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    process_.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    process_.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    process_.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}
let coros: CorosSandbox;

beforeAll(async () => {
  ({ garmin, coros } = await startSyncSandboxes(30));
  garmin.addAccount('com', { email: 'kill@example.com', password: 'kill-test-password' });
  garmin.addAccount('cn', { email: 'kill@example.cn', password: 'kill-test-password-cn' });
  coros.addAccount({ email: 'kill@example.com', password: 'kill-test-coros', regionId: 1 });
  for (let day = 0; day < 6; day++) {
    garmin.addActivity('com', 'kill@example.com', {
      fitBytes: garminRunFit(base + day * DAY, { elapsedSec: 3000 + day, distanceM: 8000 + day * 100 }),
    });
    coros.addActivity('kill@example.com', {
      fitBytes: corosRideFit(base + day * DAY + 43_200, { elapsedSec: 4000 + day, distanceM: 30_000 + day * 100 }),
    });
  }
});
afterAll(async () => {
  await Promise.all([garmin?.close(), coros?.close()]);
});

describe('a run killed with SIGKILL half-way', () => {
  it('converges on the next run with no duplicate on any platform', async () => {
    const dir = newFolder();
    const env = {
      ...process.env,
      SYNC_PLATFORM: 'GARMINCOM,GARMINCN,COROS',
      GARMIN_TOKEN_COM: garmin.mintTokenBlob('com', 'kill@example.com'),
      GARMIN_TOKEN_CN: garmin.mintTokenBlob('cn', 'kill@example.cn'),
      COROS_EMAIL: 'kill@example.com',
      COROS_PASSWORD: 'kill-test-coros',
      SYNC_DB_PATH: join(dir, 'sports_sync.sqlite'),
      FIT_DIR: join(dir, 'fit'),
      SPORTS_SYNC_ENDPOINTS: JSON.stringify({ ...garmin.endpointOverrides(), ...coros.endpointOverrides() }),
    };
    // Slow every answer down so the run is still busy when it is killed.
    garmin.setFaults({ latencyMs: 60 });
    coros.knobs.latencyMs = 60;
    const killed = spawn(process.execPath, [child], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let uploads = 0;
    let output = '';
    await new Promise<void>((resolve) => {
      killed.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        uploads = (output.match(/^uploaded /gm) ?? []).length;
        if (uploads >= 3 && killed.exitCode === null && !killed.killed) killed.kill('SIGKILL');
      });
      killed.on('exit', () => resolve());
    });
    expect(killed.signalCode).toBe('SIGKILL');
    expect(output).not.toMatch(/^RESULT/m);

    garmin.setFaults(undefined);
    coros.knobs.latencyMs = 0;
    const resumed = await runChild(env);
    expect(resumed.status, resumed.stderr).toBe(0);
    const settled = await runChild(env);
    expect(settled.stdout).toMatch(/RESULT \{"uploaded":0,"alreadyThere":0,"duplicatesFound":0,"deleted":0,"failed":0/);

    const starts = {
      garmin_com: garmin.activities('com', 'kill@example.com').map((activity) => activity.startUtc),
      garmin_cn: garmin.activities('cn', 'kill@example.cn').map((activity) => activity.startUtc),
      coros: coros.activities('kill@example.com').map((activity) => activity.startTime),
    };
    for (const [platform, list] of Object.entries(starts)) {
      expect(list, platform).toHaveLength(12);
      const sorted = [...list].sort((a, b) => a - b);
      for (let i = 1; i < sorted.length; i++)
        expect(sorted[i]! - sorted[i - 1]!, `${platform} holds a duplicate`).toBeGreaterThan(60);
    }
    for (const text of [output, resumed.stdout, resumed.stderr, settled.stdout]) {
      for (const secret of ['kill-test-coros', env.GARMIN_TOKEN_COM, env.GARMIN_TOKEN_CN])
        expect(text).not.toContain(secret);
    }
  });
});
