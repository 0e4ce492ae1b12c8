import { afterEach, describe, expect, it } from 'vitest';
import { EndpointMap } from '../../src/core/endpoints.ts';
import { parseNotifyConfig, type NotifyConfig } from '../../src/config/notify-config.ts';
import { heartbeatDue, notifyRun, policyDecision } from '../../src/notify/notify.ts';
import { fakeTelegram, fakeWeCom } from './fake-channels.ts';
import { startFakeServer, type FakeServer } from './fake-server.ts';
import { VirtualClock, capturingLogger, expectNoSecrets } from './harness.ts';
import { busyReport, counts, quietReport, transfer } from './report-fixture.ts';

const WECOM_KEY = '693a91f6-7a0c-4bc4-97a0-0ec2f1fa5aaa';
const TELEGRAM_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const RUN_URL = 'https://github.com/owner/repo/actions/runs/123';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function world(env: Record<string, string>, wecomKey = WECOM_KEY) {
  const wecom = await startFakeServer(fakeWeCom({ key: wecomKey }).handler);
  const telegram = await startFakeServer(fakeTelegram({ token: TELEGRAM_TOKEN, chatId: 42 }).handler);
  servers.push(wecom, telegram);
  const config = parseNotifyConfig((name) => env[name]);
  const endpoints = new EndpointMap().with({
    'qyapi.weixin.qq.com': wecom.baseUrl,
    'api.telegram.org': telegram.baseUrl,
  });
  const clock = new VirtualClock();
  const log = capturingLogger();
  const deps = {
    endpoints,
    log,
    now: clock.date,
    sleep: clock.sleep,
    backoff: { baseDelayMs: 5, maxDelayMs: 10 },
    runUrl: RUN_URL,
  };
  return { wecom, telegram, config, deps, clock, log };
}

const BOTH = { QYWX_BOT_KEY: WECOM_KEY, TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN, TELEGRAM_CHAT_ID: '42' };

describe('policy', () => {
  const uploadsOnly = quietReport({ transfers: [transfer()], counts: counts({ uploaded: 1 }) });
  const deletedOnly = quietReport({ counts: counts({ deleted: 1, duplicatesFound: 1 }) });
  const failed = quietReport({ outcome: 'partial', counts: counts({ failed: 1 }) });
  const platformError = quietReport({
    outcome: 'failed',
    platforms: [
      {
        id: 'coros',
        label: 'COROS',
        listed: 0,
        known: 0,
        error: { kind: 'auth', message: 'COROS refused the password' },
      },
    ],
  });

  it.each([
    ['on-change', quietReport(), false],
    ['on-change', uploadsOnly, true],
    ['on-change', deletedOnly, true],
    ['on-change', failed, true],
    ['on-change', platformError, true],
    ['on-failure', uploadsOnly, false],
    ['on-failure', failed, true],
    ['on-failure', platformError, true],
    ['always', quietReport(), true],
  ] as const)('%s with %#: notify=%s', (policy, report, expected) => {
    expect(policyDecision(report, policy).notify).toBe(expected);
  });

  it('the weekly heartbeat is due when never sent or a week has passed', () => {
    const config = { heartbeat: 'weekly' } as NotifyConfig;
    const now = new Date('2026-01-08T06:00:00Z');
    expect(heartbeatDue(config, undefined, now)).toBe(true);
    expect(heartbeatDue(config, '2026-01-02T06:00:00Z', now)).toBe(false);
    expect(heartbeatDue(config, '2026-01-01T06:00:00Z', now)).toBe(true);
    expect(heartbeatDue({ heartbeat: 'off' } as NotifyConfig, undefined, now)).toBe(false);
  });
});

describe('notifyRun', () => {
  it('with no channel configured does nothing', async () => {
    const w = await world({});
    const result = await notifyRun(busyReport(), w.config, w.deps);
    expect(result.status).toBe('no-channels');
    expect(w.wecom.requests).toHaveLength(0);
  });

  it('sends one summary to every channel and moves the heartbeat time', async () => {
    const w = await world(BOTH);
    const result = await notifyRun(busyReport(), w.config, w.deps);
    expect(result).toMatchObject({
      status: 'sent',
      kind: 'report',
      heartbeatSent: false,
      delivered: ['WeCom', 'Telegram'],
      failedChannels: [],
      warnings: [],
    });
    expect(result.lastHeartbeatAt).toBe(new Date(w.clock.ms).toISOString());
    expect(w.wecom.requests).toHaveLength(1);
    expect(w.telegram.requests).toHaveLength(1);
    expect(JSON.stringify(w.wecom.requests[0]?.json)).toContain(RUN_URL);
  });

  it('skips a quiet run under on-change, keeping the previous heartbeat time', async () => {
    const w = await world(BOTH);
    const result = await notifyRun(quietReport(), w.config, { ...w.deps, lastHeartbeatAt: '2026-01-07T00:00:00.000Z' });
    expect(result).toMatchObject({
      status: 'skipped',
      reason: 'policy on-change: nothing uploaded, deleted or failed',
      lastHeartbeatAt: '2026-01-07T00:00:00.000Z',
    });
    expect(w.wecom.requests).toHaveLength(0);
  });

  it('sends a weekly heartbeat on a quiet run when due, and only then', async () => {
    const w = await world({ ...BOTH, NOTIFY_HEARTBEAT: 'weekly' });
    const due = await notifyRun(quietReport(), w.config, { ...w.deps, lastHeartbeatAt: '2025-12-31T00:00:00.000Z' });
    expect(due).toMatchObject({
      status: 'sent',
      kind: 'heartbeat',
      heartbeatSent: true,
      lastHeartbeatAt: new Date(w.clock.ms).toISOString(),
    });
    expect(JSON.stringify(w.wecom.requests[0]?.json)).toContain('weekly heartbeat');
    const notDue = await notifyRun(quietReport(), w.config, { ...w.deps, lastHeartbeatAt: due.lastHeartbeatAt });
    expect(notDue).toMatchObject({ status: 'skipped', heartbeatSent: false });
    expect(w.wecom.requests).toHaveLength(1);
  });

  it('a failing channel becomes a redacted warning; the others still deliver; nothing throws', async () => {
    const w = await world(BOTH, 'deadbeef-0000-4000-8000-000000000000');
    const result = await notifyRun(busyReport(), w.config, w.deps);
    expect(result.status).toBe('sent');
    expect(result.delivered).toEqual(['Telegram']);
    expect(result.failedChannels).toEqual(['WeCom']);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/^notification via WeCom failed: .*errcode 93000.*QYWX_BOT_KEY/);
    expect(w.log.lines.some((line) => line.startsWith('warn: notification via WeCom failed'))).toBe(true);
    expectNoSecrets([...result.warnings, ...w.log.lines], [WECOM_KEY, TELEGRAM_TOKEN]);
  });

  it('unreachable services fail every channel without throwing and keep the heartbeat time', async () => {
    const w = await world(BOTH);
    await Promise.all(servers.splice(0).map((server) => server.close()));
    const result = await notifyRun(busyReport(), w.config, { ...w.deps, lastHeartbeatAt: '2026-01-01T00:00:00.000Z' });
    expect(result.status).toBe('failed');
    expect(result.failedChannels).toEqual(['WeCom', 'Telegram']);
    expect(result.lastHeartbeatAt).toBe('2026-01-01T00:00:00.000Z');
    expect(result.warnings).toHaveLength(2);
    expectNoSecrets([...result.warnings, ...w.log.lines], [WECOM_KEY, TELEGRAM_TOKEN]);
  });
});
