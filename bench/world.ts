// The benchmark's world: the loopback sandboxes with injected latency, accounts filled with
// workouts, a child process per sync run, and request counts per platform.
import { spawn } from 'node:child_process';
import { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlatformId } from '../src/core/activity.ts';
import { synthesiseFit } from '../sandbox/fit-synth.ts';
import { startCorosSandbox, type CorosSandbox } from '../sandbox/coros/coros-sandbox.ts';
import { startGarminSandbox, type GarminSandbox } from '../sandbox/garmin/index.ts';

export const ACCOUNTS = {
  com: { email: 'bench@example.com', password: 'bench-password-com' },
  cn: { email: 'bench@example.cn', password: 'bench-password-cn' },
  coros: { email: 'bench-coros@example.com', password: 'bench-password-coros' },
} as const;

const BASE = Date.UTC(2015, 0, 1, 6) / 1000;
export const GENERATED_STATE_SECRET = 'q7Hk2ZpXv9LmA0tR4cWn8YbE1sJd6FgU';
/** A secret a person chose: derived with scrypt (about 150–200 ms of CPU every run). */
export const PASSPHRASE_STATE_SECRET = 'bench state secret chosen by a person';
const child = join(import.meta.dirname, 'sync-child.ts');

export type Requests = Record<PlatformId, number>;

/**
 * Time the sandboxes spent answering, per platform (from the request's arrival to the last byte
 * sent, the injected latency included). An emulator's own work grows with the accounts it holds
 * (it sorts every activity per listing, where a real service reads an index), so the client's
 * overhead is the wall time minus this, not minus an assumed 80 ms per request.
 */
const serviceMs: Requests = { garmin_com: 0, garmin_cn: 0, coros: 0 };
const platformOfPath = (path: string): PlatformId | undefined =>
  path.includes('garmin.cn')
    ? 'garmin_cn'
    : path.includes('garmin.com')
      ? 'garmin_com'
      : path.includes('coros')
        ? 'coros'
        : undefined;
const emit = Server.prototype.emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]) {
  if (event === 'request') {
    const [request, response] = args as [{ url?: string }, { once(event: 'finish', listener: () => void): void }];
    const platform = platformOfPath(request.url ?? '');
    const started = performance.now();
    if (platform) response.once('finish', () => (serviceMs[platform] += performance.now() - started));
  }
  return emit.call(this, event, ...args);
} as typeof Server.prototype.emit;

export interface World {
  readonly garmin: GarminSandbox;
  readonly coros: CorosSandbox;
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Every request goes through `latencyMs` of delay from now on (0 turns it off). */
  setLatency(ms: number): void;
  requests(): Requests;
  /** Adds a workout to the given platforms; `corosShiftSec` moves the COROS record (a wrong time zone). */
  addWorkout(index: number, where: readonly PlatformId[], corosShiftSec?: number): void;
  close(): Promise<void>;
}

export async function startWorld(
  platforms: readonly PlatformId[],
  settings: Record<string, string> = {},
): Promise<World> {
  // Uploads finish at once: every wait measured is the client's own.
  const garmin = await startGarminSandbox({ uploadProcessingPolls: 0 });
  const coros = await startCorosSandbox({ knobs: { importDelayMs: 0 } });
  const dir = mkdtempSync(join(tmpdir(), 'ssx-bench-'));
  garmin.addAccount('com', ACCOUNTS.com);
  garmin.addAccount('cn', ACCOUNTS.cn);
  coros.addAccount({ email: ACCOUNTS.coros.email, password: ACCOUNTS.coros.password, regionId: 1 });
  const names: Record<PlatformId, string> = { garmin_com: 'GARMINCOM', garmin_cn: 'GARMINCN', coros: 'COROS' };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SYNC_PLATFORM: platforms.map((id) => names[id]).join(','),
    GARMIN_TOKEN_COM: garmin.mintTokenBlob('com', ACCOUNTS.com.email),
    GARMIN_TOKEN_CN: garmin.mintTokenBlob('cn', ACCOUNTS.cn.email),
    COROS_EMAIL: ACCOUNTS.coros.email,
    COROS_PASSWORD: ACCOUNTS.coros.password,
    MAX_UPLOADS_PER_RUN: '100000',
    SYNC_DB_PATH: join(dir, 'sports_sync.sqlite'),
    FIT_DIR: join(dir, 'fit'),
    // Generated, as the README tells users to make it (`openssl rand -base64 24`): HKDF, not scrypt.
    STATE_SECRET: GENERATED_STATE_SECRET,
    SPORTS_SYNC_ENDPOINTS: JSON.stringify({ ...garmin.endpointOverrides(), ...coros.endpointOverrides() }),
    ...settings,
  };
  const garminHosts = Object.keys(garmin.endpointOverrides());
  return {
    garmin,
    coros,
    dir,
    env,
    setLatency(ms) {
      garmin.setFaults(ms > 0 ? { latencyMs: ms, hosts: garminHosts } : undefined);
      coros.knobs.latencyMs = ms;
    },
    requests() {
      const byHost = garmin.counters().byHost;
      const sum = (suffix: string) =>
        Object.entries(byHost)
          .filter(([host]) => host.endsWith(suffix))
          .reduce((total, [, n]) => total + n, 0);
      const corosRequests = Object.entries(coros.counters)
        .filter(([key]) => !key.startsWith('fault:'))
        .reduce((total, [, n]) => total + n, 0);
      return { garmin_com: sum('.com'), garmin_cn: sum('.cn'), coros: corosRequests };
    },
    addWorkout(index, where, corosShiftSec = 0) {
      const startUtc = BASE + index * 14_400 + (index % 7) * 37;
      const fields = {
        startUtc,
        elapsedSec: 1500 + (index % 50) * 60,
        distanceM: 3000 + (index % 97) * 150,
        sport: 'running' as const,
        samples: 4,
      };
      if (where.includes('garmin_com') || where.includes('garmin_cn')) {
        const fit = synthesiseFit({ ...fields, manufacturer: 'garmin', product: 4315 });
        if (where.includes('garmin_com')) garmin.addActivity('com', ACCOUNTS.com.email, { fitBytes: fit });
        if (where.includes('garmin_cn')) garmin.addActivity('cn', ACCOUNTS.cn.email, { fitBytes: fit });
      }
      if (where.includes('coros')) {
        // A shifted record says its zone (quarter hours east of UTC), as a watch set to local time as UTC would.
        const fitBytes = synthesiseFit({
          ...fields,
          startUtc: startUtc + corosShiftSec,
          manufacturer: 'coros',
          product: 802,
        });
        coros.addActivity(ACCOUNTS.coros.email, {
          fitBytes,
          ...(corosShiftSec ? { timezone: corosShiftSec / 900 } : {}),
        });
      }
    },
    async close() {
      await Promise.all([garmin.close(), coros.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SyncMeasure {
  readonly wallMs: number;
  /** Time the sandboxes spent answering this run's requests, per platform. */
  readonly serviceMs: Requests;
  readonly rssMiB: number;
  readonly counts: Record<string, number>;
  readonly requests: Requests;
}

/** One sync in a child process (the sandboxes' own memory stays out of its RSS). */
export async function runSyncChild(world: World, extraEnv: Record<string, string> = {}): Promise<SyncMeasure> {
  const before = world.requests();
  const serviceBefore = { ...serviceMs };
  const output = await new Promise<string>((resolve, reject) => {
    const process_ = spawn(process.execPath, [child], {
      env: { ...world.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    process_.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    process_.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    process_.on('error', reject);
    process_.on('exit', () => resolve(text));
  });
  const line = /^RESULT (.*)$/m.exec(output)?.[1];
  if (!line) throw new Error(`the sync child gave no result:\n${output.slice(-2000)}`);
  const after = world.requests();
  const result = JSON.parse(line) as Omit<SyncMeasure, 'requests' | 'serviceMs'>;
  const requests = {
    garmin_com: after.garmin_com - before.garmin_com,
    garmin_cn: after.garmin_cn - before.garmin_cn,
    coros: after.coros - before.coros,
  };
  const service = {
    garmin_com: serviceMs.garmin_com - serviceBefore.garmin_com,
    garmin_cn: serviceMs.garmin_cn - serviceBefore.garmin_cn,
    coros: serviceMs.coros - serviceBefore.coros,
  };
  return { ...result, requests, serviceMs: service };
}
