import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Activity } from '../../src/core/activity.ts';
import { EndpointMap } from '../../src/core/endpoints.ts';
import { HttpClient } from '../../src/http/http-client.ts';
import { PersonalApiClient } from '../../src/platforms/garmin/personal-api-client.ts';
import {
  startPersonalApiSandbox,
  TOKEN_PATH,
  type PersonalApiSandbox,
} from '../../sandbox/garmin-personal-api/index.ts';
import { MemoryPlatformState } from '../../src/store/state-box.ts';
import { BASE, DAY, TestClock, capturingLogger, garminRun } from './kit.ts';

const ACCOUNT = 'runner';
let sandbox: PersonalApiSandbox;
let clock: TestClock;

beforeEach(async () => {
  clock = new TestClock(Date.UTC(2026, 11, 1, 8));
  sandbox = await startPersonalApiSandbox({ now: clock.now });
  sandbox.addAccount('com', ACCOUNT);
  for (let index = 0; index < 7; index++)
    sandbox.addActivity('com', ACCOUNT, garminRun(21_400_000_001 + index, BASE + index * DAY));
});
afterEach(async () => {
  await sandbox.close();
});

function client(
  key: string,
  state = new MemoryPlatformState(),
  extra: Partial<ConstructorParameters<typeof PersonalApiClient>[0]> = {},
): PersonalApiClient {
  return new PersonalApiClient({
    region: 'com',
    apiKey: key,
    state,
    log: capturingLogger(),
    now: clock.now,
    sleep: clock.sleep,
    pagePauseMs: 0,
    http: new HttpClient({
      endpoints: EndpointMap.fromJson(JSON.stringify(sandbox.endpointOverrides())),
      sleep: clock.sleep,
      backoff: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    }),
    ...extra,
  });
}

async function all(pages: AsyncIterable<readonly Activity[]>): Promise<Activity[]> {
  const out: Activity[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

describe('Personal API client', () => {
  it.each(['snake', 'camel', 'jwt'] as const)(
    'accepts the %s token answer and keeps the token sealed for a day',
    async (shape) => {
      sandbox.knobs.tokenShape = shape;
      sandbox.knobs.tokenLifetimeSec = 6 * 3600;
      const state = new MemoryPlatformState();
      const key = sandbox.createKey('com', ACCOUNT);
      await client(key, state).connect();
      expect(sandbox.counters().exchanges).toBe(1);
      expect(state.sealed.has('personal.token')).toBe(true);
      // A new client (the next run) reuses the stored token while it has more than an hour left.
      clock.advanceHours(4);
      await client(key, state).connect();
      expect(sandbox.counters().exchanges).toBe(1);
      clock.advanceHours(1.5);
      await client(key, state).connect();
      expect(sandbox.counters().exchanges).toBe(2);
    },
  );

  it('a new key in the settings is exchanged even when a token of the old key is stored', async () => {
    const state = new MemoryPlatformState();
    await client(sandbox.createKey('com', ACCOUNT), state).connect();
    await client(sandbox.createKey('com', ACCOUNT), state).connect();
    expect(sandbox.counters().exchanges).toBe(2);
  });

  it('pages newest first and switches the paging parameter when the server ignores it', async () => {
    sandbox.knobs.pagingParam = 'offset';
    const state = new MemoryPlatformState();
    const listed = await all(client(sandbox.createKey('com', ACCOUNT), state).listActivities(3));
    expect(listed.map((activity) => activity.remoteId)).toEqual(
      [7, 6, 5, 4, 3, 2, 1].map((n) => String(21_400_000_000 + n)),
    );
    expect(state.getPlain('personal.pagingParam')).toBe('offset');
    // Next time the remembered name is used first: no repeated page.
    sandbox.resetCounters();
    await all(client(sandbox.createKey('com', ACCOUNT), state).listActivities(3));
    expect(sandbox.counters().listRequests).toBe(3);
  });

  it('falls back to beginTimestamp when startTimeGMT is missing', async () => {
    sandbox.knobs.omitStartTimeGmt = true;
    const listed = await all(client(sandbox.createKey('com', ACCOUNT)).listActivities(100));
    expect(listed.at(-1)!.startUtc).toBe(BASE);
  });

  it('on a 401 with a stored token, exchanges once and retries once', async () => {
    sandbox.knobs.exchangeRevokesOlder = true;
    const state = new MemoryPlatformState();
    const key = sandbox.createKey('com', ACCOUNT);
    await client(key, state).connect();
    // Another exchange elsewhere revokes the stored token.
    await client(key, new MemoryPlatformState()).connect();
    const listed = await all(client(key, state).listActivities(100));
    expect(listed).toHaveLength(7);
    expect(sandbox.counters().exchanges).toBe(3);
  });

  it('a deleted key fails with one line naming the setting', async () => {
    const key = sandbox.createKey('com', ACCOUNT);
    sandbox.deleteKey(key);
    await expect(client(key).connect()).rejects.toThrow(
      /^GARMIN_API_KEY_COM was rejected by Garmin \(HTTP 401: wrong, expired or deleted key\): create a new key/,
    );
    expect(sandbox.counters().exchanges).toBe(1);
  });

  it.each([
    ['zip', 'fit'],
    ['bare', 'fit'],
    ['zip-gpx', 'no-original'],
  ] as const)('download body %s → %s', async (format, kind) => {
    sandbox.knobs.downloadFormat = format;
    const api = client(sandbox.createKey('com', ACCOUNT));
    const [newest] = await all(api.listActivities(1));
    const result = await api.downloadFit(newest!);
    expect(result.kind).toBe(kind);
    if (result.kind === 'fit') expect(Buffer.from(result.bytes.subarray(8, 12)).toString('latin1')).toBe('.FIT');
  });

  it('a manual activity is "no original" after one request', async () => {
    sandbox.addActivity('com', ACCOUNT, garminRun(21_400_000_050, BASE + 20 * DAY, { manual: true, bytes: null }));
    const api = client(sandbox.createKey('com', ACCOUNT));
    const [newest] = await all(api.listActivities(1));
    expect(newest!.manual).toBe(true);
    sandbox.resetCounters();
    expect((await api.downloadFit(newest!)).kind).toBe('no-original');
    expect(sandbox.counters().downloads).toBe(1);
  });

  it('GARMIN_PERSONAL_DOWNLOAD_PATH is tried first', async () => {
    sandbox.knobs.downloadPath = '/activity-service/activity/{id}/original';
    const api = client(sandbox.createKey('com', ACCOUNT), new MemoryPlatformState(), {
      downloadPath: '/activity-service/activity/{id}/original',
    });
    const [newest] = await all(api.listActivities(1));
    sandbox.resetCounters();
    expect((await api.downloadFit(newest!)).kind).toBe('fit');
    expect(sandbox.counters().downloads).toBe(1);
  });

  it('a 503 is retried with backoff; at most two retries', async () => {
    const api = client(sandbox.createKey('com', ACCOUNT));
    await api.connect();
    sandbox.knobs.failNext503 = 2;
    expect(await all(api.listActivities(100))).toHaveLength(7);
    sandbox.knobs.failNext503 = 3;
    await expect(all(api.listActivities(100))).rejects.toThrow(/503/);
  });
});

describe('Personal API sandbox strictness', () => {
  const call = async (path: string, init: RequestInit = {}) =>
    fetch(`${sandbox.baseUrl}/personal.connectapi.garmin.com${path}`, init);

  it('refuses writes, unknown paths, refresh grants, other schemes and other-region keys', async () => {
    const key = sandbox.createKey('com', ACCOUNT);
    const exchange = await call(TOKEN_PATH, { method: 'POST', headers: { Authorization: `ApiKey ${key}` } });
    expect(exchange.status).toBe(200);
    const token = ((await exchange.json()) as { access_token: string }).access_token;
    const bearer = { Authorization: `Bearer ${token}` };
    expect((await call('/upload-service/upload', { method: 'POST', headers: bearer })).status).toBe(404);
    expect((await call('/activity-service/activity/21400000001', { method: 'DELETE', headers: bearer })).status).toBe(
      405,
    );
    expect((await call('/activity-service/activity/21400000001', { headers: bearer })).status).toBe(200);
    expect(
      (await call('/personalapitoken-service/personal-api/personal-api-key/refresh', { method: 'POST' })).status,
    ).toBe(404);
    expect((await call(TOKEN_PATH, { method: 'POST', headers: { Authorization: `Bearer ${key}` } })).status).toBe(401);
    expect(
      (await call('/activitylist-service/activities/search/activities?start=0&limit=101', { headers: bearer })).status,
    ).toBe(400);
    expect((await call('/activitylist-service/activities/search/activities?start=0&limit=5')).status).toBe(401);
    sandbox.addAccount('cn', ACCOUNT);
    const cn = await fetch(`${sandbox.baseUrl}/personal.connectapi.garmin.cn${TOKEN_PATH}`, {
      method: 'POST',
      headers: { Authorization: `ApiKey ${key}` },
    });
    expect(cn.status).toBe(401);
    const cnData = await fetch(
      `${sandbox.baseUrl}/personal.connectapi.garmin.cn/activitylist-service/activities/search/activities?start=0&limit=5`,
      { headers: bearer },
    );
    expect(cnData.status).toBe(401);
    expect(sandbox.counters().refusedWrites).toBe(2);
  });

  it('answers 429 with Retry-After when too many requests are in flight', async () => {
    sandbox.knobs.latencyMs = 50;
    const key = sandbox.createKey('com', ACCOUNT);
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        call(TOKEN_PATH, { method: 'POST', headers: { Authorization: `ApiKey ${key}` } }),
      ),
    );
    const limited = answers.filter((answer) => answer.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.headers.get('retry-after')).toBe('14');
    expect(sandbox.counters().maxInFlight).toBe(12);
  });
});
