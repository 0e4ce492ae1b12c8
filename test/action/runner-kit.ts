import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { synthesiseFit } from '../../sandbox/fit-synth.ts';
import { startCorosSandbox, type CorosSandbox } from '../../sandbox/coros/coros-sandbox.ts';
import { startGarminSandbox, type GarminSandbox } from '../../sandbox/garmin/index.ts';
import type { GarminRegion } from '../../src/platforms/garmin/garmin-hosts.ts';
import { startActionsResultsFake, type ActionsResultsFake } from '../fakes/actions-results-fake.ts';
import { startFakeServer, type FakeHandler, type FakeServer } from '../notify/fake-server.ts';
import { createGitFixture, type GitFixture } from './git-fixture.ts';

/** The bundled action/index.js (built by test/global-setup.ts), run as the runner runs it. */
export const BUNDLE = join(resolve(import.meta.dirname, '../..'), 'action', 'index.js');

/** The accounts and secrets of the bundle tests' sandboxes. */
export const GARMIN_EMAIL = 'runner@example.com';
export const GARMIN_PASSWORD = 'garmin-Pa55word!';
export const COROS_EMAIL = 'rider@example.com';
export const COROS_PASSWORD = 'coros-Pa55word!';
export const STATE_SECRET = 'state-secret-0123456789';
export const BASE = 1_780_000_000;

/** A FIT whose heart rate (and so whose bytes and length) the caller picks; a run unless told otherwise. */
export function workoutFit(
  startUtc: number,
  manufacturer: 'garmin' | 'coros',
  heartRate: number,
  { sport = 'running', distanceM = 5000 + heartRate * 10 }: { sport?: string; distanceM?: number } = {},
): Uint8Array {
  return synthesiseFit({
    startUtc,
    elapsedSec: 1800 + (heartRate % 7) * 60,
    distanceM,
    sport,
    manufacturer,
    product: manufacturer === 'garmin' ? 3113 : 802,
    heartRate,
  });
}

export interface RunnerEvent {
  readonly name: string;
  readonly payload: Record<string, unknown>;
}

/**
 * A runner's files for one run under `gitRoot` (event, output, summary, and with `stateFile` the
 * state file) and the GITHUB_* and runner variables that point at them.
 */
export function runnerFiles(
  gitRoot: string,
  runId: string,
  workspace: string,
  event: RunnerEvent,
  stateFile: boolean,
): { readonly dir: string; readonly env: Record<string, string> } {
  const dir = join(gitRoot, `runner-${runId}`);
  mkdirSync(join(dir, 'temp'), { recursive: true });
  const eventPath = join(dir, 'event.json');
  writeFileSync(eventPath, JSON.stringify(event.payload));
  const files = stateFile ? ['output', 'summary', 'state'] : ['output', 'summary'];
  for (const name of files) writeFileSync(join(dir, name), '');
  return {
    dir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: join(dir, 'temp'),
      GITHUB_OUTPUT: join(dir, 'output'),
      GITHUB_STEP_SUMMARY: join(dir, 'summary'),
      ...(stateFile ? { GITHUB_STATE: join(dir, 'state') } : {}),
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_EVENT_NAME: event.name,
      GITHUB_REPOSITORY: 'octo/sync',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_REF_NAME: 'main',
      GITHUB_RUN_ID: runId,
      GITHUB_RUN_ATTEMPT: '1',
    },
  };
}

/** Everything a bundle run talks to, fresh for each test. */
export interface BundleWorld {
  readonly garmin: GarminSandbox;
  readonly coros: CorosSandbox;
  readonly fake: ActionsResultsFake;
  readonly git: GitFixture;
  readonly hook: FakeServer;
}

/** The sandboxes with the test accounts (Garmin in `garminRegions`), the results service, a git remote, a webhook. */
export async function startBundleWorld(
  garminRegions: readonly GarminRegion[],
  hook: FakeHandler,
): Promise<BundleWorld> {
  const garmin = await startGarminSandbox();
  for (const region of garminRegions) garmin.addAccount(region, { email: GARMIN_EMAIL, password: GARMIN_PASSWORD });
  const coros = await startCorosSandbox();
  coros.addAccount({ email: COROS_EMAIL, password: COROS_PASSWORD, regionId: 2 });
  const fake = await startActionsResultsFake();
  const git = createGitFixture();
  return { garmin, coros, fake, git, hook: await startFakeServer(hook) };
}

export async function closeBundleWorld(world: BundleWorld | undefined): Promise<void> {
  if (!world) return;
  await world.garmin.close();
  await world.coros.close();
  await world.fake.close();
  await world.hook.close();
  // SSX_KEEP_TMP=1 keeps the repositories and runner files for inspection.
  if (!process.env.SSX_KEEP_TMP) rmSync(world.git.root, { recursive: true, force: true });
  else console.log(`kept ${world.git.root}`);
}
