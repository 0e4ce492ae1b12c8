import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { synthesiseFit } from '../../sandbox/fit-synth.ts';
import { buildReportMessage } from '../../src/notify/index.ts';
import { startCorosSandbox, type CorosSandbox } from '../../sandbox/coros/coros-sandbox.ts';
import { startGarminSandbox, type GarminSandbox } from '../../sandbox/garmin/index.ts';
import { startPersonalApiSandbox, type PersonalApiSandbox } from '../../sandbox/garmin-personal-api/index.ts';
import { BASE, DAY, TestClock, capturingLogger, garminRun, garminRunFit, syncOnce, tempDir } from './kit.ts';

const ACCOUNT = 'athlete@example.com';
const COROS = { email: 'athlete@example.com', password: 'coros-test-password', regionId: 1 as const };

let personal: PersonalApiSandbox;
let coros: CorosSandbox;
let garmin: GarminSandbox;
let clock: TestClock;
let temp: ReturnType<typeof tempDir>;

beforeEach(async () => {
  clock = new TestClock(Date.now());
  personal = await startPersonalApiSandbox({ now: clock.now });
  coros = await startCorosSandbox({ knobs: { importDelayMs: 10 } });
  // Started only to count: a key-only run must send nothing to Garmin's SSO or DI hosts.
  garmin = await startGarminSandbox({ uploadProcessingPolls: 1, pollHintMs: 10 });
  coros.addAccount(COROS);
  temp = tempDir();
});
afterEach(async () => {
  await Promise.all([personal.close(), coros.close(), garmin.close()]);
  temp.remove();
});

function settings(extra: Record<string, string>): Record<string, string> {
  return {
    SYNC_PLATFORM: 'GARMINCOM,COROS',
    COROS_EMAIL: COROS.email,
    COROS_PASSWORD: COROS.password,
    SYNC_DB_PATH: join(temp.dir, 'sports_sync.sqlite'),
    FIT_DIR: join(temp.dir, 'fit'),
    SPORTS_SYNC_ENDPOINTS: JSON.stringify({
      ...garmin.endpointOverrides(),
      ...coros.endpointOverrides(),
      ...personal.endpointOverrides(),
    }),
    ...extra,
  };
}

function seedGarmin(count: number): void {
  personal.addAccount('com', ACCOUNT);
  for (let index = 0; index < count; index++)
    personal.addActivity('com', ACCOUNT, garminRun(21_400_000_001 + index, BASE + index * DAY));
}

function seedCoros(count: number): void {
  for (let index = 0; index < count; index++) {
    coros.addActivity(COROS.email, {
      fitBytes: synthesiseFit({
        startUtc: BASE + index * DAY + 40_000,
        elapsedSec: 4000,
        distanceM: 30_000,
        sport: 'cycling',
        manufacturer: 'coros',
        product: 802,
      }),
      timezone: 32,
    });
  }
}

describe('garmin.com read through the Personal API, key only', () => {
  it('copies every garmin.com workout to COROS with no SSO or DI request; garmin.com stays read-only', async () => {
    seedGarmin(5);
    seedCoros(2);
    // An in-platform duplicate on garmin.com: reported, never deleted (the key cannot delete).
    personal.addActivity(
      'com',
      ACCOUNT,
      garminRun(21_400_000_100, BASE + 4 * DAY + 2, { elapsedSec: 3004, distanceM: 9040 }),
    );
    const key = personal.createKey('com', ACCOUNT, { validDays: 90 });
    const log = capturingLogger();

    const first = await syncOnce(settings({ GARMIN_API_KEY_COM: key, DELETE_DUPLICATE: '1' }), clock, log);
    const report = first.report;
    expect(report.failures).toEqual([]);
    expect(report.outcome).toBe('ok');
    const toCoros = report.transfers.filter((transfer) => transfer.to === 'coros' && transfer.outcome === 'created');
    expect(toCoros).toHaveLength(5);
    expect(coros.activities(COROS.email)).toHaveLength(7);
    expect(report.transfers.some((transfer) => transfer.to === 'garmin_com')).toBe(false);
    expect(report.warnings).toContain(
      '2 workouts not copied to Garmin COM: the Personal API is read-only; add GARMIN_TOKEN_COM to copy workouts there',
    );
    expect(report.duplicates).toHaveLength(1);
    expect(report.duplicates[0]).toMatchObject({ platform: 'garmin_com', action: 'reported' });
    expect(report.duplicates[0]!.message).toMatch(/read-only/);
    expect(garmin.counters().total).toBe(0);
    const counters = personal.counters();
    expect(counters.exchanges).toBe(1);
    expect(counters.refusedWrites).toBe(0);
    expect(counters.maxInFlight).toBe(1);
    // The key and the bearer token never reach the output.
    expect(log.lines.join('\n')).not.toContain(key);

    // Second run an hour later: the sealed token is reused, one list page is enough.
    personal.resetCounters();
    clock.advanceHours(1);
    const second = await syncOnce(settings({ GARMIN_API_KEY_COM: key, DELETE_DUPLICATE: '1' }), clock, log);
    expect(second.report.counts.uploaded).toBe(0);
    expect(second.report.failures).toEqual([]);
    expect(personal.counters().exchanges).toBeLessThanOrEqual(1);
    expect(personal.counters().exchanges).toBe(0);
    expect(personal.counters().listRequests).toBe(1);
    // Reported once, not on every run.
    expect(second.report.warnings.filter((warning) => warning.includes('not copied to Garmin COM'))).toEqual([]);

    // 25 hours later the token has expired: exactly one new exchange.
    personal.resetCounters();
    clock.advanceHours(25);
    const third = await syncOnce(settings({ GARMIN_API_KEY_COM: key }), clock, log);
    expect(third.report.failures).toEqual([]);
    expect(personal.counters().exchanges).toBe(1);
    expect(garmin.counters().total).toBe(0);
  });

  it('an expired key is one line naming GARMIN_API_KEY_COM and the fix, and COROS still syncs', async () => {
    seedGarmin(2);
    seedCoros(2);
    const key = personal.createKey('com', ACCOUNT, { expiresAtSec: Math.floor(clock.ms / 1000) - DAY });
    const log = capturingLogger();
    const { report } = await syncOnce(
      settings({ GARMIN_API_KEY_COM: key, SYNC_PLATFORM: 'GARMINCOM,COROS' }),
      clock,
      log,
    );
    const garminSummary = report.platforms.find((platform) => platform.id === 'garmin_com')!;
    expect(garminSummary.error?.kind).toBe('auth');
    expect(garminSummary.error?.message).toMatch(
      /^GARMIN_API_KEY_COM was rejected by Garmin .*create a new key on Garmin Connect web/,
    );
    expect(garminSummary.error?.message).not.toContain('\n');
    expect(garminSummary.error?.nextStep).toMatch(/GARMIN_API_KEY_COM/);
    const errors = log.lines.filter((line) => line.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/GARMIN_API_KEY_COM/);
    const corosSummary = report.platforms.find((platform) => platform.id === 'coros')!;
    expect(corosSummary.error).toBeUndefined();
    expect(corosSummary.listed).toBe(2);
    expect(report.outcome).toBe('partial');
    // One exchange, never retried within the run; no fallback to a password login.
    expect(personal.counters().exchanges).toBe(1);
    expect(garmin.counters().total).toBe(0);
    expect(log.lines.join('\n')).not.toContain(key);
  });

  it('respects the limits: one request at a time, Retry-After honoured, everything still synced', async () => {
    seedGarmin(6);
    personal.knobs.latencyMs = 15;
    personal.knobs.rateLimit = { requests: 3, windowSec: 5 };
    personal.knobs.retryAfterSec = 5;
    const key = personal.createKey('com', ACCOUNT);
    const { report } = await syncOnce(
      settings({ GARMIN_API_KEY_COM: key, SYNC_CONCURRENCY: '4' }),
      clock,
      capturingLogger(),
    );
    expect(report.failures).toEqual([]);
    expect(coros.activities(COROS.email)).toHaveLength(6);
    const counters = personal.counters();
    expect(counters.rateLimited).toBeGreaterThan(0);
    expect(counters.maxInFlight).toBeLessThanOrEqual(2);
    expect(counters.maxInFlight).toBe(1);
    // Every 429 was waited out for the server's Retry-After (5 s), not a shorter backoff.
    expect(clock.sleeps.filter((ms) => ms === 5000).length).toBe(counters.rateLimited);
  });

  it('warns from 7 days before the key expires, in the report, its notification and the platform summary', async () => {
    seedGarmin(1);
    const key = personal.createKey('com', ACCOUNT, { validDays: 30 });
    // A date-only setting means 00:00 UTC of that day: 4 days and some hours from now.
    const expires = new Date(clock.ms + 5 * DAY * 1000).toISOString().slice(0, 10);
    const log = capturingLogger();
    const { report } = await syncOnce(
      settings({ GARMIN_API_KEY_COM: key, GARMIN_API_KEY_COM_EXPIRES: expires }),
      clock,
      log,
    );
    const warning = report.warnings.find((line) => line.startsWith('GARMIN_API_KEY_COM expires'));
    expect(warning).toBe(
      `GARMIN_API_KEY_COM expires on ${expires} (in 4 days): create a new key at https://connect.garmin.com/app/settings/personalApiToken and update the secret (a program cannot renew it)`,
    );
    expect(report.platforms.find((platform) => platform.id === 'garmin_com')!.credentialExpiry?.slice(0, 10)).toBe(
      expires,
    );
    const message = buildReportMessage(report, { now: new Date(clock.ms), timeZone: 'UTC' });
    const text = JSON.stringify(message);
    expect(text).toContain('GARMIN_API_KEY_COM expires');
    expect(text).toContain('Sign-in expiring');
    // `status` (the built CLI, as a process) shows it from the database alone.
    const status = spawnSync(
      process.execPath,
      [
        join(import.meta.dirname, '..', '..', 'action', 'cli.js'),
        'status',
        '--db',
        join(temp.dir, 'sports_sync.sqlite'),
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
    );
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout).toMatch(
      new RegExp(
        `Garmin COM Personal API key \\(GARMIN_API_KEY_COM\\): valid until ${expires} \\(in \\d+ days?\\) — create a new key at https://connect.garmin.com/app/settings/personalApiToken before then`,
      ),
    );
    expect(status.stdout).not.toContain(key);

    // Eight days ahead: no warning yet.
    const later = new Date(clock.ms + 8 * DAY * 1000 + 3600_000).toISOString().slice(0, 10);
    const quiet = await syncOnce(
      settings({ GARMIN_API_KEY_COM: key, GARMIN_API_KEY_COM_EXPIRES: later }),
      clock,
      capturingLogger(),
    );
    expect(quiet.report.warnings.filter((line) => line.includes('GARMIN_API_KEY_COM expires'))).toEqual([]);
  });

  it('takes the key expiry from the exchange answer when Garmin names it', async () => {
    seedGarmin(1);
    personal.knobs.exposeKeyExpiry = true;
    const key = personal.createKey('com', ACCOUNT, { validDays: 3 });
    const { report } = await syncOnce(settings({ GARMIN_API_KEY_COM: key }), clock, capturingLogger());
    const expiry = report.platforms.find((platform) => platform.id === 'garmin_com')!.credentialExpiry;
    expect(expiry).toBe(new Date(personal.keyExpiry(key)! * 1000).toISOString());
    expect(report.warnings.some((line) => /^GARMIN_API_KEY_COM expires on .* \(in [23] days\)/.test(line))).toBe(true);
  });

  it('probes the download path in the documented order and remembers the one that worked', async () => {
    seedGarmin(3);
    personal.knobs.downloadPath = '/activity-service/activity/{id}/download';
    const key = personal.createKey('com', ACCOUNT);
    const { report } = await syncOnce(settings({ GARMIN_API_KEY_COM: key }), clock, capturingLogger());
    expect(report.failures).toEqual([]);
    expect(coros.activities(COROS.email)).toHaveLength(3);
    const paths = personal.counters().byPath;
    // The connectapi path is tried once (404), then the remembered fallback serves every download.
    expect(Object.keys(paths).filter((path) => path.startsWith('/download-service/'))).toHaveLength(1);
    expect(Object.keys(paths).filter((path) => path.endsWith('/download'))).toHaveLength(3);
  });
});

describe('garmin.com with the key and a DI token', () => {
  const GARMIN = { email: 'athlete@example.com', password: 'garmin-test-password' };

  it('reads through the Personal API, uploads through DI, and checks once that the ids are the same', async () => {
    garmin.addAccount('com', GARMIN);
    for (let index = 0; index < 3; index++) {
      garmin.addActivity('com', GARMIN.email, {
        fitBytes: garminRunFit(BASE + index * DAY),
      });
    }
    personal.addAccount('com', ACCOUNT, () => garmin.activities('com', GARMIN.email));
    seedCoros(2);
    const key = personal.createKey('com', ACCOUNT);
    const log = capturingLogger();
    const extra = { GARMIN_API_KEY_COM: key, GARMIN_TOKEN_COM: garmin.mintTokenBlob('com', GARMIN.email) };
    const { report } = await syncOnce(settings(extra), clock, log);
    expect(report.failures).toEqual([]);
    expect(
      report.transfers.filter((transfer) => transfer.to === 'garmin_com' && transfer.outcome === 'created'),
    ).toHaveLength(2);
    expect(
      report.transfers.filter((transfer) => transfer.to === 'coros' && transfer.outcome === 'created'),
    ).toHaveLength(3);
    expect(
      log.lines.some((line) => line.includes('Personal API ids equal the connectapi ids (3 of the newest compared)')),
    ).toBe(true);
    // Downloads went through the Personal API, not connectapi.
    expect(personal.counters().downloads).toBe(3);
    expect(garmin.counters().byHost['connectapi.garmin.com']).toBeGreaterThan(0);

    const second = await syncOnce(settings(extra), clock, log);
    expect(second.report.counts.uploaded).toBe(0);
    expect(log.lines.filter((line) => line.includes('Personal API ids equal'))).toHaveLength(1);
  });

  it('when the ids differ, deletes a duplicate through DI by start time, never by file hash', async () => {
    garmin.addAccount('com', GARMIN);
    const fit = garminRunFit(BASE);
    garmin.addActivity('com', GARMIN.email, { fitBytes: fit });
    garmin.addActivity('com', GARMIN.email, {
      fitBytes: garminRunFit(BASE + 2, { heartRate: 140 }),
    });
    personal.addAccount('com', ACCOUNT, () => garmin.activities('com', GARMIN.email));
    personal.knobs.idOffset = 7_000_000;
    const key = personal.createKey('com', ACCOUNT);
    const log = capturingLogger();
    const extra = {
      GARMIN_API_KEY_COM: key,
      GARMIN_TOKEN_COM: garmin.mintTokenBlob('com', GARMIN.email),
      DELETE_DUPLICATE: '1',
      CONFIRM_DELETES: '1',
      SYNC_PLATFORM: 'GARMINCOM',
    };
    const { report } = await syncOnce(settings(extra), clock, log);
    expect(log.lines.some((line) => line.includes('Personal API ids differ from the connectapi ids'))).toBe(true);
    expect(report.failures).toEqual([]);
    expect(report.duplicates).toHaveLength(1);
    expect(report.duplicates[0]!.action).toBe('deleted');
    expect(garmin.activities('com', GARMIN.email)).toHaveLength(1);
  });
});

describe('garmin.cn Personal API behind the same code', () => {
  const GARMIN_CN = { email: 'athlete@example.cn', password: 'garmin-cn-test-password' };

  it('HTTP 526 at the CN exchange: one line, then reads through the DI token; not retried within a day', async () => {
    garmin.addAccount('cn', GARMIN_CN);
    garmin.addActivity('cn', GARMIN_CN.email, {
      fitBytes: garminRunFit(BASE),
    });
    personal.addAccount('cn', GARMIN_CN.email, () => garmin.activities('cn', GARMIN_CN.email));
    personal.knobs.exchange526 = ['cn'];
    const key = personal.createKey('cn', GARMIN_CN.email);
    const log = capturingLogger();
    const extra = {
      SYNC_PLATFORM: 'GARMINCN,COROS',
      GARMIN_API_KEY_CN: key,
      GARMIN_TOKEN_CN: garmin.mintTokenBlob('cn', GARMIN_CN.email),
    };
    const { report } = await syncOnce(settings(extra), clock, log);
    expect(report.failures).toEqual([]);
    expect(coros.activities(COROS.email)).toHaveLength(1);
    const lines = log.lines.filter((line) => line.includes('526'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^warn: Garmin CN Personal API is unavailable: HTTP 526 at the token exchange .*reading through GARMIN_TOKEN_CN instead$/,
    );

    personal.resetCounters();
    clock.advanceHours(2);
    const second = await syncOnce(settings(extra), clock, capturingLogger());
    expect(second.report.failures).toEqual([]);
    expect(personal.counters().exchanges).toBe(0);
  });

  it('HTTP 526 with the key alone: one line naming the fix; COROS still syncs', async () => {
    personal.addAccount('cn', GARMIN_CN.email);
    personal.knobs.exchange526 = ['cn'];
    seedCoros(1);
    const key = personal.createKey('cn', GARMIN_CN.email);
    const { report } = await syncOnce(
      settings({ SYNC_PLATFORM: 'GARMINCN,COROS', GARMIN_API_KEY_CN: key }),
      clock,
      capturingLogger(),
    );
    const cn = report.platforms.find((platform) => platform.id === 'garmin_cn')!;
    expect(cn.error?.message).toMatch(/HTTP 526 .*no GARMIN_TOKEN_CN is configured/);
    expect(cn.error?.nextStep).toMatch(/Set GARMIN_TOKEN_CN/);
    expect(report.platforms.find((platform) => platform.id === 'coros')!.error).toBeUndefined();
  });
});
