import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/config.ts';
import type { Logger } from '../../src/core/log.ts';
import { runSync, type RunSyncResult } from '../../src/engine/sync-run.ts';
import { synthesiseFit } from '../../sandbox/fit-synth.ts';
import { fitMaker, GARMIN_RUN } from '../support/fits.ts';
import { createPlatformFactory } from '../../src/platforms/factory.ts';
import type { PersonalApiActivity } from '../../sandbox/garmin-personal-api/index.ts';

export const DAY = 86_400;
export const BASE = Date.UTC(2026, 10, 2, 6, 0, 0) / 1000;

/** A clock tests move by hand; the sandbox and the client share it, sleeps advance it. */
export class TestClock {
  ms: number;
  readonly sleeps: number[] = [];
  constructor(startMs: number) {
    this.ms = startMs;
  }
  now = (): number => this.ms;
  advanceHours(hours: number): void {
    this.ms += hours * 3600_000;
  }
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.ms += ms;
  };
}

/** A Garmin-recorded run as the Personal API emulator keeps it. */
export function garminRun(
  id: number,
  startUtc: number,
  fields: Partial<PersonalApiActivity> = {},
): PersonalApiActivity {
  const elapsedSec = 3000 + (id % 100);
  const distanceM = 9000 + (id % 100) * 10;
  return {
    id,
    name: `Run ${id}`,
    typeKey: 'running',
    startUtc,
    elapsedSec,
    distanceM,
    manual: false,
    format: 'fit',
    manufacturer: 'GARMIN',
    deviceId: 3_400_000_001,
    utcOffsetSec: 3600,
    bytes: synthesiseFit({ ...GARMIN_RUN, startUtc, elapsedSec, distanceM }),
    ...fields,
  };
}

/** The FIT of a 50-minute, 9 km run recorded on a Garmin watch, as the DI sandbox serves it. */
export const garminRunFit = fitMaker({ ...GARMIN_RUN, elapsedSec: 3000, distanceM: 9000 });

export { capturingLogger } from '../support/capturing-logger.ts';

export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ssx-personal-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One real sync run (real SQLite file, real HTTP over loopback) with the clock injected into the Personal API client. */
export async function syncOnce(
  settings: Record<string, string>,
  clock: TestClock,
  log: Logger,
): Promise<RunSyncResult> {
  const config = parseConfig((name) => settings[name]);
  const fast = { backoff: { baseDelayMs: 5, maxDelayMs: 50 } };
  const createPlatform = createPlatformFactory(config, log, {
    garmin: { ...fast, uploadPoll: { intervalMs: 10, timeoutMs: 10_000 } },
    coros: { ...fast, importPollIntervalMs: 20, importPollTimeoutMs: 10_000, deleteSpacingMs: 0 },
    personal: { now: clock.now, sleep: clock.sleep, pagePauseMs: 0 },
  });
  return runSync({ config, log, createPlatform });
}
