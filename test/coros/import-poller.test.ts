import { describe, expect, it } from 'vitest';
import { ImportPoller, type ImportJob } from '../../src/platforms/coros/import-poller.ts';

const job = (id: string, status: number, finishSize = status === 2 ? 1 : 0): ImportJob => ({
  id,
  md5: `md5-${id}`,
  status,
  finishSize,
  errorSize: 0,
  createTimeMs: undefined,
});

/** A poller over scripted list reads; records the size of every read and the pauses. */
function scripted(reads: Array<(size: number) => readonly ImportJob[]>, timeoutMs = 60_000) {
  const sizes: number[] = [];
  const pauses: number[] = [];
  let clock = 0;
  const poller = new ImportPoller({
    readJobs: async (size) => {
      sizes.push(size);
      const next = reads.shift();
      if (!next) throw new Error('no more reads scripted');
      return next(size);
    },
    sleep: async (ms) => {
      pauses.push(ms);
      clock += ms;
    },
    now: () => clock,
    firstIntervalMs: 500,
    maxIntervalMs: 3000,
    timeoutMs,
  });
  return { poller, sizes, pauses };
}

describe('the shared COROS import poller', () => {
  it('one read per round serves every waiting upload; pauses double while nothing finishes', async () => {
    const { poller, sizes, pauses } = scripted([
      () => [job('a', 1), job('b', 1)],
      () => [job('a', 2), job('b', 1)],
      () => [job('b', 2)],
    ]);
    const [a, b] = await Promise.all([poller.wait(job('a', 1), 'md5-a'), poller.wait(job('b', 1), 'md5-b')]);
    expect(a).toEqual({ job: job('a', 2), listed: true });
    expect(b).toEqual({ job: job('b', 2), listed: true });
    expect(sizes).toEqual([10, 10, 10]);
    expect(pauses).toEqual([500, 1000, 500]);
  });

  it('a job not among the ten newest is looked for among fifty; not there twice, it is handed back unlisted', async () => {
    const { poller, sizes } = scripted([() => [], () => [], () => []]);
    expect(await poller.wait(job('gone', 1), 'md5-gone')).toEqual({ job: job('gone', 1), listed: false });
    expect(sizes).toEqual([10, 50, 50]);
  });

  it('matches on the MD5 when the id differs, and reads fifty while more than eight wait', async () => {
    const ids = Array.from({ length: 9 }, (_, index) => `j${index}`);
    const { poller, sizes } = scripted([() => ids.map((id) => ({ ...job(`other-${id}`, 2), md5: `md5-${id}` }))]);
    const waits = await Promise.all(ids.map((id) => poller.wait(job(id, 1), `md5-${id}`)));
    expect(waits.every((wait) => wait.listed && wait.job.status === 2)).toBe(true);
    expect(sizes).toEqual([50]);
  });

  it('a job still processing at its deadline is handed back as it was last seen', async () => {
    const { poller } = scripted([() => [job('slow', 1)], () => [job('slow', 3)]], 1000);
    expect(await poller.wait(job('slow', 0), 'md5-slow')).toEqual({ job: job('slow', 3), listed: true });
  });

  it('a failed read fails every upload waiting on it', async () => {
    const { poller } = scripted([]);
    const waits = [poller.wait(job('a', 1), 'md5-a'), poller.wait(job('b', 1), 'md5-b')];
    for (const wait of waits) await expect(wait).rejects.toThrow(/no more reads scripted/);
  });
});
