import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesiseFit } from '../../sandbox/fit-synth.ts';
import { startCorosSandbox, type CorosSandbox } from '../../sandbox/coros/coros-sandbox.ts';
import { startGarminSandbox, type GarminSandbox } from '../../sandbox/garmin/index.ts';
import { runBuiltCli } from '../support/cli-process.ts';

const EMAIL = 'undo@example.com';
const COROS_PASSWORD = 'cli-undo-coros-password';
let garmin: GarminSandbox;
let coros: CorosSandbox;
let cwd: string;

beforeAll(async () => {
  garmin = await startGarminSandbox({ uploadProcessingPolls: 1, pollHintMs: 20 });
  coros = await startCorosSandbox({ knobs: { importDelayMs: 10 } });
  garmin.addAccount('com', { email: EMAIL, password: 'cli-undo-garmin-password' });
  coros.addAccount({ email: EMAIL, password: COROS_PASSWORD, regionId: 3 });
  const start = Date.UTC(2026, 10, 3, 7) / 1000;
  const fields = { startUtc: start, elapsedSec: 3000, distanceM: 9000, sport: 'running' as const, samples: 6 };
  coros.addActivity(EMAIL, { fitBytes: synthesiseFit({ ...fields, manufacturer: 'coros', product: 802 }) });
  // The same run imported again from another app, 4 s later.
  coros.addActivity(EMAIL, {
    fitBytes: synthesiseFit({ ...fields, startUtc: start + 4, manufacturer: 'suunto', product: 1 }),
    device: 'Strava',
  });
  cwd = mkdtempSync(join(tmpdir(), 'ssx-cli-undo-'));
  writeFileSync(
    join(cwd, '.env'),
    [
      'SYNC_PLATFORM=GARMINCOM,COROS',
      `GARMIN_TOKEN_COM=${garmin.mintTokenBlob('com', EMAIL)}`,
      `COROS_EMAIL=${EMAIL}`,
      `COROS_PASSWORD=${COROS_PASSWORD}`,
      'DELETE_DUPLICATE=1',
      'STATE_SECRET=cli-undo-state-secret',
      `SPORTS_SYNC_ENDPOINTS=${JSON.stringify({ ...garmin.endpointOverrides(), ...coros.endpointOverrides() })}`,
    ].join('\n'),
  );
});
afterAll(async () => {
  await Promise.all([garmin?.close(), coros?.close()]);
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

describe('a deleted duplicate can be undone; our uploads can be listed for a rollback', () => {
  it('deletes only on the second sighting, restores from the database backup, and lists what it uploaded', async () => {
    const first = await runBuiltCli(['sync'], cwd);
    expect(first.status, first.out).toBe(0);
    expect(coros.activities(EMAIL)).toHaveLength(2);
    const second = await runBuiltCli(['sync'], cwd);
    expect(second.status, second.out).toBe(0);
    expect(coros.activities(EMAIL)).toHaveLength(1);

    const dry = await runBuiltCli(['undo', '--dry-run'], cwd);
    expect(dry.status, dry.out).toBe(0);
    expect(dry.out).toMatch(/COROS \d{15,}.*would be restored/);
    expect(coros.activities(EMAIL)).toHaveLength(1);
    const undo = await runBuiltCli(['undo'], cwd);
    expect(undo.status, undo.out).toBe(0);
    expect(undo.out).toMatch(/restored as/);
    expect(coros.activities(EMAIL)).toHaveLength(2);
    // Restored by the user's choice: later runs do not delete it again.
    await runBuiltCli(['sync'], cwd);
    await runBuiltCli(['sync'], cwd);
    expect(coros.activities(EMAIL)).toHaveLength(2);

    const rollback = await runBuiltCli(['rollback', '--dry-run'], cwd);
    expect(rollback.status, rollback.out).toBe(0);
    expect(rollback.out).toMatch(/Garmin COM \d+ \(copied from COROS/);
    expect(garmin.activities('com', EMAIL)).toHaveLength(1);
    const bad = await runBuiltCli(['undo', '--platform', 'STRAVA'], cwd);
    expect(bad.status).toBe(2);
    expect(bad.out).toMatch(/--platform STRAVA is not a platform/);
  });
});
