import { describe, expect, it } from 'vitest';
import { EndpointMap } from '../../src/core/endpoints.ts';
import { AuthError } from '../../src/core/errors.ts';
import { HttpClient } from '../../src/http/http-client.ts';
import { summariseFit } from '../../src/fit/fit-summary.ts';
import { decodeTokenBlob } from '../../src/platforms/garmin/garmin-tokens.ts';
import {
  assertNoSecrets,
  BASE_START,
  EMAIL,
  fitFor,
  listAll,
  PASSWORD,
  plainStateText,
  platformFor,
  sandboxWithAccount,
} from './garmin-test-kit.ts';

describe('Garmin adapter against the sandbox (contract)', () => {
  it('lists 260 activities newest first in pages of 100, with string ids and UTC start times', async () => {
    const sandbox = await sandboxWithAccount('com');
    for (let i = 0; i < 260; i++) sandbox.addActivity('com', EMAIL, { fitBytes: fitFor(BASE_START + i * 3600) });
    const { platform } = platformFor(sandbox, 'com', {
      credentials: { tokenBlob: sandbox.mintTokenBlob('com', EMAIL) },
    });
    await platform.connect();

    const pages: number[] = [];
    const all = [];
    for await (const page of platform.listActivities()) {
      pages.push(page.length);
      all.push(...page);
    }
    expect(pages).toEqual([100, 100, 60]);
    expect(new Set(all.map((activity) => activity.remoteId)).size).toBe(260);
    expect(all.every((activity) => typeof activity.remoteId === 'string' && /^\d{11}$/.test(activity.remoteId))).toBe(
      true,
    );
    expect(all[0]!.startUtc).toBe(BASE_START + 259 * 3600);
    expect(all.at(-1)!.startUtc).toBe(BASE_START);
    expect(all[0]).toMatchObject({
      platform: 'garmin_com',
      elapsedSec: 1800,
      distanceM: 5000,
      vendor: 'garmin',
      manual: false,
      sport: { id: 'run', family: 'run', code: 'running' },
    });
    expect(sandbox.counters().sso).toBe(0);
  });

  it('downloads the original FIT, and reports manual and GPX-imported activities as having none', async () => {
    const sandbox = await sandboxWithAccount('com');
    const bytes = fitFor(BASE_START);
    const fit = sandbox.addActivity('com', EMAIL, { fitBytes: bytes });
    const manual = sandbox.addActivity('com', EMAIL, { fitBytes: fitFor(BASE_START + 7200), manual: true });
    const gpx = sandbox.addActivity('com', EMAIL, { fitBytes: fitFor(BASE_START + 9000), format: 'gpx' });
    const { platform } = platformFor(sandbox, 'com', {
      credentials: { tokenBlob: sandbox.mintTokenBlob('com', EMAIL) },
    });
    await platform.connect();
    const listed = await listAll(platform);
    const byId = new Map(listed.map((activity) => [activity.remoteId, activity]));

    const original = await platform.downloadFit(byId.get(String(fit.id))!);
    expect(original.kind).toBe('fit');
    if (original.kind === 'fit') {
      expect(Buffer.from(original.bytes).equals(Buffer.from(bytes))).toBe(true);
      expect(original.fileName).toBe(`${fit.id}.fit`);
    }
    const manualRecord = byId.get(String(manual.id))!;
    expect(manualRecord.manual).toBe(true);
    expect(await platform.downloadFit(manualRecord)).toMatchObject({ kind: 'no-original' });
    const gpxResult = await platform.downloadFit(byId.get(String(gpx.id))!);
    expect(gpxResult).toMatchObject({ kind: 'no-original' });
    if (gpxResult.kind === 'no-original') expect(gpxResult.reason).toMatch(/GPX/);
  });

  it('treats HTTP 500 on a manual activity download as "no original"', async () => {
    const sandbox = await sandboxWithAccount('com', { manualDownload500: true });
    sandbox.addActivity('com', EMAIL, { fitBytes: fitFor(BASE_START), manual: true });
    const { platform } = platformFor(sandbox, 'com', {
      credentials: { tokenBlob: sandbox.mintTokenBlob('com', EMAIL) },
      backoff: { attempts: 1 },
    });
    await platform.connect();
    const [manual] = await listAll(platform);
    expect(await platform.downloadFit(manual!)).toMatchObject({ kind: 'no-original' });
  });

  it('uploads: new (202 then status poll), duplicate (409 with the existing id), rejected (Garmin message)', async () => {
    let sandbox = await sandboxWithAccount('com', { uploadProcessingPolls: 2 });
    const existing = sandbox.addActivity('com', EMAIL, { fitBytes: fitFor(BASE_START) });
    const { platform } = platformFor(sandbox, 'com', {
      credentials: { tokenBlob: sandbox.mintTokenBlob('com', EMAIL) },
    });
    await platform.connect();
    const [source] = await listAll(platform);

    const fresh = fitFor(BASE_START + 86400, { manufacturer: 'coros' });
    const created = await platform.uploadFit({ bytes: fresh, fileName: 'coros/../evil name.fit', source: source! });
    expect(created.kind).toBe('created');
    const createdId = created.kind === 'created' ? created.remoteId : null;
    expect(createdId).toMatch(/^\d+$/);
    const stored = sandbox.activities('com', EMAIL).find((activity) => String(activity.id) === createdId);
    expect(stored?.startUtc).toBe(summariseFit(fresh).startUtc);
    expect(stored?.manufacturer).toBe('COROS');

    // A different file with the same start time is a duplicate of the existing activity.
    const duplicate = await platform.uploadFit({
      bytes: fitFor(BASE_START, { heartRate: 99 }),
      fileName: 'x.fit',
      source: source!,
    });
    expect(duplicate).toEqual({ kind: 'duplicate', existingId: String(existing.id) });

    const rejected = await platform.uploadFit({
      bytes: new TextEncoder().encode('this is not a FIT file at all'),
      fileName: 'bad.fit',
      source: source!,
    });
    expect(rejected.kind).toBe('rejected');
    if (rejected.kind === 'rejected') expect(rejected.message).toContain('The file is of a type we do not support.');

    // 200-with-body completion style is understood too.
    await sandbox.close();
    sandbox = await sandboxWithAccount('com', { uploadStatusStyle: '200' });
    const second = platformFor(sandbox, 'com', { credentials: { tokenBlob: sandbox.mintTokenBlob('com', EMAIL) } });
    await second.platform.connect();
    const outcome = await second.platform.uploadFit({ bytes: fresh, fileName: 'a.fit', source: source! });
    expect(outcome.kind).toBe('created');
    expect(outcome.kind === 'created' && outcome.remoteId).toBe(String(sandbox.activities('com', EMAIL)[0]!.id));
  });

  it('deletes (204), treats an already deleted id as done, and accepts the same file again afterwards', async () => {
    const sandbox = await sandboxWithAccount('com');
    const bytes = fitFor(BASE_START);
    sandbox.addActivity('com', EMAIL, { fitBytes: bytes });
    const { platform } = platformFor(sandbox, 'com', {
      credentials: { tokenBlob: sandbox.mintTokenBlob('com', EMAIL) },
    });
    await platform.connect();
    const [record] = await listAll(platform);
    await platform.deleteActivity(record!);
    expect(sandbox.activities('com', EMAIL)).toHaveLength(0);
    await platform.deleteActivity(record!);
    expect((await platform.uploadFit({ bytes, fileName: 'again.fit', source: record! })).kind).toBe('created');
  });

  it('refreshes an access token that expires within 15 minutes, rotating and persisting the refresh token', async () => {
    const sandbox = await sandboxWithAccount('com');
    const blob = sandbox.mintTokenBlob('com', EMAIL, { accessTtlSec: 600 });
    const oldRefresh = decodeTokenBlob(blob).refreshToken;
    const { platform, state, captured } = platformFor(sandbox, 'com', { credentials: { tokenBlob: blob } });
    await platform.connect();
    expect(sandbox.counters().refreshes).toBe(1);
    const stored = JSON.parse(state.getSecret('di_tokens')!) as { refreshToken: string; expiresAt: number };
    expect(stored.refreshToken).not.toBe(oldRefresh);
    expect(stored.expiresAt).toBeGreaterThan(Math.floor(sandbox.now() / 1000) + 900);

    // The used refresh token is dead: Garmin answers invalid_grant.
    const http = new HttpClient({ endpoints: new EndpointMap().with(sandbox.endpointOverrides()) });
    const reuse = await http.request({
      method: 'POST',
      url: 'https://diauth.garmin.com/di-oauth2-service/oauth/token',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: 'Basic ' + Buffer.from('GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2:').toString('base64'),
      },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
        refresh_token: oldRefresh,
      }).toString(),
      accept: [400],
    });
    expect(reuse.status).toBe(400);
    expect(reuse.json()).toEqual({ error: 'invalid_grant', error_description: 'Invalid refresh token' });

    // A second run with the same blob uses the rotated tokens from the state (the blob's refresh token is dead).
    const again = platformFor(sandbox, 'com', { state, credentials: { tokenBlob: blob } });
    await again.platform.connect();
    expect(await listAll(again.platform)).toEqual([]);
    expect(sandbox.counters().sso).toBe(0);
    assertNoSecrets(
      [...captured.lines, ...again.captured.lines, plainStateText(state)],
      [blob, oldRefresh, stored.refreshToken],
    );
  });

  it('after a 401 refreshes once and retries the request once', async () => {
    const sandbox = await sandboxWithAccount('com');
    sandbox.addActivity('com', EMAIL, { fitBytes: fitFor(BASE_START) });
    const { platform } = platformFor(sandbox, 'com', {
      credentials: { tokenBlob: sandbox.mintTokenBlob('com', EMAIL) },
    });
    await platform.connect();
    sandbox.expireAccessTokens('com');
    sandbox.resetCounters();
    expect(await listAll(platform)).toHaveLength(1);
    const counters = sandbox.counters();
    expect(counters.refreshes).toBe(1);
    expect(counters.byHost['connectapi.garmin.com']).toBe(2);
  });

  it('reports a dead refresh token as an auth error naming the login command', async () => {
    const sandbox = await sandboxWithAccount('com');
    const blob = sandbox.mintTokenBlob('com', EMAIL, { accessTtlSec: 600 });
    await platformFor(sandbox, 'com', { credentials: { tokenBlob: blob } }).platform.connect();
    // A fresh state with the original blob: its refresh token was rotated away.
    const { platform } = platformFor(sandbox, 'com', { credentials: { tokenBlob: blob } });
    const error = await platform.connect().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).message).toContain('Invalid refresh token');
    expect((error as AuthError).hint).toContain('node cli.js login --for action --region com');
  });

  it('CN: lists, refreshes at diauth.garmin.cn, and a CN token is refused by the COM hosts', async () => {
    const sandbox = await sandboxWithAccount('cn');
    sandbox.addAccount('com', { email: EMAIL, password: PASSWORD });
    sandbox.addActivity('cn', EMAIL, { fitBytes: fitFor(BASE_START) });
    const blob = sandbox.mintTokenBlob('cn', EMAIL, { accessTtlSec: 600 });
    const { platform } = platformFor(sandbox, 'cn', { credentials: { tokenBlob: blob } });
    await platform.connect();
    const listed = await listAll(platform);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ platform: 'garmin_cn', startUtc: BASE_START });
    const counters = sandbox.counters();
    expect(counters.byHost['diauth.garmin.cn']).toBe(1);
    expect(counters.byHost['diauth.garmin.com']).toBeUndefined();
    expect(counters.byHost['connectapi.garmin.com']).toBeUndefined();

    const cnToken = sandbox.mintTokens('cn', EMAIL);
    const http = new HttpClient({ endpoints: new EndpointMap().with(sandbox.endpointOverrides()) });
    const crossRegion = await http.request({
      url: 'https://connectapi.garmin.com/activitylist-service/activities/search/activities?start=0&limit=1',
      headers: { Authorization: `Bearer ${cnToken.accessToken}` },
      accept: [401],
    });
    expect(crossRegion.status).toBe(401);
    // A CN refresh token on the COM diauth: Garmin's "User doesn't exist in DB for GarminGUID".
    const wrongHost = await http.request({
      method: 'POST',
      url: 'https://diauth.garmin.com/di-oauth2-service/oauth/token',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: 'Basic ' + Buffer.from(`${cnToken.clientId}:`).toString('base64'),
      },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: cnToken.clientId,
        refresh_token: cnToken.refreshToken,
      }).toString(),
      accept: [400],
    });
    expect(wrongHost.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: "User doesn't exist in DB for GarminGUID",
    });
  });

  it('steady state with a valid token: zero SSO requests, secrets absent from output and plain state', async () => {
    const sandbox = await sandboxWithAccount('com');
    for (let i = 0; i < 5; i++) sandbox.addActivity('com', EMAIL, { fitBytes: fitFor(BASE_START + i * 3600) });
    const blob = sandbox.mintTokenBlob('com', EMAIL);
    const { platform, state, captured } = platformFor(sandbox, 'com', {
      credentials: { tokenBlob: blob, email: EMAIL, password: PASSWORD },
    });
    for (let run = 0; run < 3; run++) {
      await platform.connect();
      const listed = await listAll(platform);
      await platform.downloadFit(listed[0]!);
    }
    expect(sandbox.counters().sso).toBe(0);
    expect(sandbox.counters().refreshes).toBe(0);
    expect(await platform.credentialExpiry!()).toEqual(new Date(decodeTokenBlob(blob).refreshExpiresAt * 1000));
    const tokens = JSON.parse(state.getSecret('di_tokens')!) as { accessToken: string; refreshToken: string };
    assertNoSecrets(
      [...captured.lines, plainStateText(state)],
      [PASSWORD, blob, tokens.accessToken, tokens.refreshToken],
    );
  });

  it('survives injected 429 (Retry-After), 5xx, dropped connections and truncated bodies on reads', async () => {
    const sandbox = await sandboxWithAccount('com');
    for (let i = 0; i < 3; i++) sandbox.addActivity('com', EMAIL, { fitBytes: fitFor(BASE_START + i * 3600) });
    const { platform } = platformFor(sandbox, 'com', {
      credentials: { tokenBlob: sandbox.mintTokenBlob('com', EMAIL) },
      backoff: { attempts: 5, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2000 },
    });
    await platform.connect();
    sandbox.failNext(1, '429', { retryAfterSec: 0 });
    sandbox.failNext(1, '503', { retryAfterSec: 0 });
    sandbox.failNext(1, 'drop');
    sandbox.failNext(1, 'truncate');
    const listed = await listAll(platform);
    expect(listed).toHaveLength(3);
    sandbox.setFaults({ truncateRate: 0.3, dropRate: 0.2, seed: 7 });
    const result = await platform.downloadFit(listed[0]!);
    expect(result.kind).toBe('fit');
  });
});
