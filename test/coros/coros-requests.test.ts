import { describe, expect, it } from 'vitest';
import { collect, corosClient, fitAt, garminSource, sandbox, sandboxPerTest } from './helpers.ts';

const EMAIL = 'counted@example.com';
const PASSWORD = 'counted password 2026';
const BASE = 1_767_852_621;

sandboxPerTest();

const requestsSince = (before: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(sandbox.counters)
      .map(([route, count]) => [route, count - (before[route] ?? 0)] as const)
      .filter(([, count]) => count > 0),
  );

describe('COROS requests per upload', () => {
  it('a first attempt costs four requests: storage, import, one look at the import list, the new id', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1 });
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    await platform.connect();
    const warm = { bytes: fitAt(BASE), fileName: 'a.fit', source: garminSource(BASE), firstAttempt: true };
    expect((await platform.uploadFit(warm)).kind).toBe('created'); // fetches the storage credential once
    const before = { ...sandbox.counters };
    const upload = { bytes: fitAt(BASE + 3600), fileName: 'b.fit', source: garminSource(BASE + 3600) };
    expect((await platform.uploadFit({ ...upload, firstAttempt: true })).kind).toBe('created');
    const counted = requestsSince(before);
    expect(Object.values(counted).reduce((sum, count) => sum + count, 0)).toBe(4);
    expect(counted['s3:put']).toBe(1);
  });

  it('a repeated attempt looks at the import list first, so the same bytes never import twice', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1 });
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    const upload = { bytes: fitAt(BASE), fileName: 'a.fit', source: garminSource(BASE) };
    const created = await platform.uploadFit({ ...upload, firstAttempt: true });
    const again = await platform.uploadFit(upload);
    expect(again).toEqual({ kind: 'duplicate', existingId: created.kind === 'created' ? created.remoteId : null });
    expect(sandbox.activities(EMAIL)).toHaveLength(1);
  });
});

describe('COROS uploads in parallel', () => {
  it('thirty at once all end created: one shared look at the import list serves them all', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1 });
    sandbox.knobs.importDelayMs = 20;
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    await platform.connect();
    const before = { ...sandbox.counters };
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, index) => {
        const start = BASE - index * 86_400;
        return platform.uploadFit({
          bytes: fitAt(start),
          fileName: `${index}.fit`,
          source: garminSource(start),
          firstAttempt: true,
        });
      }),
    );
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(Array(30).fill('created'));
    expect(sandbox.activities(EMAIL)).toHaveLength(30);
    // Far fewer list reads than uploads: the waits share them.
    expect(requestsSince(before).importList ?? 0).toBeLessThan(10);
  });
});

describe('COROS listing while records change', () => {
  const seed = (count: number) => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1 });
    for (let index = 0; index < count; index++)
      sandbox.addActivity(EMAIL, { fitBytes: fitAt(BASE - index * 86_400, { manufacturer: 'coros' }) });
  };

  it('a record deleted between pages neither hides an older one nor restarts the listing', async () => {
    seed(30);
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    const pages = platform.listActivities({ pageSize: 5 })[Symbol.asyncIterator]();
    const read = [];
    for (let page = 0; page < 4; page++) read.push(...(await pages.next()).value!);
    await platform.deleteActivity(read[0]!);
    const before = sandbox.counters['activity/query'] ?? 0;
    read.push(...(await collect({ [Symbol.asyncIterator]: () => pages })));
    const listed = new Set(read.map((activity) => activity.remoteId));
    for (const record of sandbox.activities(EMAIL)) expect(listed.has(record.labelId)).toBe(true);
    // Page 5 (which shows the change), page 4 again to cover the shift, pages 5 and 6: not all six again.
    expect((sandbox.counters['activity/query'] ?? 0) - before).toBe(4);
  });

  it('a record added between pages repeats no record and misses no older one', async () => {
    seed(12);
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    const pages = platform.listActivities({ pageSize: 5 })[Symbol.asyncIterator]();
    const first = (await pages.next()).value!;
    sandbox.addActivity(EMAIL, { fitBytes: fitAt(BASE + 86_400, { manufacturer: 'coros' }) });
    const rest = await collect({ [Symbol.asyncIterator]: () => pages });
    const ids = [...first, ...rest].map((activity) => activity.remoteId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(12);
  });
});
