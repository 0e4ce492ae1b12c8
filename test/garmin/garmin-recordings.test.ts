import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summariseFit } from '../../src/fit/fit-summary.ts';
import { HttpResponse } from '../../src/http/http-client.ts';
import { readZipEntries } from '../../src/fit/zip-read.ts';
import { mapGarminActivity, type GarminListItem } from '../../src/platforms/garmin/garmin-activities.ts';
import { importOutcome } from '../../src/platforms/garmin/garmin-platform.ts';
import {
  extractCsrf,
  extractInlineStatus,
  extractTitle,
  extractWidgetTicket,
  parseMobileLoginResponse,
} from '../../src/platforms/garmin/garmin-sso.ts';
import { startGarminSandbox, type GarminSandbox } from '../../sandbox/garmin/garmin-sandbox.ts';
import { BASE_START, EMAIL, fitFor, PASSWORD } from './garmin-test-kit.ts';
import { loadCassette, recordingsAvailable, SKIP_REASON, type RecordedExchange } from './vcr.ts';

const available = recordingsAvailable();
if (!available) console.log(`skipping Garmin recording tests: ${SKIP_REASON}`);

function find(exchanges: RecordedExchange[], method: string, pathPart: string, index = 0): RecordedExchange {
  const matches = exchanges.filter((exchange) => exchange.method === method && exchange.uri.includes(pathPart));
  const found = matches[index];
  if (!found) throw new Error(`no recorded ${method} ${pathPart}`);
  return found;
}

describe.skipIf(!available)('parsers against recorded Garmin exchanges', () => {
  it('activity list: ids, UTC start times, sport and vendor', () => {
    const list = find(loadCassette('api/test_activity_list.yaml'), 'GET', '/search/activities');
    const items = JSON.parse(list.text()) as GarminListItem[];
    expect(items).toHaveLength(3);
    const first = mapGarminActivity(items[0]!, 'com')!;
    expect(first).toMatchObject({
      remoteId: '21482825013',
      startUtc: Date.UTC(2026, 0, 8, 14, 10, 21) / 1000,
      sport: { family: 'run', code: 'trail_running' },
      vendor: 'garmin',
      manual: false,
    });
    expect(first.elapsedSec).toBe(2225);
    const mapped = items.map((item) => mapGarminActivity(item, 'com')!);
    expect(
      mapped.every(
        (activity) => activity.startUtc * 1000 === (items[mapped.indexOf(activity)]!.beginTimestamp as number),
      ),
    ).toBe(true);

    const pages = loadCassette('api/test_activity_list_pagination.yaml').filter((exchange) =>
      exchange.uri.includes('/search/activities'),
    );
    const ids = pages.flatMap((page) =>
      (JSON.parse(page.text()) as GarminListItem[]).map((item) => mapGarminActivity(item, 'com')!.remoteId),
    );
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
  });

  it('original download: the recorded zip yields <id>_ACTIVITY.fit, a decodable FIT', () => {
    const download = find(loadCassette('api/test_download.yaml'), 'GET', '/download-service/files/activity/');
    expect(download.headers.get('content-type')?.[0]).toBe('application/x-zip-compressed');
    const entries = readZipEntries(download.body);
    expect(entries.map((entry) => entry.name)).toEqual(['11998957007_ACTIVITY.fit']);
    const fit = entries[0]!.read();
    expect(fit.byteLength).toBe(88212);
    expect(summariseFit(fit).startUtc).toBeGreaterThan(0);
    expect(() => readZipEntries(download.body, { maxEntryBytes: 1000 })[0]!.read()).toThrow(/limit/);
  });

  it('upload: the recorded 202 has no result yet, so the client polls the location', () => {
    const upload = find(loadCassette('api/test_upload.yaml'), 'POST', '/upload-service/upload');
    expect(upload.status).toBe(202);
    const response = new HttpResponse(
      202,
      new Headers({ 'content-type': 'application/json' }),
      upload.uri,
      upload.body,
    );
    expect(importOutcome(response, 'Garmin COM')).toBeUndefined();
    expect(upload.headers.get('location')?.[0]).toMatch(/\/activity-service\/activity\/status\/\d+\/[0-9a-f]{32}$/);
    expect(upload.headers.get('location-in-milliseconds')?.[0]).toBe('1000');
  });

  it('mobile login envelopes: SUCCESSFUL with ticket, MFA_REQUIRED, MFA success, INVALID_USERNAME_PASSWORD (401)', () => {
    const success = find(loadCassette('mobile-2026/test_login_success.yaml'), 'POST', '/mobile/api/login');
    expect(parseMobileLoginResponse(success.text())).toMatchObject({
      type: 'SUCCESSFUL',
      ticket: expect.stringMatching(/^ST-\d+-[A-Za-z0-9]{20}-sso$/),
    });
    const mfaCassette = loadCassette('mobile-2026/test_login_success_mfa.yaml');
    expect(parseMobileLoginResponse(find(mfaCassette, 'POST', '/mobile/api/login').text())).toMatchObject({
      type: 'MFA_REQUIRED',
      ticket: null,
      mfaMethod: 'email',
    });
    expect(parseMobileLoginResponse(find(mfaCassette, 'POST', '/mobile/api/mfa/verifyCode').text())).toMatchObject({
      type: 'SUCCESSFUL',
    });
    const fail = find(loadCassette('mobile-2026/test_login_email_password_fail.yaml'), 'POST', '/mobile/api/login');
    expect(fail.status).toBe(401);
    expect(parseMobileLoginResponse(fail.text())?.type).toBe('INVALID_USERNAME_PASSWORD');
  });

  it('widget pages: CSRF, Success ticket, FAIL status, MFA redirect and wrong-code page', () => {
    const success = loadCassette('widget-2023-2025/test_login_success.yaml');
    const signin = find(success, 'GET', '/sso/signin');
    expect(extractCsrf(signin.text())).toMatch(/^[0-9A-F]{40,}$/);
    const posted = find(success, 'POST', '/sso/signin');
    expect(extractTitle(posted.text())).toBe('Success');
    expect(extractWidgetTicket(posted.text())).toMatch(/^ST-\d+-[A-Za-z0-9]+-cas$/);

    const fail = find(loadCassette('widget-2023-2025/test_login_email_password_fail.yaml'), 'POST', '/sso/signin');
    expect(fail.status).toBe(401);
    expect(extractInlineStatus(fail.text())).toBe('FAIL');

    const mfa = loadCassette('widget-2023-2025/test_login_mfa_fail.yaml');
    const redirect = find(mfa, 'POST', '/sso/signin');
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')?.[0]).toContain('/sso/verifyMFA/loginEnterMfaCode?');
    const mfaPage = find(mfa, 'GET', '/sso/verifyMFA/loginEnterMfaCode');
    expect(mfaPage.text()).toContain('name="mfa-code"');
    expect(extractCsrf(mfaPage.text())).toBeTruthy();
    const wrongCode = find(mfa, 'POST', '/sso/verifyMFA/loginEnterMfaCode');
    expect(wrongCode.text()).toContain('id="invalidCode"');
  });
});

describe.skipIf(!available)('the sandbox answers in the recorded shapes', () => {
  let sandbox: GarminSandbox;
  beforeAll(async () => {
    sandbox = await startGarminSandbox();
    sandbox.addAccount('com', { email: EMAIL, password: PASSWORD });
    sandbox.addActivity('com', EMAIL, { fitBytes: fitFor(BASE_START) });
  });
  afterAll(async () => sandbox.close());

  const url = (host: string, path: string): string => `${sandbox.endpointOverrides()[host]}${path}`;

  it('list elements carry only fields the recorded list carries, with the same types', async () => {
    const recorded = (
      JSON.parse(find(loadCassette('api/test_activity_list.yaml'), 'GET', '/search/activities').text()) as Record<
        string,
        unknown
      >[]
    )[0]!;
    const token = sandbox.mintTokens('com', EMAIL).accessToken;
    const response = await fetch(
      url('connectapi.garmin.com', '/activitylist-service/activities/search/activities?start=0&limit=5'),
      { headers: { Authorization: `Bearer ${token}` } },
    );
    const ours = ((await response.json()) as Record<string, unknown>[])[0]!;
    for (const [key, value] of Object.entries(ours)) {
      expect(recorded, `field ${key}`).toHaveProperty(key);
      expect(typeof value, `type of ${key}`).toBe(typeof recorded[key]);
    }
    expect(String(ours.startTimeGMT)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('login envelopes have the recorded keys; the sign-in page sets the recorded cookies', async () => {
    const recordedFail = JSON.parse(
      find(loadCassette('mobile-2026/test_login_email_password_fail.yaml'), 'POST', '/mobile/api/login').text(),
    ) as Record<string, unknown>;
    const recordedPage = find(loadCassette('mobile-2026/test_login_success.yaml'), 'GET', '/mobile/sso/en/sign-in');
    const page = await fetch(url('sso.garmin.com', '/mobile/sso/en/sign-in?clientId=GCM_ANDROID_DARK'));
    const cookieNames = (headers: string[]): string[] => headers.map((header) => header.split('=')[0]!).sort();
    expect(cookieNames(page.headers.getSetCookie())).toEqual(cookieNames(recordedPage.headers.get('set-cookie') ?? []));
    const query = new URLSearchParams({
      clientId: 'GCM_ANDROID_DARK',
      locale: 'en-US',
      service: 'https://mobile.integration.garmin.com/gcm/android',
    });
    const seeded = await fetch(
      url(
        'sso.garmin.com',
        `/mobile/sso/en_US/sign-in?${new URLSearchParams({ clientId: 'GCM_ANDROID_DARK', service: 'https://mobile.integration.garmin.com/gcm/android' })}`,
      ),
    );
    const jar = seeded.headers
      .getSetCookie()
      .map((cookie) => cookie.split(';')[0])
      .join('; ');
    const fail = await fetch(url('sso.garmin.com', `/mobile/api/login?${query}`), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: jar },
      body: JSON.stringify({ username: EMAIL, password: 'nope-nope', rememberMe: false, captchaToken: '' }),
    });
    expect(fail.status).toBe(401);
    const ours = (await fail.json()) as Record<string, unknown>;
    expect(Object.keys(ours).sort()).toEqual(Object.keys(recordedFail).sort());
    expect(ours.responseStatus).toEqual(recordedFail.responseStatus);
  });

  it('delete answers 204, then the detail 404 body matches the recording', async () => {
    const recorded = loadCassette('api/test_delete.yaml');
    const gone = find(recorded, 'GET', '/activity-service/activity/', 1);
    const token = sandbox.mintTokens('com', EMAIL).accessToken;
    const [activity] = sandbox.activities('com', EMAIL);
    const headers = { Authorization: `Bearer ${token}` };
    expect(
      (
        await fetch(url('connectapi.garmin.com', `/activity-service/activity/${activity!.id}`), {
          method: 'DELETE',
          headers,
        })
      ).status,
    ).toBe(204);
    const after = await fetch(url('connectapi.garmin.com', `/activity-service/activity/${activity!.id}`), { headers });
    expect(after.status).toBe(gone.status);
    expect(await after.json()).toEqual(JSON.parse(gone.text()));
  });
});
