import { describe, expect, it } from 'vitest';
import { AuthError, RejectedError, describeError } from '../../src/core/errors.ts';
import { summariseFit } from '../../src/fit/fit-summary.ts';
import { MemoryPlatformState } from '../../src/store/state-box.ts';
import { collect, corosClient, fitAt, leakedSecrets, sandbox, sandboxPerTest } from './helpers.ts';

const EMAIL = 'runner@example.com';
const PASSWORD = 'correct horse ~ battery!';
const BASE = 1_767_852_621;

sandboxPerTest();

describe('COROS login and session', () => {
  it('logs in with p1/p2, persists the session sealed and reuses it next run', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1 });
    const first = corosClient(sandbox, EMAIL, PASSWORD);
    await first.platform.connect();
    expect(sandbox.counters.login).toBe(1);
    expect(first.state.getPlain('login-form')).toBe('bcrypt');
    const stored = JSON.parse(first.state.getSecret('session') ?? '{}') as Record<string, unknown>;
    expect(stored).toMatchObject({ host: 'https://teamapi.coros.com', regionId: 1 });
    expect(typeof stored.userId).toBe('string');

    const second = corosClient(sandbox, EMAIL, PASSWORD, { state: first.state });
    await second.platform.connect();
    await collect(second.platform.listActivities());
    expect(sandbox.counters.login).toBe(1);
    expect(
      leakedSecrets([...first.log.lines, ...second.log.lines, ...first.state.plain.values()], sandbox.secretsIssued()),
    ).toEqual([]);
  });

  it('falls back to the legacy pwd form once, only after a parameter error (never after 1030)', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1 });
    sandbox.knobs.acceptBcryptLogin = false;
    sandbox.knobs.acceptLegacyLogin = true;
    const first = corosClient(sandbox, EMAIL, PASSWORD);
    await first.platform.connect();
    expect(sandbox.counters.login).toBe(2);
    expect(first.state.getPlain('login-form')).toBe('md5');

    const state = new MemoryPlatformState();
    state.setPlain('login-form', 'md5');
    await corosClient(sandbox, EMAIL, PASSWORD, { state }).platform.connect();
    // Always the current p1/p2 form first: a wrong password then costs exactly one attempt.
    expect(sandbox.counters.login).toBe(4);
  });

  it('stops with one actionable line on a wrong password, without looping or leaking it', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1 });
    const wrong = 'not-the-password-42';
    const { platform, log } = corosClient(sandbox, EMAIL, wrong);
    const error = await platform.connect().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthError);
    const line = describeError(error);
    expect(line).toMatch(/COROS refused the login \(1030/);
    expect(line).not.toContain('\n');
    expect(sandbox.counters.login).toBe(1); // no legacy pwd fallback after a 1030
    expect(leakedSecrets([line, ...log.lines], [wrong, ...sandbox.secretsIssued()])).toEqual([]);
  });

  it('reports a two-factor account as a clear one-line error', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1, twoFactor: true });
    const error = await corosClient(sandbox, EMAIL, PASSWORD)
      .platform.connect()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthError);
    expect(describeError(error)).toMatch(/two-factor/);
  });

  it('follows regionId to the home host (China account, global login)', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 2 });
    sandbox.addActivity(EMAIL, { fitBytes: fitAt(BASE), timezone: 32 });
    const { platform, state } = corosClient(sandbox, EMAIL, PASSWORD);
    const listed = await collect(platform.listActivities());
    expect(listed).toHaveLength(1);
    expect(JSON.parse(state.getSecret('session') ?? '{}')).toMatchObject({
      host: 'https://teamcnapi.coros.com',
      regionId: 2,
    });
  });

  it('re-logs in once on 1019 and retries the read, but does not loop', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 3 });
    for (let i = 0; i < 3; i++) sandbox.addActivity(EMAIL, { fitBytes: fitAt(BASE + i * 86_400) });
    const { platform, log } = corosClient(sandbox, EMAIL, PASSWORD, { regionId: 3 });
    await platform.connect();
    sandbox.loginElsewhere(EMAIL);
    expect(await collect(platform.listActivities())).toHaveLength(3);
    expect(sandbox.counters.login).toBe(2);
    expect(log.lines.join('\n')).toMatch(/1019/);

    sandbox.loginElsewhere(EMAIL);
    const error = await collect(platform.listActivities()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthError);
    expect(describeError(error)).toMatch(/another web login/);
    expect(sandbox.counters.login).toBe(2);
  });

  it('replaces a stored token that another login killed, logging in only once', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1 });
    const first = corosClient(sandbox, EMAIL, PASSWORD);
    await first.platform.connect();
    sandbox.loginElsewhere(EMAIL);
    const second = corosClient(sandbox, EMAIL, PASSWORD, { state: first.state });
    await collect(second.platform.listActivities());
    expect(sandbox.counters.login).toBe(2);
  });
});

describe('COROS listing and download', () => {
  it('pages through more than 250 activities newest first', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1 });
    const fit = fitAt(BASE);
    for (let i = 0; i < 260; i++) sandbox.addActivity(EMAIL, { fitBytes: fit, sportType: 100, name: `run ${i}` });
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    const listed = await collect(platform.listActivities());
    expect(listed).toHaveLength(260);
    expect(new Set(listed.map((activity) => activity.remoteId)).size).toBe(260);
    expect(sandbox.counters['activity/query']).toBe(3);
    for (const activity of listed) {
      expect(activity.platform).toBe('coros');
      expect(activity.remoteId).toMatch(/^\d{18}$/);
      expect(activity.extra?.sportType).toBe(100);
    }
  });

  it('handles an empty account (count 0 without dataList)', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1 });
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    expect(await collect(platform.listActivities())).toEqual([]);
  });

  it('keeps an id above 2^53 exact through list, store, download and delete', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1 });
    const labelId = '476543210987654323';
    expect(String(Number(labelId))).not.toBe(labelId);
    const fit = fitAt(BASE, {
      manufacturer: 'coros',
      product: 1,
      productName: 'COROS PACE 3',
      sport: 'cycling',
      distanceM: 20_000,
    });
    sandbox.addActivity(EMAIL, { fitBytes: fit, labelId, timezone: 32 });
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    const [listed] = await collect(platform.listActivities());
    expect(listed?.remoteId).toBe(labelId);
    expect(listed).toMatchObject({
      startUtc: BASE,
      vendor: 'coros',
      device: 'COROS PACE 3',
      sport: { family: 'ride', code: '299' },
    });
    const stored = JSON.parse(JSON.stringify(listed)) as typeof listed & object;
    expect(stored.remoteId).toBe(labelId);

    const download = await platform.downloadFit(stored);
    expect(download.kind).toBe('fit');
    if (download.kind === 'fit') {
      expect(Buffer.from(download.bytes).equals(Buffer.from(fit))).toBe(true);
      expect(summariseFit(download.bytes).startUtc).toBe(BASE);
      expect(download.fileName).toContain(labelId);
    }
    expect(sandbox.fileRequestsWithCredentials).toBe(0);

    await platform.deleteActivity(stored);
    expect(sandbox.activities(EMAIL)).toEqual([]);
  });

  it.each(['empty', 'zip-bomb', 'html'] as const)(
    'a %s download is a retryable source problem, never "no original"',
    async (body) => {
      sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1 });
      sandbox.addActivity(EMAIL, { fitBytes: fitAt(BASE) });
      const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
      const [listed] = await collect(platform.listActivities());
      sandbox.knobs.brokenFiles = { count: 1, body };
      const error = await platform.downloadFit(listed!).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Error);
      expect(describeError(error)).toMatch(/not a FIT file/);
      const again = await platform.downloadFit(listed!);
      expect(again.kind).toBe('fit');
    },
  );

  it('gets no file when the sportType is not the activity’s own', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1 });
    sandbox.addActivity(EMAIL, { fitBytes: fitAt(BASE) });
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    const [listed] = await collect(platform.listActivities());
    const result = await platform.downloadFit({ ...listed!, extra: { ...listed!.extra, sportType: 402 } });
    expect(result.kind).toBe('no-original');
  });

  it('refuses to follow a fileUrl to a host outside COROS, Aliyun OSS and AWS', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1 });
    sandbox.addActivity(EMAIL, { fitBytes: fitAt(BASE) });
    sandbox.knobs.fileHost = 'files.example.net';
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    const [listed] = await collect(platform.listActivities());
    const error = await platform.downloadFit(listed!).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RejectedError);
    expect(describeError(error)).toMatch(/not a COROS, Aliyun OSS or AWS S3 host/);
    expect(sandbox.counters.file).toBeUndefined();
  });

  it('survives 429, 5xx, dropped connections and truncated bodies on reads', async () => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1 });
    sandbox.addActivity(EMAIL, { fitBytes: fitAt(BASE) });
    sandbox.knobs.retryAfterSec = 0;
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    await platform.connect();
    sandbox.failNext('429', 1, 'activity/query');
    sandbox.failNext('5xx', 1, 'activity/query');
    sandbox.failNext('drop', 1, 'activity/query');
    const [listed] = await collect(platform.listActivities());
    sandbox.failNext('truncate', 1, 'file');
    sandbox.failNext('drop', 1, 'activity/detail/download');
    const download = await platform.downloadFit(listed!);
    expect(download.kind).toBe('fit');
    expect(sandbox.counters['activity/query']).toBe(1);
    expect(sandbox.counters.file).toBe(2);
    expect(sandbox.counters).toMatchObject({ 'fault:429': 1, 'fault:5xx': 1, 'fault:drop': 2, 'fault:truncate': 1 });
  });
});
