import { onTestFinished } from 'vitest';
import { EndpointMap } from '../../src/core/endpoints.ts';
import { consoleLogger, type Logger } from '../../src/core/log.ts';
import { synthesiseFit } from '../../sandbox/fit-synth.ts';
import { createGarminPlatform, type GarminPlatformOptions } from '../../src/platforms/garmin/garmin-platform.ts';
import type { GarminRegion } from '../../src/platforms/garmin/garmin-hosts.ts';
import type { Platform } from '../../src/platforms/platform.ts';
import {
  startGarminSandbox,
  type GarminSandbox,
  type GarminSandboxOptions,
  type SandboxAccountInput,
} from '../../sandbox/garmin/garmin-sandbox.ts';
import { MemoryPlatformState } from '../../src/store/state-box.ts';
import type { Activity } from '../../src/core/activity.ts';

export const EMAIL = 'runner@example.com';
export const PASSWORD = 'correct-horse-battery-42';
export const BASE_START = Date.UTC(2026, 0, 1) / 1000;

/** Output captured from a real console logger (what a user would see). */
export interface CapturedLog {
  readonly log: Logger;
  readonly lines: string[];
}

export function captureLog(): CapturedLog {
  const lines: string[] = [];
  return {
    lines,
    log: consoleLogger({ verbose: true, out: (line) => lines.push(line), err: (line) => lines.push(line) }),
  };
}

export function fitFor(
  startUtc: number,
  options: {
    sport?: string;
    subSport?: string;
    manufacturer?: 'garmin' | 'coros';
    distanceM?: number;
    elapsedSec?: number;
    heartRate?: number;
  } = {},
): Uint8Array {
  return synthesiseFit({
    startUtc,
    elapsedSec: options.elapsedSec ?? 1800,
    distanceM: options.distanceM ?? 5000,
    sport: options.sport ?? 'running',
    ...(options.subSport ? { subSport: options.subSport } : {}),
    manufacturer: options.manufacturer ?? 'garmin',
    product: 4315,
    samples: 3,
    ...(options.heartRate ? { heartRate: options.heartRate } : {}),
  });
}

/** A sandbox holding the test account; it is closed when the test that started it finishes. */
export async function sandboxWithAccount(
  region: GarminRegion,
  options: GarminSandboxOptions & { mfa?: SandboxAccountInput['mfa'] } = {},
): Promise<GarminSandbox> {
  const sandbox = await startGarminSandbox(options);
  onTestFinished(() => sandbox.close());
  sandbox.addAccount(region, { email: EMAIL, password: PASSWORD, ...(options.mfa ? { mfa: options.mfa } : {}) });
  return sandbox;
}

/** What every runGarminLogin call in a test passes: the sandbox's hosts and clock, an MFA prompt, no env. */
export function loginOptions(sandbox: GarminSandbox, { region = 'com', mfaCode = '' }: LoginOptionsInput = {}) {
  return {
    region,
    endpoints: new EndpointMap().with(sandbox.endpointOverrides()),
    promptMfaCode: async () => mfaCode,
    log: captureLog().log,
    env: {},
    now: sandbox.now,
  };
}

interface LoginOptionsInput {
  readonly region?: GarminRegion;
  readonly mfaCode?: string;
}

export interface Harness {
  readonly platform: Platform;
  readonly state: MemoryPlatformState;
  readonly captured: CapturedLog;
}

export function platformFor(
  sandbox: GarminSandbox,
  region: GarminRegion,
  overrides: Partial<GarminPlatformOptions> & { state?: MemoryPlatformState } = {},
): Harness {
  const state = overrides.state ?? new MemoryPlatformState();
  const captured = captureLog();
  const platform = createGarminPlatform({
    region,
    endpoints: new EndpointMap().with(sandbox.endpointOverrides()),
    state,
    credentials: {},
    log: captured.log,
    now: sandbox.now,
    backoff: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2000 },
    uploadPoll: { intervalMs: 5, timeoutMs: 2000 },
    env: {},
    ...overrides,
  });
  return { platform, state, captured };
}

export async function listAll(platform: Platform): Promise<Activity[]> {
  const all: Activity[] = [];
  for await (const page of platform.listActivities()) all.push(...page);
  return all;
}

/** Every string a test must never find in output or state. */
export function assertNoSecrets(haystacks: readonly string[], secrets: readonly (string | undefined)[]): void {
  const text = haystacks.join('\n');
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    if (text.includes(secret)) throw new Error(`secret leaked: ${secret.slice(0, 6)}…`);
  }
  if (/\bST-\d+-[A-Za-z0-9]{6,}-(?:sso|cas)\b/.test(text)) throw new Error('a service ticket leaked');
}

/** Plain (unsealed) values of a memory state, i.e. what would be written without encryption. */
export function plainStateText(state: MemoryPlatformState): string {
  return JSON.stringify([...state.plain.entries()]);
}
