// The soak: three sandboxes, a world of overlapping workouts and duplicates, faults on every
// platform, SIGKILLs at random points, runs until one has nothing to do; then the invariants.
// `npm run soak` runs it at full size; test/sync/soak.test.ts runs a short version.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlatformId } from '../../src/core/activity.ts';
import { synthesiseFit } from '../../sandbox/fit-synth.ts';
import { startCorosSandbox } from '../../sandbox/coros/coros-sandbox.ts';
import { startGarminSandbox } from '../../sandbox/garmin/index.ts';
import { Store } from '../../src/store/store.ts';
import { seededRandom } from '../../sandbox/seeded-random.ts';

export interface SoakOptions {
  readonly workouts: number;
  readonly seed?: number;
  /** Share of requests that fail (429 with Retry-After, 5xx, dropped, truncated), default 0.1. */
  readonly faultRate?: number;
  readonly maxRuns?: number;
  readonly log?: (line: string) => void;
}

export interface SoakResult {
  readonly runs: number;
  readonly killedRuns: number;
  readonly requests: { readonly garmin: number; readonly coros: number };
  /** Faults the COROS sandbox injected (Garmin's are drawn at the same rate). */
  readonly corosFaults: number;
  readonly uploads: number;
  readonly deletions: number;
  /** Invariant violations; empty when the world converged exactly once. */
  readonly problems: readonly string[];
}

const child = join(import.meta.dirname, '..', 'support', 'sync-child.ts');
const DAY = 86_400;
const BASE = Date.UTC(2025, 0, 1, 6) / 1000;

interface ChildRun {
  readonly status: number | null;
  readonly signal: string | null;
  readonly result: Record<string, number> | null;
  readonly output: string;
}

function runChild(env: NodeJS.ProcessEnv, killAfterMs?: number): Promise<ChildRun> {
  return new Promise((resolve) => {
    const process_ = spawn(process.execPath, [child], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    process_.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    process_.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => process_.kill('SIGKILL'), killAfterMs);
    process_.on('exit', (status, signal) => {
      if (timer) clearTimeout(timer);
      const line = /^RESULT (.*)$/m.exec(output)?.[1];
      resolve({ status, signal, result: line ? (JSON.parse(line) as Record<string, number>) : null, output });
    });
  });
}

const nothingToDo = (result: Record<string, number> | null) =>
  result !== null &&
  ['uploaded', 'alreadyThere', 'deleted', 'failed', 'pending', 'remaining', 'duplicatesFound', 'setAside'].every(
    (key) => result[key] === 0,
  );

/** Builds the world, runs the soak and checks every invariant. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const random = seededRandom(options.seed ?? 20261201);
  const log = options.log ?? (() => undefined);
  const garmin = await startGarminSandbox({ uploadProcessingPolls: 1, pollHintMs: 5 });
  const coros = await startCorosSandbox({ knobs: { importDelayMs: 5 }, seed: options.seed ?? 7 });
  const dir = mkdtempSync(join(tmpdir(), 'ssx-soak-'));
  try {
    const accounts = { com: 'soak@example.com', cn: 'soak@example.cn', coros: 'soak-coros@example.com' };
    garmin.addAccount('com', { email: accounts.com, password: 'soak-password-com' });
    garmin.addAccount('cn', { email: accounts.cn, password: 'soak-password-cn' });
    coros.addAccount({ email: accounts.coros, password: 'soak-password-coros', regionId: 1 });

    // Each workout lives on one, two or three platforms; a few have an in-platform duplicate.
    const starts: number[] = [];
    const duplicateIds = new Set<string>();
    for (let index = 0; index < options.workouts; index++) {
      const startUtc = BASE + index * (DAY / 3) + Math.floor(random() * 600);
      starts.push(startUtc);
      const fields = {
        startUtc,
        elapsedSec: 1500 + Math.floor(random() * 3000),
        distanceM: 3000 + Math.floor(random() * 20_000),
        sport: 'running' as const,
        samples: 4,
      };
      const garminFit = synthesiseFit({ ...fields, manufacturer: 'garmin', product: 4315 });
      const corosFit = synthesiseFit({ ...fields, manufacturer: 'coros', product: 802 });
      const where = random();
      if (where < 0.4) garmin.addActivity('com', accounts.com, { fitBytes: garminFit });
      else if (where < 0.6) garmin.addActivity('cn', accounts.cn, { fitBytes: garminFit });
      else if (where < 0.85) {
        coros.addActivity(accounts.coros, { fitBytes: corosFit });
        if (random() < 0.12) {
          // The same workout again a few seconds later, imported from another app.
          const copy = synthesiseFit({ ...fields, startUtc: startUtc + 3, manufacturer: 'suunto', product: 1 });
          duplicateIds.add(`coros:${coros.addActivity(accounts.coros, { fitBytes: copy, device: 'Strava' }).labelId}`);
        }
      } else {
        garmin.addActivity('com', accounts.com, { fitBytes: garminFit });
        garmin.addActivity('cn', accounts.cn, { fitBytes: garminFit });
      }
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SYNC_PLATFORM: 'GARMINCOM,GARMINCN,COROS',
      GARMIN_TOKEN_COM: garmin.mintTokenBlob('com', accounts.com),
      GARMIN_TOKEN_CN: garmin.mintTokenBlob('cn', accounts.cn),
      COROS_EMAIL: accounts.coros,
      COROS_PASSWORD: 'soak-password-coros',
      DELETE_DUPLICATE: '1',
      MAX_DELETES_PER_RUN: '50',
      // 10 % faults on every request is far above real rates: give each upload more tries than the default 3.
      MAX_UPLOAD_ATTEMPTS: '10',
      MAX_UPLOADS_PER_RUN: String(options.workouts * 3),
      GARMIN_NEWEST_NUM: String(options.workouts * 3),
      SYNC_DB_PATH: join(dir, 'sports_sync.sqlite'),
      FIT_DIR: join(dir, 'fit'),
      STATE_SECRET: 'soak-state-secret-not-a-password',
      SPORTS_SYNC_ENDPOINTS: JSON.stringify({ ...garmin.endpointOverrides(), ...coros.endpointOverrides() }),
    };
    const rate = options.faultRate ?? 0.1;
    const faultsOn = () => {
      garmin.setFaults({
        rate429: rate / 4,
        rate5xx: rate / 4,
        dropRate: rate / 4,
        truncateRate: rate / 4,
        retryAfterSec: 1,
        seed: Math.floor(random() * 1e9),
      });
      Object.assign(coros.knobs, {
        rate429: rate / 4,
        rate5xx: rate / 4,
        rateDrop: rate / 4,
        rateTruncate: rate / 4,
        retryAfterSec: 1,
      });
    };
    const faultsOff = () => {
      garmin.setFaults(undefined);
      Object.assign(coros.knobs, { rate429: 0, rate5xx: 0, rateDrop: 0, rateTruncate: 0 });
    };

    let runs = 0;
    let killedRuns = 0;
    let uploads = 0;
    let deletions = 0;
    const problems: string[] = [];
    const maxRuns = options.maxRuns ?? 30;
    for (; runs < maxRuns;) {
      runs++;
      // Not the run whose access token expires: a kill between Garmin's rotation of the refresh token
      // and our write of it loses the token on any client (garmin.md §4.7), which no retry can undo.
      const killThis = killedRuns < 3 && runs <= 6 && runs !== 2;
      // Faults in the first six runs; then the services recover and the runs must converge.
      if (runs <= 6) faultsOn();
      else faultsOff();
      if (runs === 2) garmin.expireAccessTokens('com');
      if (runs === 3) coros.failNext('kill-token', 1);
      const run = await runChild(env, killThis ? 500 + Math.floor(random() * 2500) : undefined);
      if (run.signal === 'SIGKILL') {
        killedRuns++;
        log(`run ${runs}: killed`);
        continue;
      }
      uploads += run.result?.uploaded ?? 0;
      deletions += run.result?.deleted ?? 0;
      log(`run ${runs}: ${JSON.stringify(run.result)}`);
      if (run.result === null)
        problems.push(`run ${runs} ended without a result (exit ${run.status}): ${run.output.slice(-400)}`);
      if (runs > 6 && nothingToDo(run.result)) break;
    }
    faultsOff();
    // One more run without faults must have nothing to do.
    const final = await runChild(env);
    runs++;
    if (!nothingToDo(final.result))
      problems.push(`the final run still had work: ${JSON.stringify(final.result)} ${final.output.slice(-600)}`);

    const lists: Record<PlatformId, Array<{ id: string; startUtc: number }>> = {
      garmin_com: garmin
        .activities('com', accounts.com)
        .map((activity) => ({ id: String(activity.id), startUtc: activity.startUtc })),
      garmin_cn: garmin
        .activities('cn', accounts.cn)
        .map((activity) => ({ id: String(activity.id), startUtc: activity.startUtc })),
      coros: coros
        .activities(accounts.coros)
        .map((activity) => ({ id: activity.labelId, startUtc: activity.startTime })),
    };
    for (const [platform, list] of Object.entries(lists) as Array<
      [PlatformId, Array<{ id: string; startUtc: number }>]
    >) {
      for (const start of starts) {
        const copies = list.filter((record) => Math.abs(record.startUtc - start) <= 60).length;
        if (copies !== 1)
          problems.push(
            `${platform} holds ${copies} records of the workout at ${new Date(start * 1000).toISOString()}`,
          );
      }
      if (list.length !== starts.length)
        problems.push(`${platform} holds ${list.length} records for ${starts.length} workouts`);
      for (const key of duplicateIds)
        if (key.startsWith(`${platform}:`) && list.some((record) => `${platform}:${record.id}` === key))
          problems.push(`duplicate ${key} was not deleted`);
    }
    if (deletions > duplicateIds.size) problems.push(`${deletions} deletions for ${duplicateIds.size} duplicates`);
    const store = Store.open(env.SYNC_DB_PATH!);
    try {
      for (const [platform, list] of Object.entries(lists) as Array<[PlatformId, Array<{ id: string }>]>) {
        const known = new Set(store.presentActivities(platform).map((activity) => activity.remoteId));
        const actual = new Set(list.map((record) => record.id));
        const missing = [...actual].filter((id) => !known.has(id));
        const extra = [...known].filter((id) => !actual.has(id));
        if (missing.length || extra.length)
          problems.push(
            `the database disagrees with ${platform}: ${missing.length} missing, ${extra.length} not there`,
          );
      }
    } finally {
      store.close();
    }
    const garminCounters = garmin.counters();
    const corosRequests = Object.entries(coros.counters)
      .filter(([key]) => !key.startsWith('fault:'))
      .reduce((sum, [, value]) => sum + value, 0);
    const corosFaults = Object.entries(coros.counters)
      .filter(([key]) => key.startsWith('fault:'))
      .reduce((sum, [, value]) => sum + value, 0);
    return {
      runs,
      killedRuns,
      requests: { garmin: garminCounters.total, coros: corosRequests + corosFaults },
      corosFaults,
      uploads,
      deletions,
      problems,
    };
  } finally {
    await Promise.all([garmin.close(), coros.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
