import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesiseFit } from '../../sandbox/fit-synth.ts';
import { startGarminSandbox, type GarminSandbox } from '../../sandbox/garmin/index.ts';

const child = join(import.meta.dirname, '..', 'support', 'sync-child.ts');
const DAY = 86_400;
const base = Date.UTC(2026, 4, 1, 6) / 1000;
const WORKOUTS = 120;
let garmin: GarminSandbox;
let dir: string;

/** Runs a sync child; with `killAfterUploads`, SIGKILLs it right after that many uploads. */
function runChild(
  env: NodeJS.ProcessEnv,
  killAfterUploads?: number,
): Promise<{ signal: string | null; status: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const process_ = spawn(process.execPath, [child], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    process_.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const uploads = (stdout.match(/^uploaded /gm) ?? []).length;
      if (
        killAfterUploads !== undefined &&
        uploads >= killAfterUploads &&
        process_.exitCode === null &&
        !process_.killed
      )
        process_.kill('SIGKILL');
    });
    process_.stderr.resume();
    process_.on('exit', (status, signal) => resolve({ signal, status, stdout }));
  });
}

beforeAll(async () => {
  garmin = await startGarminSandbox({ uploadProcessingPolls: 1, pollHintMs: 10 });
  garmin.addAccount('com', { email: 'kill3@example.com', password: 'kill3-password' });
  garmin.addAccount('cn', { email: 'kill3@example.cn', password: 'kill3-password-cn' });
  for (let index = 0; index < WORKOUTS; index++) {
    const fitBytes = synthesiseFit({
      startUtc: base + (index * DAY) / 2,
      elapsedSec: 1800 + index,
      distanceM: 5000 + index * 10,
      sport: 'running',
      manufacturer: 'garmin',
      product: 4315,
      samples: 4,
    });
    garmin.addActivity('com', 'kill3@example.com', { fitBytes });
  }
  dir = mkdtempSync(join(tmpdir(), 'ssx-kill3-'));
});
afterAll(async () => {
  await garmin?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('three runs killed right after their second upload, then a clean run', () => {
  it('leaves every workout on the target exactly once, none given up', async () => {
    const env = {
      ...process.env,
      SYNC_PLATFORM: 'GARMINCOM,GARMINCN',
      GARMIN_TOKEN_COM: garmin.mintTokenBlob('com', 'kill3@example.com'),
      GARMIN_TOKEN_CN: garmin.mintTokenBlob('cn', 'kill3@example.cn'),
      SYNC_DB_PATH: join(dir, 'sports_sync.sqlite'),
      FIT_DIR: join(dir, 'fit'),
      STATE_SECRET: 'kill-three-times-state-secret',
      SPORTS_SYNC_ENDPOINTS: JSON.stringify(garmin.endpointOverrides()),
    };
    garmin.setFaults({ latencyMs: 15 });
    for (let kill = 0; kill < 3; kill++) {
      const killed = await runChild(env, 2);
      expect(killed.signal, killed.stdout).toBe('SIGKILL');
    }
    garmin.setFaults(undefined);
    const clean = await runChild(env);
    expect(clean.status, clean.stdout).toBe(0);
    expect(clean.stdout).toMatch(
      /RESULT \{"uploaded":\d+,"alreadyThere":\d+,"duplicatesFound":0,"deleted":0,"failed":0/,
    );
    const starts = garmin.activities('cn', 'kill3@example.cn').map((activity) => activity.startUtc);
    expect(starts).toHaveLength(WORKOUTS);
    expect(new Set(starts).size).toBe(WORKOUTS);
    const settled = await runChild(env);
    expect(settled.stdout).toMatch(
      /RESULT \{"uploaded":0,"alreadyThere":0,"duplicatesFound":0,"deleted":0,"failed":0,"pending":0,"planned":0,"setAside":0/,
    );
  });
});
