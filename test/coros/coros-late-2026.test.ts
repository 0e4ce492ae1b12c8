import { describe, expect, it } from 'vitest';
import { AuthError, describeError } from '../../src/core/errors.ts';
import { fitLocalOffsetQuarterHours } from '../../src/fit/fit-local-offset.ts';
import { importTimezone } from '../../src/platforms/coros/coros-platform.ts';
import { collect, corosClient, fitAt, garminSource, sandbox, sandboxPerTest, uploadRunAt } from './helpers.ts';

// The December 2026 review of ../shared/protocols/coros.md ("What changed since 2026-11").

const EMAIL = 'sg-runner@example.com';
const PASSWORD = 'singapore sling 2026';
const BASE = 1_767_852_621;

sandboxPerTest();

describe('Singapore (regionId 4, §3)', () => {
  it('logs in, lists, downloads and uploads on teamsgapi / trainingsg / coros-sg-prod', async () => {
    const { userId } = sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 4 });
    sandbox.addActivity(EMAIL, {
      fitBytes: fitAt(BASE - 86_400, { manufacturer: 'coros', product: 802 }),
      timezone: 32,
    });
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    const listed = await collect(platform.listActivities());
    expect(listed).toHaveLength(1);
    expect((await platform.downloadFit(listed[0]!)).kind).toBe('fit');
    const outcome = await uploadRunAt(platform, BASE, 'run.fit');
    expect(outcome.kind).toBe('created');
    expect(sandbox.storedObjects()[0]).toMatch(new RegExp(`^coros-sg-prod/fit_zip/${userId}/`));
    expect(sandbox.counters['oss:put']).toBe(1);
    expect(sandbox.counters.login).toBe(1);
  });

  it('an unknown regionId is one clear error, and the next run does not log in again', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 9 });
    const first = corosClient(sandbox, EMAIL, PASSWORD);
    const error = await first.platform.connect().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthError);
    expect(describeError(error)).toMatch(/region 9, which Sports Sync X does not know/);
    expect(sandbox.counters.login).toBe(1);
    const next = corosClient(sandbox, EMAIL, PASSWORD, { state: first.state });
    await expect(next.platform.connect()).rejects.toThrow(/not logging in again/);
    expect(sandbox.counters.login).toBe(1);
    // New credentials are worth one new try.
    await expect(
      corosClient(sandbox, EMAIL, 'another password', { state: first.state }).platform.connect(),
    ).rejects.toBeInstanceOf(AuthError);
    expect(sandbox.counters.login).toBe(2);
  });
});

describe('STS proxy on the account region Training Hub host (§7.1)', () => {
  it.each([1, 2, 3, 4] as const)(
    'region %i: a client that used t.coros.com for everyone gets 401 there; ours uploads',
    async (regionId) => {
      sandbox.knobs.genericHostRegion = regionId === 1 ? 2 : 1;
      const { userId } = sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId });
      void userId;
      const login = await corosClient(sandbox, EMAIL, PASSWORD);
      await login.platform.connect();
      const token = JSON.parse(login.state.getSecret('session')!).token as string;
      const generic = await fetch(
        `${sandbox.endpointOverrides()['t.coros.com']}/api/proxy/oss/sts?bucket=x&service=aws&v=2`,
        { headers: { cookie: `CPL-coros-token=${token}; CPL-coros-region=${regionId}` } },
      );
      expect(generic.status).toBe(401);
      const outcome = await uploadRunAt(login.platform, BASE, 'run.fit');
      expect(outcome.kind).toBe('created');
      expect(sandbox.counters.login).toBe(1);
    },
  );
});

describe('a token from a non-home host and the login forms (§3, §4.1, §11)', () => {
  it('the sandbox answers 1019 to a data call on a non-home team host', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 4 });
    const login = corosClient(sandbox, EMAIL, PASSWORD);
    await login.platform.connect();
    const token = JSON.parse(login.state.getSecret('session')!).token as string;
    const elsewhere = await fetch(`${sandbox.endpointOverrides()['teamapi.coros.com']}/account/query`, {
      headers: { accesstoken: token },
    });
    expect(((await elsewhere.json()) as { result: string }).result).toBe('1019');
  });

  it('the legacy pwd form is refused by default; a wrong password costs exactly one login', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1 });
    const md5 = (await import('node:crypto')).createHash('md5').update(PASSWORD).digest('hex');
    const legacy = await fetch(`${sandbox.endpointOverrides()['teamapi.coros.com']}/account/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account: EMAIL, accountType: 2, pwd: md5 }),
    });
    expect(((await legacy.json()) as { result: string }).result).toBe('1030');
    const before = sandbox.counters.login ?? 0;
    await expect(corosClient(sandbox, EMAIL, 'wrong password').platform.connect()).rejects.toThrow(/1030/);
    expect(sandbox.counters.login).toBe(before + 1);
  });
});

describe('import timezone = the workout own offset (§7.6)', () => {
  it.each([
    {
      name: 'FIT local_timestamp +08:00',
      fit: { utcOffsetSec: 8 * 3600 },
      extra: {},
      configured: undefined,
      expected: { quarterHours: 32, origin: 'fit' },
    },
    {
      name: 'FIT local_timestamp −05:00',
      fit: { utcOffsetSec: -5 * 3600 },
      extra: {},
      configured: 40,
      expected: { quarterHours: -20, origin: 'fit' },
    },
    {
      name: 'FIT +05:45 (Nepal)',
      fit: { utcOffsetSec: 5 * 3600 + 45 * 60 },
      extra: {},
      configured: undefined,
      expected: { quarterHours: 23, origin: 'fit' },
    },
  ])('$name', ({ fit, extra, configured, expected }) => {
    expect(importTimezone(fitAt(BASE, fit), garminSource(BASE, { extra }), configured)).toEqual(expected);
  });

  it('without a FIT offset: the source zone, then the configured one, then 0', () => {
    const notFit = new Uint8Array([1, 2, 3]);
    expect(fitLocalOffsetQuarterHours(notFit)).toBeUndefined();
    expect(importTimezone(notFit, garminSource(BASE, { extra: { utcOffsetSec: 9 * 3600 } }), undefined)).toEqual({
      quarterHours: 36,
      origin: 'source',
    });
    expect(
      importTimezone(notFit, { ...garminSource(BASE), platform: 'coros', extra: { startTimezone: -16 } }, undefined),
    ).toEqual({ quarterHours: -16, origin: 'source' });
    expect(importTimezone(notFit, garminSource(BASE), 4)).toEqual({ quarterHours: 4, origin: 'configured' });
    expect(importTimezone(notFit, garminSource(BASE), undefined)).toEqual({ quarterHours: 0, origin: 'unknown' });
  });

  it('a +08:00 FIT is registered with timezone 32 and the sandbox stores it on the activity', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 2 });
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    await platform.uploadFit({
      bytes: fitAt(BASE, { utcOffsetSec: 8 * 3600 }),
      fileName: 'run.fit',
      source: garminSource(BASE),
    });
    expect(sandbox.importTimezones).toEqual([32]);
    expect(sandbox.activities(EMAIL)[0]!.startTimezone).toBe(32);
  });

  it('the sandbox refuses a timezone outside −48…+56 or not an integer', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1 });
    const login = corosClient(sandbox, EMAIL, PASSWORD);
    await login.platform.connect();
    const session = JSON.parse(login.state.getSecret('session')!) as { token: string; userId: string };
    const register = async (timezone: unknown): Promise<string> => {
      const form = new FormData();
      const md5 = '0f343b0931126a20f133d67c2b018a3b';
      form.set(
        'jsonParameter',
        JSON.stringify({
          source: 1,
          timezone,
          bucket: 'coros-s3',
          md5,
          size: 100,
          object: `fit_zip/${session.userId}/${md5}.zip`,
          serviceName: 'aws',
          oriFileName: 'run.fit',
        }),
      );
      const response = await fetch(`${sandbox.endpointOverrides()['teamapi.coros.com']}/activity/fit/import`, {
        method: 'POST',
        headers: { accesstoken: session.token },
        body: form,
      });
      return ((await response.json()) as { message: string }).message;
    };
    for (const bad of [57, -49, 480, 32.5, '32']) expect(await register(bad)).toBe('Parameter input error');
    expect(await register(32)).not.toBe('Parameter input error');
  });
});

describe('getImportSportList as the web app asks (§7.7)', () => {
  it('size 10, one list read per poll', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1 });
    sandbox.knobs.importDelayMs = 40;
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD, { importPollIntervalMs: 15 });
    const outcome = await uploadRunAt(platform, BASE, 'run.fit');
    expect(outcome.kind).toBe('created');
    expect(sandbox.importListSizes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(sandbox.importListSizes)).toEqual(new Set([10]));
  });
});
