import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { EndpointMap } from '../../src/core/endpoints.ts';
import { RejectedError } from '../../src/core/errors.ts';
import { HttpClient } from '../../src/http/http-client.ts';
import { readZipEntries } from '../../src/fit/zip-read.ts';
import { runGarminLogin } from '../../src/platforms/garmin/garmin-login.ts';
import { decodeTokenBlob } from '../../src/platforms/garmin/garmin-tokens.ts';
import type { GarminSandbox } from '../../sandbox/garmin/garmin-sandbox.ts';
import { captureLog, EMAIL, PASSWORD, sandboxWithAccount } from './garmin-test-kit.ts';

const SERVICE = 'https://mobile.integration.garmin.com/gcm/android';
const QUERY = new URLSearchParams({ clientId: 'GCM_ANDROID_DARK', locale: 'en-US', service: SERVICE }).toString();
const CLIENT = 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2';

function client(box: GarminSandbox): HttpClient {
  return new HttpClient({ endpoints: new EndpointMap().with(box.endpointOverrides()), backoff: { attempts: 1 } });
}

function exchange(http: HttpClient, ticket: string, serviceUrl: string, clientId = CLIENT) {
  return http.request({
    method: 'POST',
    url: 'https://diauth.garmin.com/di-oauth2-service/oauth/token',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: 'Basic ' + Buffer.from(`${clientId}:`).toString('base64'),
    },
    body: new URLSearchParams({
      client_id: clientId,
      service_ticket: ticket,
      grant_type: 'https://connectapi.garmin.com/di-oauth2-service/oauth/grant/service_ticket',
      service_url: serviceUrl,
    }).toString(),
    accept: [400, 401],
  });
}

describe('Garmin sandbox is as strict as the real service', () => {
  it('tickets are single-use and bound to their service URL; unknown client ids are refused', async () => {
    const sandbox = await sandboxWithAccount('com');
    const http = client(sandbox);
    const wrongService = await exchange(
      http,
      sandbox.mintTicket('com', EMAIL, SERVICE),
      'https://sso.garmin.com/sso/embed',
    );
    expect(wrongService.status).toBe(400);
    expect(wrongService.json()).toMatchObject({
      error: 'invalid_request',
      error_description: 'invalid service ticket provided',
    });

    const ticket = sandbox.mintTicket('com', EMAIL, SERVICE);
    expect((await exchange(http, ticket, SERVICE, 'SOME_OTHER_CLIENT')).json()).toMatchObject({
      error: 'invalid_client',
    });
    expect((await exchange(http, ticket, SERVICE)).status).toBe(200);
    expect((await exchange(http, ticket, SERVICE)).json()).toMatchObject({ error: 'invalid_request' });
  });

  it('tickets expire', async () => {
    const sandbox = await sandboxWithAccount('com', { ticketTtlSec: 5 });
    const ticket = sandbox.mintTicket('com', EMAIL);
    sandbox.advanceClock(6);
    expect((await exchange(client(sandbox), ticket, SERVICE)).status).toBe(400);
  });

  it('MFA verification needs the cookie jar of the pending login and expires', async () => {
    const sandbox = await sandboxWithAccount('com', { mfa: { code: '123456' }, mfaTtlSec: 60 });
    const base = sandbox.endpointOverrides()['sso.garmin.com'];
    const page = await fetch(
      `${base}/mobile/sso/en_US/sign-in?${new URLSearchParams({ clientId: 'GCM_ANDROID_DARK', service: SERVICE })}`,
    );
    const seedJar = page.headers
      .getSetCookie()
      .map((cookie) => cookie.split(';')[0])
      .join('; ');
    const login = await fetch(`${base}/mobile/api/login?${QUERY}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: seedJar },
      body: JSON.stringify({ username: EMAIL, password: PASSWORD, rememberMe: false, captchaToken: '' }),
    });
    expect(((await login.json()) as { responseStatus: { type: string } }).responseStatus.type).toBe('MFA_REQUIRED');
    const jar = seedJar;
    const verify = (cookie: string | undefined, code = '123456') =>
      fetch(`${base}/mobile/api/mfa/verifyCode?${QUERY}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(cookie ? { Cookie: cookie } : {}) },
        body: JSON.stringify({
          mfaMethod: 'email',
          mfaVerificationCode: code,
          rememberMyBrowser: false,
          reconsentList: [],
          mfaSetup: false,
        }),
      });
    expect((await verify(undefined)).status).toBe(401);
    const wrong = (await (await verify(jar, '000000')).json()) as { responseStatus: { type: string } };
    expect(wrong.responseStatus.type).toBe('MFA_CODE_INVALID');
    sandbox.advanceClock(61);
    expect((await verify(jar)).status).toBe(401);
  });

  it('the widget POST without the page CSRF is refused (403)', async () => {
    const sandbox = await sandboxWithAccount('com');
    const base = sandbox.endpointOverrides()['sso.garmin.com'];
    const response = await fetch(`${base}/sso/signin?id=gauth-widget`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: EMAIL, password: PASSWORD, embed: 'true', _csrf: 'ABC' }).toString(),
    });
    expect(response.status).toBe(403);
  });

  it('the login command falls back through rotated-away client ids (invalid_client) to one Garmin still knows', async () => {
    const sandbox = await sandboxWithAccount('com', { clientIds: ['GARMIN_CONNECT_MOBILE_ANDROID_DI'] });
    const result = await runGarminLogin({
      region: 'com',
      endpoints: new EndpointMap().with(sandbox.endpointOverrides()),
      email: EMAIL,
      password: PASSWORD,
      promptMfaCode: async () => '',
      log: captureLog().log,
      env: {},
      now: sandbox.now,
    });
    expect(decodeTokenBlob(result.tokenBlob).clientId).toBe('GARMIN_CONNECT_MOBILE_ANDROID_DI');
    expect(sandbox.counters().exchanges).toBe(1);
  });
});

describe('zip reading is bounded and never trusts entry names', () => {
  it('picks the <id>_ACTIVITY entry as data only, refuses oversize entries and corrupt archives', () => {
    const archive = zipSync({
      '../../etc/evil.fit': new Uint8Array([1, 2, 3]),
      '123_ACTIVITY.fit': new Uint8Array(5000).fill(7),
    });
    const entries = readZipEntries(archive);
    expect(entries.map((entry) => entry.name)).toEqual(['../../etc/evil.fit', '123_ACTIVITY.fit']);
    expect(entries[1]!.read()).toEqual(new Uint8Array(5000).fill(7));
    expect(() => readZipEntries(archive, { maxEntryBytes: 1000 })[1]!.read()).toThrow(RejectedError);
    expect(() => readZipEntries(archive, { maxEntries: 1 })).toThrow(/entries exceed/);
    expect(() => readZipEntries(new TextEncoder().encode('not a zip at all, just text here'))).toThrow(RejectedError);
    const stored = zipSync({ '123_ACTIVITY.fit': new Uint8Array(5000).fill(7) }, { level: 0 });
    const dataAt = Buffer.from(stored).indexOf(Buffer.alloc(16, 7));
    stored[dataAt + 100] = 8;
    expect(() => readZipEntries(stored)[0]!.read()).toThrow(/CRC/);
  });

  it('a deflate bomb cannot inflate past the declared size', () => {
    const bomb = zipSync({ 'b.fit': new Uint8Array(2_000_000) }, { level: 9 });
    // Lie about the uncompressed size in the central directory (offset 24 of the entry).
    const view = new DataView(bomb.buffer, bomb.byteOffset, bomb.byteLength);
    const eocd = bomb.byteLength - 22;
    const central = view.getUint32(eocd + 16, true);
    view.setUint32(central + 24, 100, true);
    expect(() => readZipEntries(bomb)[0]!.read()).toThrow(RejectedError);
  });
});
