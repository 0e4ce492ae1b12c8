import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesiseFit } from '../../sandbox/fit-synth.ts';
import { startCorosSandbox, type CorosSandbox } from '../../sandbox/coros/coros-sandbox.ts';
import { startGarminSandbox, type GarminSandbox } from '../../sandbox/garmin/index.ts';

// Acceptance (issue 10): a Singapore account syncs both ways; a FIT with a +08:00 local offset is
// imported with timezone 32 by a run under TZ=UTC (the built CLI as a process).

const cli = join(import.meta.dirname, '..', '..', 'action', 'cli.js');
const EMAIL = 'sg@example.com';
const COROS_PASSWORD = 'sg-coros-password-2026';
let garmin: GarminSandbox;
let coros: CorosSandbox;
const dirs: string[] = [];

beforeAll(async () => {
  garmin = await startGarminSandbox({ uploadProcessingPolls: 1, pollHintMs: 20 });
  coros = await startCorosSandbox({ knobs: { importDelayMs: 10 } });
  garmin.addAccount('com', { email: EMAIL, password: 'sg-garmin-password' });
  coros.addAccount({ email: EMAIL, password: COROS_PASSWORD, regionId: 4 });
  const start = Date.UTC(2026, 10, 3, 23, 30) / 1000; // 07:30 in Singapore
  garmin.addActivity('com', EMAIL, {
    fitBytes: synthesiseFit({
      startUtc: start,
      elapsedSec: 2700,
      distanceM: 7500,
      sport: 'running',
      manufacturer: 'garmin',
      product: 4315,
      utcOffsetSec: 8 * 3600,
    }),
    utcOffsetSec: 8 * 3600,
  });
  coros.addActivity(EMAIL, {
    fitBytes: synthesiseFit({
      startUtc: start + 86_400,
      elapsedSec: 5400,
      distanceM: 45_000,
      sport: 'cycling',
      manufacturer: 'coros',
      product: 802,
      utcOffsetSec: 8 * 3600,
    }),
    timezone: 32,
  });
});
afterAll(async () => {
  await Promise.all([garmin?.close(), coros?.close()]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function cliRun(args: string[], cwd: string): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const env = {
      ...Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !/^(SYNC_|GARMIN_|COROS_|QYWX_|STATE_|TZ$)/.test(name)),
      ),
      TZ: 'UTC',
    };
    const child = spawn(process.execPath, [cli, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (status) => resolve({ status, out }));
  });
}

describe('COROS Singapore ↔ Garmin COM, CLI under TZ=UTC', () => {
  it('syncs both ways; the Garmin workout arrives with timezone 32, not the runner zone', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ssx-sg-sync-'));
    dirs.push(cwd);
    writeFileSync(
      join(cwd, '.env'),
      [
        'SYNC_PLATFORM=GARMINCOM,COROS',
        `GARMIN_TOKEN_COM=${garmin.mintTokenBlob('com', EMAIL)}`,
        `COROS_EMAIL=${EMAIL}`,
        `COROS_PASSWORD="${COROS_PASSWORD}"`,
        `SPORTS_SYNC_ENDPOINTS=${JSON.stringify({ ...garmin.endpointOverrides(), ...coros.endpointOverrides() })}`,
      ].join('\n'),
    );
    const run = await cliRun(['sync'], cwd);
    expect(run.status, run.out).toBe(0);
    expect(run.out).toMatch(/Uploaded 2, duplicates found 0, deleted 0, pending 0, failed 0/);
    expect(coros.importTimezones).toEqual([32]);
    expect(coros.counters['oss:put']).toBe(1);
    expect(coros.storedObjects()[0]).toMatch(/^coros-sg-prod\//);
    expect(garmin.activities('com', EMAIL)).toHaveLength(2);
    expect(coros.counters.login).toBe(1);
    const again = await cliRun(['sync'], cwd);
    expect(again.status, again.out).toBe(0);
    expect(coros.counters.login).toBe(1);
  });
});
