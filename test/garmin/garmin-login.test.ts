import { describe, expect, it } from 'vitest';
import { AuthError, ConfigError, describeError } from '../../src/core/errors.ts';
import { runGarminLogin, garminLoginRequiredError } from '../../src/platforms/garmin/garmin-login.ts';
import { decodeTokenBlob } from '../../src/platforms/garmin/garmin-tokens.ts';
import { MemoryPlatformState } from '../../src/store/state-box.ts';
import * as kit from './garmin-test-kit.ts';

const MFA_CODE = '482913';

describe('Garmin password login cascade', () => {
  it('logs in with the mobile JSON API, exchanges the ticket at diauth, validates, stores sealed tokens', async () => {
    const sandbox = await kit.sandboxWithAccount('com');
    sandbox.addActivity('com', kit.EMAIL, { fitBytes: kit.fitFor(kit.BASE_START) });
    const { platform, state, captured } = kit.platformFor(sandbox, 'com', {
      credentials: { email: kit.EMAIL, password: kit.PASSWORD },
    });
    await platform.connect();
    expect(await kit.listAll(platform)).toHaveLength(1);
    const counters = sandbox.counters();
    expect(counters.loginPosts).toBe(1);
    expect(counters.exchanges).toBe(1);
    expect(counters.byHost['sso.garmin.com']).toBe(2); // sign-in page + login POST
    const tokens = JSON.parse(state.getSecret('di_tokens')!) as { accessToken: string; refreshToken: string };

    // The next run is token-first: zero SSO requests.
    sandbox.resetCounters();
    const next = kit.platformFor(sandbox, 'com', { state, credentials: { email: kit.EMAIL, password: kit.PASSWORD } });
    await next.platform.connect();
    await kit.listAll(next.platform);
    expect(sandbox.counters().sso).toBe(0);
    kit.assertNoSecrets(
      [...captured.lines, ...next.captured.lines, kit.plainStateText(state)],
      [kit.PASSWORD, tokens.accessToken, tokens.refreshToken],
    );
  });

  it('wrong password: exactly one login request, no retry, no fallback, and not resent on the next run', async () => {
    const sandbox = await kit.sandboxWithAccount('com');
    const { platform, state, captured } = kit.platformFor(sandbox, 'com', {
      credentials: { email: kit.EMAIL, password: 'wrong-password-123' },
    });
    const error = await platform.connect().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthError);
    expect(describeError(error)).toContain('refused the email or password');
    expect(sandbox.counters().loginPosts).toBe(1);

    const again = kit.platformFor(sandbox, 'com', {
      state,
      credentials: { email: kit.EMAIL, password: 'wrong-password-123' },
    });
    await expect(again.platform.connect()).rejects.toThrow(/refused on an earlier run/);
    expect(sandbox.counters().loginPosts).toBe(1);
    kit.assertNoSecrets(
      [...captured.lines, ...again.captured.lines, kit.plainStateText(state), describeError(error)],
      ['wrong-password-123'],
    );
  });

  it('MFA account in CI (no prompt): fails with one line naming the login command, never asks Garmin for a code', async () => {
    const sandbox = await kit.sandboxWithAccount('com', { mfa: { code: MFA_CODE } });
    const { platform } = kit.platformFor(sandbox, 'com', { credentials: { email: kit.EMAIL, password: kit.PASSWORD } });
    const error = (await platform.connect().catch((caught: unknown) => caught)) as AuthError;
    expect(error).toBeInstanceOf(AuthError);
    expect(error.hint).toBe(
      'run `node cli.js login --for action --region com` on a computer with a terminal and store the printed token as the secret GARMIN_TOKEN_COM',
    );
    expect(garminLoginRequiredError('cn').hint).toContain('--region cn');
    expect(garminLoginRequiredError('cn').hint).toContain('GARMIN_TOKEN_CN');
    expect(sandbox.counters().loginPosts).toBe(1);
  });

  it('MFA on the mobile API: takes the method from mfaLastMethodUsed, lets the user retry a wrong code', async () => {
    const sandbox = await kit.sandboxWithAccount('com', { mfa: { code: MFA_CODE, method: 'sms' } });
    const codes = ['000000', MFA_CODE];
    const asked: string[] = [];
    const { platform, state, captured } = kit.platformFor(sandbox, 'com', {
      credentials: { email: kit.EMAIL, password: kit.PASSWORD },
      promptMfaCode: async ({ method }) => {
        asked.push(method);
        return codes.shift()!;
      },
    });
    await platform.connect();
    expect(asked).toEqual(['sms', 'sms']);
    expect(state.getSecret('di_tokens')).toBeDefined();
    expect(captured.lines.join('\n')).toContain('MFA code was not accepted');
    kit.assertNoSecrets([...captured.lines, kit.plainStateText(state)], [kit.PASSWORD, MFA_CODE]);
  });

  it('falls back to the embed widget when the mobile API is rate limited, including widget MFA', async () => {
    const sandbox = await kit.sandboxWithAccount('com', { mfa: { code: MFA_CODE }, widgetTokensInactive: false });
    sandbox.blockLogin('com', '429', 'mobile');
    const codes = ['111111', MFA_CODE];
    const { platform, state, captured } = kit.platformFor(sandbox, 'com', {
      credentials: { email: kit.EMAIL, password: kit.PASSWORD },
      promptMfaCode: async () => codes.shift()!,
    });
    await platform.connect();
    expect(state.getSecret('di_tokens')).toBeDefined();
    expect(sandbox.counters().loginPosts).toBe(2); // one mobile (429), one widget
    expect(state.getPlain('login_paused_until')).toBeUndefined();
    kit.assertNoSecrets([...captured.lines, kit.plainStateText(state)], [kit.PASSWORD, MFA_CODE]);
  });

  it('widget tokens that connectapi calls "not active" are discarded by the validation call', async () => {
    const sandbox = await kit.sandboxWithAccount('com', { widgetTokensInactive: true });
    sandbox.blockLogin('com', 'captcha', 'mobile');
    const { platform, state } = kit.platformFor(sandbox, 'com', {
      credentials: { email: kit.EMAIL, password: kit.PASSWORD },
    });
    const error = await platform.connect().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthError);
    expect(String((error as Error).message)).toContain('login paused until');
    expect(state.getSecret('di_tokens')).toBeUndefined();
  });

  it('circuit breaker: a 429/403 at both front doors pauses logins; the next run makes zero SSO requests; cooldown doubles', async () => {
    const sandbox = await kit.sandboxWithAccount('com');
    sandbox.blockLogin('com', '429', 'mobile');
    sandbox.blockLogin('com', '403', 'widget');
    const state = new MemoryPlatformState();
    const first = kit.platformFor(sandbox, 'com', { state, credentials: { email: kit.EMAIL, password: kit.PASSWORD } });
    const error = (await first.platform.connect().catch((caught: unknown) => caught)) as AuthError;
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toMatch(/login paused until \d{4}-\d\d-\d\dT/);
    const pausedUntil = Date.parse(state.getPlain('login_paused_until')!);
    expect(pausedUntil - sandbox.now()).toBeGreaterThan(6 * 3600 * 1000 - 5000);

    sandbox.resetCounters();
    const second = kit.platformFor(sandbox, 'com', {
      state,
      credentials: { email: kit.EMAIL, password: kit.PASSWORD },
    });
    await expect(second.platform.connect()).rejects.toThrow(/login paused until/);
    expect(sandbox.counters().sso).toBe(0);
    expect(sandbox.counters().total).toBe(0);

    // After the cooldown, one more attempt; still blocked → 12 h.
    sandbox.advanceClock(6 * 3600 + 1);
    const third = kit.platformFor(sandbox, 'com', { state, credentials: { email: kit.EMAIL, password: kit.PASSWORD } });
    await expect(third.platform.connect()).rejects.toThrow(/login paused until/);
    expect(Date.parse(state.getPlain('login_paused_until')!) - sandbox.now()).toBeGreaterThan(12 * 3600 * 1000 - 5000);

    // Unblocked and past the cooldown: the login goes through and resets the breaker.
    sandbox.blockLogin('com', undefined);
    sandbox.advanceClock(12 * 3600 + 1);
    const fourth = kit.platformFor(sandbox, 'com', {
      state,
      credentials: { email: kit.EMAIL, password: kit.PASSWORD },
    });
    await fourth.platform.connect();
    expect(state.getPlain('login_cooldown_sec')).toBeUndefined();
  });

  it('the sandbox rate-limits repeated logins with 429 (JSON body) and the client opens the breaker', async () => {
    const sandbox = await kit.sandboxWithAccount('com', {
      loginRateLimit: { maxAttempts: 1, periodSec: 3600 },
      rateLimitBody: 'json',
    });
    // Burn the one allowed attempt per front door.
    await kit
      .platformFor(sandbox, 'com', { credentials: { email: kit.EMAIL, password: kit.PASSWORD } })
      .platform.connect();
    const state = new MemoryPlatformState();
    sandbox.blockLogin('com', '429', 'widget');
    const { platform } = kit.platformFor(sandbox, 'com', {
      state,
      credentials: { email: kit.EMAIL, password: kit.PASSWORD },
    });
    await expect(platform.connect()).rejects.toThrow(/login paused until/);
    expect(state.getPlain('login_paused_reason')).toContain('HTTP 429');
  });
});

describe('runGarminLogin (the login command)', () => {
  it('password + MFA prompt → a token blob that a CI run then uses without any SSO request', async () => {
    const sandbox = await kit.sandboxWithAccount('cn', { mfa: { code: MFA_CODE } });
    sandbox.addActivity('cn', kit.EMAIL, { fitBytes: kit.fitFor(kit.BASE_START) });
    const captured = kit.captureLog();
    const result = await runGarminLogin({
      ...kit.loginOptions(sandbox, { region: 'cn', mfaCode: MFA_CODE }),
      email: kit.EMAIL,
      password: kit.PASSWORD,
      log: captured.log,
    });
    expect(result.secretName).toBe('GARMIN_TOKEN_CN');
    expect(decodeTokenBlob(result.tokenBlob, 'cn').region).toBe('cn');
    expect(result.expiresAt.getTime()).toBeGreaterThan(sandbox.now() + 29 * 86400 * 1000);
    expect(sandbox.counters().byHost['diauth.garmin.cn']).toBe(1);

    sandbox.resetCounters();
    const ci = kit.platformFor(sandbox, 'cn', { credentials: { tokenBlob: result.tokenBlob } });
    await ci.platform.connect();
    expect(await kit.listAll(ci.platform)).toHaveLength(1);
    expect(sandbox.counters().sso).toBe(0);
    kit.assertNoSecrets([...captured.lines, ...ci.captured.lines], [kit.PASSWORD, MFA_CODE, result.tokenBlob]);
  });

  it('--ticket: exchanges a browser ticket at once; a reused ticket is refused with the next step', async () => {
    const sandbox = await kit.sandboxWithAccount('com');
    const ticket = sandbox.mintTicket('com', kit.EMAIL);
    const base = kit.loginOptions(sandbox);
    const result = await runGarminLogin({ ...base, ticket });
    expect(decodeTokenBlob(result.tokenBlob, 'com').clientId).toBe('GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2');
    expect(sandbox.counters().sso).toBe(0);

    const reused = (await runGarminLogin({ ...base, ticket }).catch((caught: unknown) => caught)) as AuthError;
    expect(reused).toBeInstanceOf(AuthError);
    expect(reused.hint).toContain('--ticket');
    expect(describeError(reused)).not.toContain(ticket);

    await expect(runGarminLogin({ ...base, ticket: 'not-a-ticket' })).rejects.toBeInstanceOf(ConfigError);
    const mobileTicket = sandbox.mintTicket('com', kit.EMAIL, 'https://mobile.integration.garmin.com/gcm/android');
    expect((await runGarminLogin({ ...base, ticket: mobileTicket, serviceUrl: 'mobile' })).tokenBlob).toMatch(
      /^ssxg1\./,
    );
  });

  it('a token blob for the other region is a config error naming the right command', () => {
    expect(() => decodeTokenBlob('garbage', 'com')).toThrow(ConfigError);
    expect(() => decodeTokenBlob('ssxg1.' + Buffer.from('{"v":1}').toString('base64url'), 'com')).toThrow(/damaged/);
  });
});
