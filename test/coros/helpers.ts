import { afterEach, beforeEach } from 'vitest';
import type { Activity } from '../../src/core/activity.ts';
import { EndpointMap } from '../../src/core/endpoints.ts';
import { sportById } from '../../src/core/sports.ts';
import type { SyntheticWorkout } from '../../sandbox/fit-synth.ts';
import { capturingLogger, type CapturingLogger } from '../support/capturing-logger.ts';
import { distinctRunFit } from '../support/fits.ts';
import {
  createCorosPlatform,
  type CorosPlatform,
  type CorosPlatformOptions,
} from '../../src/platforms/coros/coros-platform.ts';
import { startCorosSandbox, type CorosSandbox } from '../../sandbox/coros/coros-sandbox.ts';
import { MemoryPlatformState } from '../../src/store/state-box.ts';

/** The running test's sandbox, in a file that called `sandboxPerTest()` (a live binding: read it inside tests). */
export let sandbox: CorosSandbox;

/** Every test of the calling file gets a fresh, empty COROS sandbox, closed after the test. */
export function sandboxPerTest(): void {
  beforeEach(async () => {
    sandbox = await startCorosSandbox();
  });
  afterEach(async () => {
    await sandbox.close();
  });
}

/** A Garmin run (the source side of an upload) starting at `startUtc`. */
export function garminSource(startUtc: number, { sportId = 'run', extra }: GarminSourceInput = {}): Activity {
  const sport = sportById(sportId);
  return {
    platform: 'garmin_com',
    remoteId: '21400000001',
    startUtc,
    elapsedSec: 1800,
    distanceM: 5000,
    sport: { id: sport.id, family: sport.family, code: sport.garminTypeKey },
    name: null,
    device: 'Forerunner 945',
    vendor: 'garmin',
    manual: false,
    ...(extra ? { extra } : {}),
  };
}

/** Uploads a fresh FIT of a run starting at `startUtc`, with the Garmin run it came from as the source. */
export function uploadRunAt(platform: CorosPlatform, startUtc: number, fileName: string) {
  return platform.uploadFit({ bytes: fitAt(startUtc), fileName, source: garminSource(startUtc) });
}

interface GarminSourceInput {
  readonly sportId?: string;
  readonly extra?: Activity['extra'];
}

export const FAST_BACKOFF = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 2_000 };

export interface Harness {
  readonly platform: CorosPlatform;
  readonly state: MemoryPlatformState;
  readonly log: CapturingLogger;
}

export function corosClient(
  sandbox: CorosSandbox,
  email: string,
  password: string,
  overrides: Partial<CorosPlatformOptions> & { state?: MemoryPlatformState } = {},
): Harness {
  const state = overrides.state ?? new MemoryPlatformState();
  const log = capturingLogger();
  const platform = createCorosPlatform({
    endpoints: new EndpointMap().with(sandbox.endpointOverrides()),
    state,
    credentials: { email, password },
    log,
    backoff: FAST_BACKOFF,
    timeoutMs: 10_000,
    importPollIntervalMs: 10,
    importPollTimeoutMs: 2_000,
    deleteSpacingMs: 0,
    now: () => sandbox.now(),
    ...overrides,
  });
  return { platform, state, log };
}

/** A valid FIT for a workout starting at `startUtc` (a Forerunner 945 run); every call gives different bytes. */
export function fitAt(startUtc: number, workout: Partial<SyntheticWorkout> = {}): Uint8Array {
  return distinctRunFit(startUtc, { product: 3113, productName: 'Forerunner 945', samples: 5, ...workout });
}

export async function collect<T>(pages: AsyncIterable<readonly T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

/** Asserts that none of `secrets` occurs in any of `texts`. */
export function leakedSecrets(texts: readonly string[], secrets: readonly string[]): string[] {
  const joined = texts.join('\n');
  return secrets.filter((secret) => secret.length >= 6 && joined.includes(secret));
}
