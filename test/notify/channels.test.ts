import { createHmac } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { describeError, isSyncError } from '../../src/core/errors.ts';
import { registerSecret } from '../../src/core/secrets.ts';
import type { Notifier } from '../../src/notify/channel-support.ts';
import { createBarkNotifier } from '../../src/notify/channels/bark.ts';
import { createDingTalkNotifier } from '../../src/notify/channels/dingtalk.ts';
import { createDiscordNotifier } from '../../src/notify/channels/discord.ts';
import { createFeishuNotifier } from '../../src/notify/channels/feishu.ts';
import { createNtfyNotifier } from '../../src/notify/channels/ntfy.ts';
import { createServerChanNotifier } from '../../src/notify/channels/serverchan.ts';
import { createSlackNotifier } from '../../src/notify/channels/slack.ts';
import { createTelegramNotifier } from '../../src/notify/channels/telegram.ts';
import { createWebhookNotifier } from '../../src/notify/channels/webhook.ts';
import { buildReportMessage, type NotificationMessage } from '../../src/notify/message.ts';
import {
  discordTooMany,
  fakeBark,
  fakeDingTalk,
  fakeDiscord,
  fakeFeishu,
  fakeNtfy,
  fakeServerChan,
  fakeSlack,
  fakeTelegram,
  parseTelegramHtml,
  telegramTooMany,
  type FakeChannel,
} from './fake-channels.ts';
import { startFakeServer, utf8Bytes } from './fake-server.ts';
import { VirtualClock, capturingLogger, expectNoSecrets, harness, type Harness } from './harness.ts';
import { busyReport, hugeCjkReport } from './report-fixture.ts';

const RUN_URL = 'https://github.com/owner/repo/actions/runs/123';
const TELEGRAM_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const DINGTALK_TOKEN = 'f1e2d3c4b5a6978877665544332211000ffeeddccbbaa99887766554433221100';
const DINGTALK_SECRET = 'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd';
const FEISHU_TOKEN = '8c3b5e2a-1f4d-4e6a-9b7c-0d2e4f6a8b1c';
const FEISHU_SECRET = 'qHk2Vb9sTz4Xw7Lm1Np3Rd';
const BARK_KEY = 'Vx7f3kQm9pLbT2sR';
const SCT_KEY = 'SCT123456TabcdefGHIJKLmnop';
const SCT3_KEY = 'sctp4242tAbCdEfGhIjKlMnOpQr';
const NTFY_TOPIC = 'sports-sync-x-7f3k2q9z';
const NTFY_TOKEN = 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2';
const SLACK_PATH = '/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
const DISCORD_ID = '123456789012345678';
const DISCORD_TOKEN = 'abcDEF-ghi_JKLmnoPQRstuVWXyz0123456789';
const ALL_SECRETS = [
  TELEGRAM_TOKEN,
  DINGTALK_TOKEN,
  DINGTALK_SECRET,
  FEISHU_TOKEN,
  FEISHU_SECRET,
  BARK_KEY,
  SCT_KEY,
  SCT3_KEY,
  NTFY_TOPIC,
  NTFY_TOKEN,
  DISCORD_TOKEN,
];

let message: NotificationMessage;
beforeEach(() => {
  for (const secret of ALL_SECRETS) registerSecret(secret);
  message = buildReportMessage(busyReport(), { runUrl: RUN_URL, now: new Date('2026-01-08T06:01:00Z') });
});

async function failure(notifier: Notifier, what: NotificationMessage = message): Promise<unknown> {
  return notifier.send(what).then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** A harness whose fake service reads the test's virtual clock (signed requests carry the time). */
async function clockedHarness(host: string, fake: (now: VirtualClock['now']) => FakeChannel): Promise<Harness> {
  const clock = new VirtualClock();
  return harness(host, fake(clock.now), clock);
}

describe('Telegram', () => {
  it('sends HTML to sendMessage with the exact body', async () => {
    const h = await harness('api.telegram.org', fakeTelegram({ token: TELEGRAM_TOKEN, chatId: -1001234567890 }));
    await createTelegramNotifier({ botToken: TELEGRAM_TOKEN, chatId: -1001234567890 }, h.deps).send(message);
    const [request] = h.server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`/bot${TELEGRAM_TOKEN}/sendMessage`);
    const body = request?.json as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([
      'chat_id',
      'disable_notification',
      'link_preview_options',
      'parse_mode',
      'text',
    ]);
    expect(body.chat_id).toBe(-1001234567890);
    expect(body.parse_mode).toBe('HTML');
    expect(body.link_preview_options).toEqual({ is_disabled: true });
    expect(body.disable_notification).toBe(false);
    expect(String(body.text)).toContain('❌ <b>Sports Sync X');
    expect(String(body.text)).toContain(`<a href="${RUN_URL}">Run log</a>`);
  });

  it('splits a long report into messages of at most 4096 characters that all parse', async () => {
    const h = await harness('api.telegram.org', fakeTelegram({ token: TELEGRAM_TOKEN, chatId: 42 }));
    await createTelegramNotifier({ botToken: TELEGRAM_TOKEN, chatId: 42 }, h.deps).send(
      buildReportMessage(hugeCjkReport(200), { maxItemsPerSection: 1000 }),
    );
    expect(h.server.requests.length).toBeGreaterThan(1);
    expect(h.server.requests.length).toBeLessThanOrEqual(3);
    for (const request of h.server.requests) {
      const parsed = parseTelegramHtml(String((request.json as { text: string }).text));
      expect('text' in parsed).toBe(true);
    }
  });

  it('honours retry_after on 429 and retries once', async () => {
    const fake = fakeTelegram({ token: TELEGRAM_TOKEN, chatId: 42 });
    const h = await harness('api.telegram.org', fake);
    fake.forced.push(telegramTooMany(7));
    await createTelegramNotifier({ botToken: TELEGRAM_TOKEN, chatId: 42 }, h.deps).send(message);
    expect(h.clock.sleeps).toEqual([7_000]);
    expect(h.server.requests).toHaveLength(2);
  });

  it('gives up with a warning when told to wait longer than a run waits', async () => {
    const fake = fakeTelegram({ token: TELEGRAM_TOKEN, chatId: 42 });
    const h = await harness('api.telegram.org', fake);
    fake.forced.push(telegramTooMany(600));
    const error = await failure(createTelegramNotifier({ botToken: TELEGRAM_TOKEN, chatId: 42 }, h.deps));
    expect(isSyncError(error) && error.kind).toBe('retryable');
    expect(describeError(error)).toContain('asked to wait 600 s');
    expect(h.clock.sleeps).toEqual([]);
    expect(h.server.requests).toHaveLength(1);
  });

  it('explains "chat not found" and a wrong token without showing the token', async () => {
    const h = await harness('api.telegram.org', fakeTelegram({ token: TELEGRAM_TOKEN, chatId: 42 }));
    const chatError = await failure(createTelegramNotifier({ botToken: TELEGRAM_TOKEN, chatId: 43 }, h.deps));
    expect(isSyncError(chatError) && chatError.kind).toBe('config');
    expect(describeError(chatError)).toContain('TELEGRAM_CHAT_ID');
    const otherToken = '987654321:ZZHdqTcvCH1vGWJxfSeofSAs0K5PALDzzz';
    registerSecret(otherToken);
    const tokenError = await failure(createTelegramNotifier({ botToken: otherToken, chatId: 42 }, h.deps));
    expect(describeError(tokenError)).toContain('TELEGRAM_BOT_TOKEN');
    expectNoSecrets(
      [describeError(chatError), describeError(tokenError), ...h.log.lines],
      [TELEGRAM_TOKEN, otherToken],
    );
    expect(h.server.requests).toHaveLength(2);
  });
});

describe('DingTalk (signed)', () => {
  it('signs the URL (timestamp in ms, HMAC-SHA256 over "ts\\nsecret") and sends markdown', async () => {
    const h = await clockedHarness('oapi.dingtalk.com', (now) =>
      fakeDingTalk({ token: DINGTALK_TOKEN, secret: DINGTALK_SECRET, keyword: 'Sports Sync X', now }),
    );
    await createDingTalkNotifier({ accessToken: DINGTALK_TOKEN, secret: DINGTALK_SECRET }, h.deps).send(message);
    const [request] = h.server.requests;
    expect(request?.path).toBe('/robot/send');
    expect([...(request?.query.keys() ?? [])]).toEqual(['access_token', 'timestamp', 'sign']);
    expect(request?.query.get('timestamp')).toBe(String(h.clock.ms));
    const expected = createHmac('sha256', DINGTALK_SECRET).update(`${h.clock.ms}\n${DINGTALK_SECRET}`).digest('base64');
    expect(request?.query.get('sign')).toBe(expected);
    const body = request?.json as { msgtype: string; markdown: { title: string; text: string } };
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toBe('Sports Sync X');
    expect(body.markdown.text.startsWith('### ❌ Sports Sync X')).toBe(true);
  });

  it('sends unsigned when no secret is configured and stays under 4 KB per message', async () => {
    const h = await harness('oapi.dingtalk.com', fakeDingTalk({ token: DINGTALK_TOKEN }));
    await createDingTalkNotifier({ accessToken: DINGTALK_TOKEN }, h.deps).send(
      buildReportMessage(hugeCjkReport(), { maxItemsPerSection: 1000 }),
    );
    expect([...(h.server.requests[0]?.query.keys() ?? [])]).toEqual(['access_token']);
    expect(h.server.requests).toHaveLength(2);
    for (const request of h.server.requests)
      expect(utf8Bytes((request.json as { markdown: { text: string } }).markdown.text)).toBeLessThan(4096);
  });

  it('a wrong secret is errcode 310000 (HTTP 200): a configuration error, not retried, secret not shown', async () => {
    const h = await clockedHarness('oapi.dingtalk.com', (now) =>
      fakeDingTalk({ token: DINGTALK_TOKEN, secret: DINGTALK_SECRET, now }),
    );
    const wrong = 'SECffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff';
    registerSecret(wrong);
    const error = await failure(createDingTalkNotifier({ accessToken: DINGTALK_TOKEN, secret: wrong }, h.deps));
    expect(isSyncError(error) && error.kind).toBe('config');
    expect(describeError(error)).toContain('errcode 310000');
    expect(describeError(error)).toContain('DINGTALK_SECRET');
    expect(h.server.requests).toHaveLength(1);
    expectNoSecrets([describeError(error)], [wrong, DINGTALK_TOKEN]);
  });

  it('a wrong token is errcode 300001; throttling (130101) is not waited out', async () => {
    const fake = fakeDingTalk({ token: DINGTALK_TOKEN });
    const h = await harness('oapi.dingtalk.com', fake);
    const wrong = 'aaaabbbbccccddddeeeeffff0000111122223333';
    registerSecret(wrong);
    const tokenError = await failure(createDingTalkNotifier({ accessToken: wrong }, h.deps));
    expect(describeError(tokenError)).toContain('errcode 300001');
    fake.forced.push({ status: 200, body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' } });
    const throttled = await failure(createDingTalkNotifier({ accessToken: DINGTALK_TOKEN }, h.deps));
    expect(isSyncError(throttled) && throttled.kind).toBe('retryable');
    expect(h.clock.sleeps).toEqual([]);
    expectNoSecrets([describeError(tokenError), describeError(throttled)], [wrong, DINGTALK_TOKEN]);
  });
});

describe('Feishu / Lark (signed)', () => {
  it('signs in the body (timestamp in seconds, HMAC keyed with "ts\\nsecret" over nothing) and sends a post', async () => {
    const h = await clockedHarness('open.feishu.cn', (now) =>
      fakeFeishu({ token: FEISHU_TOKEN, secret: FEISHU_SECRET, now }),
    );
    await createFeishuNotifier({ host: 'open.feishu.cn', token: FEISHU_TOKEN, secret: FEISHU_SECRET }, h.deps).send(
      message,
    );
    const [request] = h.server.requests;
    expect(request?.path).toBe(`/open-apis/bot/v2/hook/${FEISHU_TOKEN}`);
    expect([...(request?.query.keys() ?? [])]).toEqual([]);
    const body = request?.json as Record<string, unknown>;
    const seconds = String(Math.floor(h.clock.ms / 1000));
    expect(body.timestamp).toBe(seconds);
    expect(body.sign).toBe(createHmac('sha256', `${seconds}\n${FEISHU_SECRET}`).update('').digest('base64'));
    expect(body.msg_type).toBe('post');
    const post = (body.content as { post: { zh_cn: { title: string; content: Array<Array<Record<string, string>>> } } })
      .post.zh_cn;
    expect(post.title).toBe('❌ Sports Sync X: 3 uploaded, 1 duplicate deleted, 1 failed');
    expect(post.content.at(-1)).toEqual([{ tag: 'a', text: 'Run log', href: RUN_URL }]);
  });

  it('goes to open.larksuite.com for Lark, and a wrong secret is code 19021', async () => {
    const h = await clockedHarness('open.larksuite.com', (now) =>
      fakeFeishu({ token: FEISHU_TOKEN, secret: FEISHU_SECRET, now }),
    );
    const notifier = createFeishuNotifier(
      { host: 'open.larksuite.com', token: FEISHU_TOKEN, secret: 'wrong-secret-value' },
      h.deps,
    );
    expect(notifier.name).toBe('Lark');
    const error = await failure(notifier);
    expect(isSyncError(error) && error.kind).toBe('config');
    expect(describeError(error)).toContain('code 19021');
    expect(describeError(error)).toContain('FEISHU_SECRET');
    expectNoSecrets([describeError(error)], [FEISHU_TOKEN, FEISHU_SECRET]);
  });

  it('retries 11232 (frequency limited) with backoff', async () => {
    const fake = fakeFeishu({ token: FEISHU_TOKEN });
    const h = await harness('open.feishu.cn', fake);
    fake.forced.push({ status: 200, body: { code: 11232, msg: 'frequency limited psm', data: {} } });
    await createFeishuNotifier({ host: 'open.feishu.cn', token: FEISHU_TOKEN }, h.deps).send(message);
    expect(h.server.requests).toHaveLength(2);
    expect(h.clock.sleeps).toHaveLength(1);
  });
});

describe('Bark', () => {
  it('POSTs JSON to /push with the device key in the body', async () => {
    const h = await harness('api.day.app', fakeBark({ deviceKey: BARK_KEY }));
    await createBarkNotifier({ server: 'https://api.day.app', deviceKey: BARK_KEY }, h.deps).send(message);
    const [request] = h.server.requests;
    expect(request?.path).toBe('/push');
    const body = request?.json as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['body', 'device_key', 'group', 'level', 'title', 'url']);
    expect(body.device_key).toBe(BARK_KEY);
    expect(body.title).toBe(message.title);
    expect(body.url).toBe(RUN_URL);
    expect(body.level).toBe('timeSensitive');
    expect(String(body.body)).toContain('Copied: 3 workouts');
  });

  it('works with a self-hosted server under a path prefix; an unknown device key is a config error', async () => {
    const h = await harness('bark.example.com', fakeBark({ deviceKey: BARK_KEY, prefix: '/bark' }));
    await createBarkNotifier({ server: 'https://bark.example.com/bark', deviceKey: BARK_KEY }, h.deps).send(message);
    const other = 'OtherDeviceKey99';
    registerSecret(other);
    const error = await failure(
      createBarkNotifier({ server: 'https://bark.example.com/bark', deviceKey: other }, h.deps),
    );
    expect(isSyncError(error) && error.kind).toBe('config');
    expect(describeError(error)).toContain('BARK_KEY');
    expectNoSecrets([describeError(error)], [other, BARK_KEY]);
  });
});

describe('ServerChan', () => {
  it('Turbo keys post to sctapi.ftqq.com/<key>.send with a title of at most 32 characters', async () => {
    const h = await harness('sctapi.ftqq.com', fakeServerChan({ sendKey: SCT_KEY }));
    await createServerChanNotifier({ sendKey: SCT_KEY }, h.deps).send(message);
    const [request] = h.server.requests;
    expect(request?.path).toBe(`/${SCT_KEY}.send`);
    const body = request?.json as Record<string, string>;
    expect([...body.title!].length).toBeLessThanOrEqual(32);
    expect(body.title!.endsWith('…')).toBe(true);
    expect(body.desp).toContain(`[Run log](${RUN_URL})`);
  });

  it('Server酱³ keys go to <uid>.push.ft07.com/send/<key>.send', async () => {
    const h = await harness('4242.push.ft07.com', fakeServerChan({ sendKey: SCT3_KEY }));
    await createServerChanNotifier({ sendKey: SCT3_KEY }, h.deps).send(message);
    expect(h.server.requests[0]?.path).toBe(`/send/${SCT3_KEY}.send`);
    expect((h.server.requests[0]?.json as Record<string, string>).tags).toBe('Sports Sync X');
  });

  it('a bad key (non-zero code) is a config error naming SERVERCHAN_SENDKEY', async () => {
    const h = await harness('sctapi.ftqq.com', fakeServerChan({ sendKey: SCT_KEY }));
    const other = 'SCT999999TzzzzzzzzzzzzzzZ';
    registerSecret(other);
    const error = await failure(createServerChanNotifier({ sendKey: other }, h.deps));
    expect(isSyncError(error) && error.kind).toBe('config');
    expect(describeError(error)).toContain('SERVERCHAN_SENDKEY');
    expectNoSecrets([describeError(error)], [other]);
  });
});

describe('ntfy', () => {
  it('publishes JSON to the server root with topic, markdown, priority and a Bearer token', async () => {
    const h = await harness('ntfy.sh', fakeNtfy({ topic: NTFY_TOPIC, token: NTFY_TOKEN }));
    await createNtfyNotifier({ server: 'https://ntfy.sh', topic: NTFY_TOPIC, token: NTFY_TOKEN }, h.deps).send(
      buildReportMessage(hugeCjkReport(), { runUrl: RUN_URL }),
    );
    const [request] = h.server.requests;
    expect(request?.path).toBe('/');
    expect(request?.headers.authorization).toBe(`Bearer ${NTFY_TOKEN}`);
    const body = request?.json as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['click', 'markdown', 'message', 'priority', 'tags', 'title', 'topic']);
    expect(body).toMatchObject({ topic: NTFY_TOPIC, markdown: true, priority: 4, tags: ['x'], click: RUN_URL });
    expect(utf8Bytes(String(body.message))).toBeLessThanOrEqual(4096);
  });

  it('a 401 is a config error naming NTFY_TOKEN, without the token or topic', async () => {
    const h = await harness('ntfy.sh', fakeNtfy({ topic: NTFY_TOPIC, token: NTFY_TOKEN }));
    const error = await failure(createNtfyNotifier({ server: 'https://ntfy.sh', topic: NTFY_TOPIC }, h.deps));
    expect(isSyncError(error) && error.kind).toBe('config');
    expect(describeError(error)).toContain('NTFY_TOKEN');
    expectNoSecrets([describeError(error)], [NTFY_TOPIC, NTFY_TOKEN]);
  });
});

describe('Slack', () => {
  it('posts {"text"} in mrkdwn and accepts the plain "ok" answer', async () => {
    const url = `https://hooks.slack.com${SLACK_PATH}`;
    registerSecret(url);
    const h = await harness('hooks.slack.com', fakeSlack({ path: SLACK_PATH }));
    await createSlackNotifier({ webhookUrl: url }, h.deps).send(message);
    const body = h.server.requests[0]?.json as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['text']);
    expect(String(body.text)).toContain('*Needs attention: 1*');
  });

  it('a revoked webhook (404 no_service) is a config error that does not show the URL', async () => {
    const url = 'https://hooks.slack.com/services/T00000000/B00000000/YYYYYYYYYYYYYYYYYYYYYYYY';
    const h = await harness('hooks.slack.com', fakeSlack({ path: SLACK_PATH }));
    const error = await failure(createSlackNotifier({ webhookUrl: url }, h.deps));
    expect(isSyncError(error) && error.kind).toBe('config');
    expect(describeError(error)).toContain('no_service');
    expectNoSecrets([describeError(error)], ['YYYYYYYYYYYYYYYYYYYYYYYY']);
  });
});

describe('Discord', () => {
  const url = `https://discord.com/api/webhooks/${DISCORD_ID}/${DISCORD_TOKEN}`;

  it('posts content without pings and accepts 204; long reports split at 2000 characters', async () => {
    const h = await harness('discord.com', fakeDiscord({ id: DISCORD_ID, token: DISCORD_TOKEN }));
    await createDiscordNotifier({ webhookUrl: url }, h.deps).send(message);
    const body = h.server.requests[0]?.json as Record<string, unknown>;
    expect(body).toMatchObject({ username: 'Sports Sync X', allowed_mentions: { parse: [] } });
    await createDiscordNotifier({ webhookUrl: url }, h.deps).send(
      buildReportMessage(hugeCjkReport(), { maxItemsPerSection: 1000 }),
    );
    expect(h.server.requests.length).toBe(4);
    for (const request of h.server.requests)
      expect(String((request.json as { content: string }).content).length).toBeLessThanOrEqual(2000);
  });

  it('honours the JSON retry_after on 429; a wrong token is a config error without the token', async () => {
    const fake = fakeDiscord({ id: DISCORD_ID, token: DISCORD_TOKEN });
    const h = await harness('discord.com', fake);
    fake.forced.push(discordTooMany(1.5));
    await createDiscordNotifier({ webhookUrl: url }, h.deps).send(message);
    expect(h.clock.sleeps).toEqual([1_500]);
    const wrongUrl = `https://discord.com/api/webhooks/${DISCORD_ID}/wrongTOKENwrongTOKENwrongTOKEN`;
    const error = await failure(createDiscordNotifier({ webhookUrl: wrongUrl }, h.deps));
    expect(isSyncError(error) && error.kind).toBe('config');
    expectNoSecrets([describeError(error)], ['wrongTOKENwrongTOKENwrongTOKEN', DISCORD_TOKEN]);
  });
});

describe('generic JSON webhook', () => {
  it('posts the message and the whole report, signed with HMAC-SHA256 over the exact body', async () => {
    const secret = 'whsec_0123456789abcdef';
    const server = await startFakeServer((request) => {
      const expected = `sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`;
      return request.headers['x-sports-sync-signature-256'] === expected
        ? { status: 202 }
        : { status: 401, body: 'bad signature' };
    });
    try {
      const clock = new VirtualClock();
      const { channelDeps } = await import('../../src/notify/notify.ts');
      const { EndpointMap } = await import('../../src/core/endpoints.ts');
      const deps = channelDeps({
        endpoints: new EndpointMap(),
        log: capturingLogger(),
        sleep: clock.sleep,
        now: clock.date,
      });
      await createWebhookNotifier({ url: `${server.baseUrl}/hooks/sync`, secret }, deps).send(message);
      const body = server.requests[0]?.json as Record<string, unknown>;
      expect(body).toMatchObject({ schema: 1, event: 'sync-report', severity: 'error', runUrl: RUN_URL });
      expect((body.report as { runId: string }).runId).toBe('run-busy');
      expect(String(body.text)).toContain('Needs attention: 1');
      const error = await failure(
        createWebhookNotifier({ url: `${server.baseUrl}/hooks/sync`, secret: 'not-the-secret' }, deps),
      );
      expect(isSyncError(error) && error.kind).toBe('config');
    } finally {
      await server.close();
    }
  });
});
