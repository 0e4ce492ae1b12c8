import { describe, expect, it } from 'vitest';
import { BASE_START, EMAIL, fitFor, listAll, platformFor, sandboxWithAccount } from './garmin-test-kit.ts';

/** The waits before each upload status check, with the server's hint of 1,000 ms (no interval override). */
async function statusWaits(processingPolls: number, requestsIdle: boolean, uploads: number) {
  const sandbox = await sandboxWithAccount('com', { uploadProcessingPolls: processingPolls });
  sandbox.addActivity('com', EMAIL, { fitBytes: fitFor(BASE_START) });
  const waits: number[] = [];
  const { platform } = platformFor(sandbox, 'com', {
    credentials: { tokenBlob: sandbox.mintTokenBlob('com', EMAIL) },
    uploadPoll: { timeoutMs: 60_000 },
    sleep: async (ms) => void waits.push(ms),
    requestsIdle: () => requestsIdle,
  });
  await platform.connect();
  const [record] = await listAll(platform);
  const perUpload: number[][] = [];
  for (let day = 1; day <= uploads; day++) {
    const before = waits.length;
    const bytes = fitFor(BASE_START + day * 86_400, { manufacturer: 'coros' });
    expect((await platform.uploadFit({ bytes, fileName: `${day}.fit`, source: record! })).kind).toBe('created');
    perUpload.push(waits.slice(before));
  }
  return perUpload;
}

describe('the first status check of a Garmin upload', () => {
  it('waits the server hint while other requests wait for a slot', async () => {
    expect(await statusWaits(0, false, 2)).toEqual([[1000], [1000]]);
  });

  it('goes early when it delays nothing, as long as early checks find the upload done', async () => {
    expect(await statusWaits(0, true, 3)).toEqual([[200], [200], [200]]);
  });

  it('stops going early for the run once an early check finds the upload still processing', async () => {
    expect(await statusWaits(1, true, 2)).toEqual([
      [200, 1000],
      [1000, 1000],
    ]);
  });
});
