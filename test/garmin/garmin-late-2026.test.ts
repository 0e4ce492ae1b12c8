import { describe, expect, it } from 'vitest';
import { AuthError, ConfigError, RetryableError, describeError } from '../../src/core/errors.ts';
import { runGarminLogin } from '../../src/platforms/garmin/garmin-login.ts';
import { decodeTokenBlob } from '../../src/platforms/garmin/garmin-tokens.ts';
import { NATIVE_HEADERS } from '../../src/platforms/garmin/garmin-hosts.ts';
import { MemoryPlatformState } from '../../src/store/state-box.ts';
import {
  assertNoSecrets,
  BASE_START,
  captureLog,
  EMAIL,
  fitFor,
  listAll,
  loginOptions,
  PASSWORD,
  plainStateText,
  platformFor,
  sandboxWithAccount,
} from './garmin-test-kit.ts';

// The December 2026 review of ../shared/protocols/garmin.md ("What changed since 2026-11").

const MFA_CODE = '731902';

describe('refresh: only 400 invalid_grant ends the refresh token (§4.7)', () => {
  it('a refresh answered 403 twice keeps the tokens byte for byte; the run after it syncs without any login', async () => {
    const sandbox = await sandboxWithAccount('com');
    sandbox.addActivity('com', EMAIL, { fitBytes: fitFor(BASE_START) });
    const state = new MemoryPlatformState();
    const blob = sandbox.mintTokenBlob('com', EMAIL);
    const credentials = { email: EMAIL, password: PASSWORD, tokenBlob: blob };
    const first = platformFor(sandbox, 'com', { state, credentials });
    await first.platform.connect();
    const stored = state.getSecret('di_tokens');
    sandbox.advanceClock(14400); // the access token is now past its JWT exp
    sandbox.failNext(2, '403', { host: 'diauth.garmin.com' });
    sandbox.resetCounters();

    for (let run = 1; run <= 2; run++) {
      const blocked = platformFor(sandbox, 'com', { state, credentials });
      const error = await blocked.platform.connect().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RetryableError);
      expect(describeError(error)).toContain('tokens kept');
      expect(state.getSecret('di_tokens')).toBe(stored);
    }
    expect(sandbox.counters().sso).toBe(0);
    expect(sandbox.counters().loginPosts).toBe(0);

    const next = platformFor(sandbox, 'com', { state, credentials });
    await next.platform.connect();
    expect(await listAll(next.platform)).toHaveLength(1);
    expect(sandbox.counters().sso).toBe(0);
    expect(sandbox.requests().filter((request) => request.host === 'diauth.garmin.com')).toHaveLength(3); // two 403s, then the refresh
    expect(sandbox.counters().refreshes).toBe(1);
  });

  it('a 400 invalid_grant does end it: the stored tokens are dropped', async () => {
    const sandbox = await sandboxWithAccount('com');
    const state = new MemoryPlatformState();
    const tokens = sandbox.mintTokens('com', EMAIL);
    state.setSecret('di_tokens', JSON.stringify({ ...tokens, refreshToken: 'reused-refresh-token', expiresAt: 0 }));
    const { platform } = platformFor(sandbox, 'com', { state });
    await expect(platform.connect()).rejects.toBeInstanceOf(AuthError);
    expect(state.getSecret('di_tokens')).toBeUndefined();
  });
});

describe('rate limits and refused front doors pause logins (§3, §4.1, §6)', () => {
  it('a JSON 429 body with HTTP 200 at every front door pauses logins; the next run sends no SSO request', async () => {
    const sandbox = await sandboxWithAccount('com', { jsonRateLimitStatus: 200 });
    sandbox.blockLogin('com', 'json429', 'all');
    const state = new MemoryPlatformState();
    const first = platformFor(sandbox, 'com', { state, credentials: { email: EMAIL, password: PASSWORD } });
    const error = (await first.platform.connect().catch((caught: unknown) => caught)) as AuthError;
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toMatch(/login paused until .*rate limit \(JSON 429 body, HTTP 200\)/);
    expect(error.message).not.toMatch(/refused the email or password/);
    expect(state.getPlain('login_paused_until')).toBeDefined();

    sandbox.resetCounters();
    const next = platformFor(sandbox, 'com', { state, credentials: { email: EMAIL, password: PASSWORD } });
    await expect(next.platform.connect()).rejects.toThrow(/login paused until/);
    expect(sandbox.counters().sso).toBe(0);
  });

  it('a widget ticket the exchange refuses is given up on once (no client-id walk) and pauses logins', async () => {
    const sandbox = await sandboxWithAccount('com', { serverSideWidget: true });
    sandbox.blockLogin('com', '429', 'mobile');
    const state = new MemoryPlatformState();
    const { platform } = platformFor(sandbox, 'com', { state, credentials: { email: EMAIL, password: PASSWORD } });
    await expect(platform.connect()).rejects.toThrow(/login paused until .*ticket refused at the exchange \(widget\)/);
    expect(sandbox.counters().exchanges).toBe(1);
    expect(state.getPlain('login_paused_until')).toBeDefined();
  });

  it('a widget sign-in page without a CSRF token is a block, not a generic error', async () => {
    const sandbox = await sandboxWithAccount('com');
    sandbox.blockLogin('com', '429', 'mobile');
    sandbox.blockLogin('com', 'nocsrf', 'widget');
    const state = new MemoryPlatformState();
    const { platform } = platformFor(sandbox, 'com', { state, credentials: { email: EMAIL, password: PASSWORD } });
    await expect(platform.connect()).rejects.toThrow(/login paused until .*without a CSRF token/);
    expect(state.getPlain('login_paused_until')).toBeDefined();
  });

  it('a JSON 429 on the mobile login falls through to the widget once', async () => {
    const sandbox = await sandboxWithAccount('com', { widgetTokensInactive: false });
    sandbox.blockLogin('com', 'json429', 'mobile');
    const { platform, state } = platformFor(sandbox, 'com', { credentials: { email: EMAIL, password: PASSWORD } });
    await platform.connect();
    expect(state.getSecret('di_tokens')).toBeDefined();
    expect(
      sandbox
        .requests()
        .filter((request) => request.method === 'POST' && request.host === 'sso.garmin.com')
        .map((request) => request.path),
    ).toEqual(['/mobile/api/login', '/sso/signin']);
  });
});

describe('mobile login loads the sign-in page first (§4.1, python-garminconnect 0.3.20)', () => {
  it('the client GETs the sign-in page with the POST clientId, service and User-Agent, then logs in', async () => {
    const sandbox = await sandboxWithAccount('com');
    const { platform } = platformFor(sandbox, 'com', { credentials: { email: EMAIL, password: PASSWORD } });
    await platform.connect();
    const sso = sandbox.requests().filter((request) => request.host === 'sso.garmin.com');
    expect(sso.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /mobile/sso/en_US/sign-in',
      'POST /mobile/api/login',
    ]);
    expect(sso[0]!.headers['user-agent']).toBe(sso[1]!.headers['user-agent']);
  });

  it('the sandbox answers 429 to a login without that page, or after a page for another service or User-Agent', async () => {
    const sandbox = await sandboxWithAccount('com');
    const base = sandbox.endpointOverrides()['sso.garmin.com']!;
    const service = 'https://mobile.integration.garmin.com/gcm/android';
    const query = new URLSearchParams({ clientId: 'GCM_ANDROID_DARK', locale: 'en-US', service });
    const login = (cookie: string | undefined, userAgent = 'ua-1') =>
      fetch(`${base}/mobile/api/login?${query}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': userAgent, ...(cookie ? { Cookie: cookie } : {}) },
        body: JSON.stringify({ username: EMAIL, password: PASSWORD, rememberMe: false, captchaToken: '' }),
      });
    const page = async (pageService: string): Promise<string> => {
      const response = await fetch(
        `${base}/mobile/sso/en_US/sign-in?${new URLSearchParams({ clientId: 'GCM_ANDROID_DARK', service: pageService })}`,
        { headers: { 'User-Agent': 'ua-1' } },
      );
      return response.headers
        .getSetCookie()
        .map((cookie) => cookie.split(';')[0])
        .join('; ');
    };
    expect((await login(undefined)).status).toBe(429);
    expect((await login(await page('https://mobile.integration.garmin.com/gcm/ios'))).status).toBe(429);
    expect((await login(await page(service), 'ua-2')).status).toBe(429);
    expect((await login(await page(service))).status).toBe(200);
  });
});

describe('widget MFA asks Garmin to send the code when the page has none (§4.4)', () => {
  async function widgetMfaLogin(mfa: { method: 'email' | 'sms' | 'totp'; codeAlreadySent?: boolean }) {
    const sandbox = await sandboxWithAccount('com', { mfa: { code: MFA_CODE, ...mfa }, widgetTokensInactive: false });
    sandbox.blockLogin('com', '429', 'mobile');
    const asked: Array<string | null> = [];
    const { platform, state } = platformFor(sandbox, 'com', {
      credentials: { email: EMAIL, password: PASSWORD },
      promptMfaCode: async ({ sentTo }) => {
        asked.push(sentTo);
        return MFA_CODE;
      },
    });
    await platform.connect();
    expect(state.getSecret('di_tokens')).toBeDefined();
    return {
      sandbox,
      asked,
      posts: sandbox
        .requests()
        .filter((request) => request.method === 'POST')
        .map((request) => request.path),
    };
  }

  it('email page without codeSentTo: one code request, then the code to /sso/verifyMFA/loginEnterMfaCode', async () => {
    const { sandbox, posts } = await widgetMfaLogin({ method: 'email' });
    expect(sandbox.counters().mfaCodeRequests).toBe(1);
    expect(posts).toContain('/sso/verifyMFA/mfaCode');
    expect(posts.indexOf('/sso/verifyMFA/mfaCode')).toBeLessThan(posts.indexOf('/sso/verifyMFA/loginEnterMfaCode'));
  });

  it('no request when a code was already sent (codeSentTo) or for an authenticator app', async () => {
    const sent = await widgetMfaLogin({ method: 'sms', codeAlreadySent: true });
    expect(sent.sandbox.counters().mfaCodeRequests).toBe(0);
    expect(sent.asked[0]).toMatch(/\*/);
    await sent.sandbox.close();
    const app = await widgetMfaLogin({ method: 'totp' });
    expect(app.sandbox.counters().mfaCodeRequests).toBe(0);
  });
});

describe('DI client ids and native headers (§4.5, §5)', () => {
  it('stores the JWT client_id claim and refreshes with it', async () => {
    const sandbox = await sandboxWithAccount('com', { jwtClientIdFor: () => 'GARMIN_CONNECT_MOBILE_ANDROID_DI' });
    sandbox.addActivity('com', EMAIL, { fitBytes: fitFor(BASE_START) });
    const { platform, state } = platformFor(sandbox, 'com', { credentials: { email: EMAIL, password: PASSWORD } });
    await platform.connect();
    expect((JSON.parse(state.getSecret('di_tokens')!) as { clientId: string }).clientId).toBe(
      'GARMIN_CONNECT_MOBILE_ANDROID_DI',
    );
    sandbox.expireAccessTokens('com');
    expect(await listAll(platform)).toHaveLength(1);
    expect(sandbox.counters().refreshes).toBe(1);
  });

  it('moves to the next id only when diauth refuses the id; a 429 on the exchange stops the walk', async () => {
    let sandbox = await sandboxWithAccount('com');
    const clientIds = ['NOT_A_REAL_DI_CLIENT', 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2'];
    const ticket = sandbox.mintTicket('com', EMAIL);
    const result = await runGarminLogin({ ...loginOptions(sandbox, { mfaCode: MFA_CODE }), ticket, clientIds });
    expect(decodeTokenBlob(result.tokenBlob, 'com').clientId).toBe('GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2');
    expect(sandbox.requests().filter((request) => request.host === 'diauth.garmin.com')).toHaveLength(2);
    await sandbox.close();

    sandbox = await sandboxWithAccount('com', { exchangeRateLimited: true });
    await expect(
      runGarminLogin({ ...loginOptions(sandbox, { mfaCode: MFA_CODE }), ticket: sandbox.mintTicket('com', EMAIL) }),
    ).rejects.toBeInstanceOf(RetryableError);
    expect(sandbox.counters().exchanges).toBe(1);
  });

  it('sends the exact native Android header set on connectapi and diauth calls', async () => {
    const sandbox = await sandboxWithAccount('com');
    const { platform } = platformFor(sandbox, 'com', {
      credentials: { tokenBlob: sandbox.mintTokenBlob('com', EMAIL) },
    });
    await platform.connect();
    sandbox.expireAccessTokens('com');
    await listAll(platform);
    for (const request of sandbox.requests().filter((entry) => entry.host !== 'sso.garmin.com')) {
      for (const [name, value] of Object.entries(NATIVE_HEADERS))
        expect(request.headers[name.toLowerCase()], `${name} on ${request.path}`).toBe(value);
    }
    expect(NATIVE_HEADERS['User-Agent']).toBe('GCM-Android-5.23');
    expect(Object.keys(NATIVE_HEADERS)).toHaveLength(8);
  });
});

describe('login --ticket (§4.6)', () => {
  it('a web ticket pasted as the whole address yields a token that syncs', async () => {
    const sandbox = await sandboxWithAccount('com');
    sandbox.addActivity('com', EMAIL, { fitBytes: fitFor(BASE_START) });
    const ticket = sandbox.mintTicket('com', EMAIL, 'https://connect.garmin.com/app');
    const captured = captureLog();
    const result = await runGarminLogin({
      ...loginOptions(sandbox, { mfaCode: MFA_CODE }),
      log: captured.log,
      ticket: `https://connect.garmin.com/app?ticket=${ticket}`,
    });
    const ci = platformFor(sandbox, 'com', { credentials: { tokenBlob: result.tokenBlob } });
    await ci.platform.connect();
    expect(await listAll(ci.platform)).toHaveLength(1);
    expect(sandbox.counters().sso).toBe(0);
    expect(sandbox.counters().exchanges).toBe(1);
    assertNoSecrets([...captured.lines, ...ci.captured.lines], [result.tokenBlob]);
  });

  it('a bare ticket belongs to --service, else to the web service; never guessed from the suffix', async () => {
    const sandbox = await sandboxWithAccount('com');
    const mobile = sandbox.mintTicket('com', EMAIL, 'https://mobile.integration.garmin.com/gcm/android');
    expect(mobile.endsWith('-sso')).toBe(true);
    await expect(
      runGarminLogin({ ...loginOptions(sandbox, { mfaCode: MFA_CODE }), ticket: mobile, serviceUrl: 'mobile' }),
    ).resolves.toBeDefined();
    const web = sandbox.mintTicket('com', EMAIL);
    await expect(
      runGarminLogin({ ...loginOptions(sandbox, { mfaCode: MFA_CODE }), ticket: web }),
    ).resolves.toBeDefined();
    expect(sandbox.counters().exchanges).toBe(2);
  });

  it('a ticket the browser already redeemed is refused once, with a hint that prints the sign-in URL with service=', async () => {
    const sandbox = await sandboxWithAccount('com');
    const ticket = sandbox.mintTicket('com', EMAIL);
    sandbox.redeemInBrowser('com', ticket);
    const error = (await runGarminLogin({ ...loginOptions(sandbox, { mfaCode: MFA_CODE }), ticket }).catch(
      (caught: unknown) => caught,
    )) as AuthError;
    expect(error).toBeInstanceOf(AuthError);
    expect(error.hint).toContain(
      'https://sso.garmin.com/portal/sso/en-US/sign-in?clientId=GarminConnect&service=https%3A%2F%2Fconnect.garmin.com%2Fapp',
    );
    expect(sandbox.counters().exchanges).toBe(1);
    expect(describeError(error)).not.toContain(ticket);
  });

  it('a value with two readings, or another region, is refused before any request', async () => {
    const sandbox = await sandboxWithAccount('com');
    const ticket = sandbox.mintTicket('com', EMAIL);
    await expect(
      runGarminLogin({
        ...loginOptions(sandbox, { mfaCode: MFA_CODE }),
        ticket: `https://connect.garmin.com/app?ticket=${ticket}`,
        serviceUrl: 'mobile',
      }),
    ).rejects.toBeInstanceOf(ConfigError);
    await expect(
      runGarminLogin({
        ...loginOptions(sandbox, { mfaCode: MFA_CODE }),
        ticket: `https://connect.garmin.cn/app?ticket=${ticket}`,
      }),
    ).rejects.toThrow(/check --region/);
    await expect(
      runGarminLogin({
        ...loginOptions(sandbox, { mfaCode: MFA_CODE }),
        ticket,
        serviceUrl: 'https://example.com/app',
      }),
    ).rejects.toBeInstanceOf(ConfigError);
    expect(sandbox.counters().total).toBe(0);
  });
});

describe('garmin.cn front doors in the recommended order (§4.9)', () => {
  it('password login starts with the portal (web audience), never sends a .com service for CN', async () => {
    const sandbox = await sandboxWithAccount('cn');
    sandbox.addActivity('cn', EMAIL, { fitBytes: fitFor(BASE_START) });
    const { platform, state, captured } = platformFor(sandbox, 'cn', {
      credentials: { email: EMAIL, password: PASSWORD },
    });
    await platform.connect();
    expect(await listAll(platform)).toHaveLength(1);
    const posts = sandbox
      .requests()
      .filter((request) => request.method === 'POST')
      .map((request) => `${request.host}${request.path}`);
    expect(posts[0]).toBe('sso.garmin.cn/portal/api/login');
    expect(posts).toContain('diauth.garmin.cn/di-oauth2-service/oauth/token');
    assertNoSecrets([...captured.lines, plainStateText(state)], [PASSWORD]);
  });

  it('portal blocked → widget (token not active) → the .cn mobile API', async () => {
    const sandbox = await sandboxWithAccount('cn');
    sandbox.blockLogin('cn', '429', 'portal');
    const { platform, state } = platformFor(sandbox, 'cn', { credentials: { email: EMAIL, password: PASSWORD } });
    await platform.connect();
    expect(state.getSecret('di_tokens')).toBeDefined();
    const logins = sandbox
      .requests()
      .filter((request) => request.method === 'POST' && request.host === 'sso.garmin.cn')
      .map((request) => request.path);
    expect(logins).toEqual(['/portal/api/login', '/sso/signin', '/mobile/api/login']);
  });
});
