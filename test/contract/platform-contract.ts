import { describe, expect, it } from 'vitest';
import type { Activity } from '../../src/core/activity.ts';
import { errorKind } from '../../src/core/errors.ts';
import type { Platform, UploadOutcome } from '../../src/platforms/platform.ts';
import { distinctRunFit } from '../support/fits.ts';

/**
 * One world for one implementation of `Platform`: the adapter under test and the knobs of the
 * service behind it (an in-memory platform, or a sandbox reached over loopback HTTP).
 */
export interface ContractWorld {
  /** A connected-on-demand adapter over the world's account. */
  readonly platform: Platform;
  /** Puts a recorded workout on the service (as the device would). */
  seedRecorded(startUtc: number): Promise<void>;
  /** Puts a workout typed in by hand (no original file) on the service. */
  seedManual(startUtc: number): Promise<void>;
  /** Number of workouts the service holds now. */
  count(): number;
  /** While on, the service accepts uploads but does not finish processing them. */
  slowProcessing(on: boolean): void;
  /** The service answers the next requests with server errors (more than the adapter retries). */
  serverDown(): void;
  /** An adapter for the same account with a wrong password. */
  withWrongPassword(): Platform;
  close(): Promise<void>;
}

export interface ContractSubject {
  readonly name: string;
  start(): Promise<ContractWorld>;
}

const BASE = Date.UTC(2026, 2, 2, 6, 0, 0) / 1000;
const HOUR = 3600;

/** The FIT the contract records: a Garmin run, different bytes on every call. */
const recordedFit = (startUtc: number): Uint8Array => distinctRunFit(startUtc);

export { recordedFit as contractFit };

async function listPages(platform: Platform, pageSize: number): Promise<Activity[][]> {
  const pages: Activity[][] = [];
  for await (const page of platform.listActivities({ pageSize })) pages.push([...page]);
  return pages;
}

async function thrownBy(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure, got none');
}

/** The source record an upload carries: a workout on another platform. */
function sourceFor(startUtc: number): Activity {
  return {
    platform: 'garmin_cn',
    remoteId: `source-${startUtc}`,
    startUtc,
    elapsedSec: 1800,
    distanceM: 5000,
    sport: { id: 'run', family: 'run', code: 'running' },
    name: 'contract run',
    device: 'Forerunner 965',
    vendor: 'garmin',
    manual: false,
  };
}

/** Polls a pending upload as later runs would, until the service has finished. */
async function settle(platform: Platform, outcome: UploadOutcome, source: Activity): Promise<UploadOutcome> {
  let current = outcome;
  for (let check = 0; check < 20 && current.kind === 'pending'; check++)
    current = await platform.checkPendingUpload!(current.ticket, source);
  return current;
}

/** The behaviour the engine relies on, for every implementation of Platform. */
export function platformContract(subject: ContractSubject): void {
  describe(`Platform contract: ${subject.name}`, () => {
    const withWorld = (body: (world: ContractWorld) => Promise<void>) => async () => {
      const world = await subject.start();
      try {
        await body(world);
      } finally {
        await world.close();
      }
    };

    it(
      'lists every workout once, newest first, in pages no larger than asked for',
      withWorld(async (world) => {
        const starts = [0, 5, 1, 6, 2, 4, 3].map((day) => BASE + day * 24 * HOUR);
        for (const start of starts) await world.seedRecorded(start);
        await world.platform.connect();
        const pages = await listPages(world.platform, 3);
        expect(pages.length).toBeGreaterThanOrEqual(3);
        for (const page of pages) expect(page.length).toBeLessThanOrEqual(3);
        const all = pages.flat();
        expect(all.map((activity) => activity.startUtc)).toEqual([...starts].sort((a, b) => b - a));
        expect(new Set(all.map((activity) => activity.remoteId)).size).toBe(starts.length);
        expect(all.every((activity) => activity.platform === world.platform.id)).toBe(true);
      }),
    );

    it(
      'downloads the original file of a recorded workout and says no-original for a manual entry',
      withWorld(async (world) => {
        await world.seedRecorded(BASE + 2 * HOUR);
        await world.seedManual(BASE + 5 * HOUR);
        await world.platform.connect();
        const [manual, recorded] = (await listPages(world.platform, 50)).flat();
        expect(manual!.startUtc).toBe(BASE + 5 * HOUR);
        const none = await world.platform.downloadFit(manual!);
        expect(none.kind).toBe('no-original');
        const fit = await world.platform.downloadFit(recorded!);
        expect(fit.kind).toBe('fit');
        if (fit.kind === 'fit') expect(Buffer.from(fit.bytes.subarray(8, 12)).toString('latin1')).toBe('.FIT');
      }),
    );

    it(
      'upload → created; the same file again → duplicate, with nothing new on the service',
      withWorld(async (world) => {
        await world.platform.connect();
        const start = BASE + 30 * 24 * HOUR;
        const bytes = recordedFit(start);
        const source = sourceFor(start);
        const first = await world.platform.uploadFit({ bytes, fileName: 'contract.fit', source });
        expect(first.kind).toBe('created');
        expect(world.count()).toBe(1);
        const again = await world.platform.uploadFit({ bytes, fileName: 'contract.fit', source });
        expect(again.kind).toBe('duplicate');
        expect(world.count()).toBe(1);
      }),
    );

    it(
      'upload while the service is slow → pending with a ticket; checking later → created, uploaded once',
      withWorld(async (world) => {
        await world.platform.connect();
        const start = BASE + 40 * 24 * HOUR;
        const source = sourceFor(start);
        world.slowProcessing(true);
        const outcome = await world.platform.uploadFit({ bytes: recordedFit(start), fileName: 'slow.fit', source });
        expect(outcome.kind).toBe('pending');
        if (outcome.kind !== 'pending') return;
        expect(outcome.ticket).not.toBe('');
        expect(world.platform.checkPendingUpload).toBeTypeOf('function');
        const still = await world.platform.checkPendingUpload!(outcome.ticket, source);
        expect(still.kind).toBe('pending');
        world.slowProcessing(false);
        const settled = await settle(world.platform, still, source);
        expect(settled.kind).toBe('created');
        expect(world.count()).toBe(1);
      }),
    );

    it(
      'deletes a workout: it is gone from the listing and from the service',
      withWorld(async (world) => {
        await world.seedRecorded(BASE + HOUR);
        await world.seedRecorded(BASE + 2 * HOUR);
        await world.platform.connect();
        const [newest] = (await listPages(world.platform, 50)).flat();
        await world.platform.deleteActivity(newest!);
        expect(world.count()).toBe(1);
        const left = (await listPages(world.platform, 50)).flat();
        expect(left.map((activity) => activity.remoteId)).not.toContain(newest!.remoteId);
        expect(left).toHaveLength(1);
      }),
    );

    it(
      'names its failures: a wrong password is auth, a service that keeps failing is retryable',
      withWorld(async (world) => {
        const wrong = world.withWrongPassword();
        expect(errorKind(await thrownBy(() => wrong.connect()))).toBe('auth');

        await world.seedRecorded(BASE);
        await world.platform.connect();
        world.serverDown();
        const down = await thrownBy(() => listPages(world.platform, 50));
        expect(errorKind(down)).toBe('retryable');
      }),
    );
  });
}
