import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { parseNotifyConfig, parseWeComKey } from '../../src/config/notify-config.ts';
import { redact } from '../../src/core/secrets.ts';

const WECOM_KEY = '693a91f6-7a0c-4bc4-97a0-0ec2f1fa5aaa';

function lookup(env: Record<string, string>): (name: string) => string | undefined {
  return (name) => env[name];
}

function configError(env: Record<string, string>): ConfigError {
  try {
    parseNotifyConfig(lookup(env));
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseNotifyConfig', () => {
  it('defaults: no channels, on-change, heartbeat off, UTC, 14 days', () => {
    expect(parseNotifyConfig(lookup({}))).toEqual({
      policy: 'on-change',
      heartbeat: 'off',
      timeZone: 'UTC',
      expiryWarningDays: 14,
      channels: [],
    });
  });

  it('reads every channel at once and registers every credential as a secret', async () => {
    // Fresh modules, so a fresh secrets registry: what it redacts below only this parse registered.
    vi.resetModules();
    const { parseNotifyConfig } = await import('../../src/config/notify-config.ts');
    const { redact } = await import('../../src/core/secrets.ts');
    const env = {
      QYWX_BOT_KEY: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${WECOM_KEY}`,
      QYWX_MENTION: 'zhangsan, 13800001111',
      TELEGRAM_BOT_TOKEN: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw',
      TELEGRAM_CHAT_ID: '-1001234567890',
      DINGTALK_WEBHOOK: 'https://oapi.dingtalk.com/robot/send?access_token=f1e2d3c4b5a69788776655443322110',
      DINGTALK_SECRET: 'SEC0123456789abcdef0123456789abcdef',
      FEISHU_WEBHOOK: 'https://open.larksuite.com/open-apis/bot/v2/hook/8c3b5e2a-1f4d-4e6a-9b7c-0d2e4f6a8b1c',
      FEISHU_SECRET: 'qHk2Vb9sTz4Xw7Lm1Np3Rd',
      BARK_URL: 'https://api.day.app/Vx7f3kQm9pLbT2sR/',
      SERVERCHAN_SENDKEY: 'SCT123456TabcdefGHIJKLmnop',
      NTFY_URL: 'https://ntfy.example.com/sports-sync-x-7f3k2q9z',
      NTFY_TOKEN: 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
      DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/123456789012345678/abcDEF-ghi_JKLmnoPQRstuVWXyz0123456789',
      NOTIFY_WEBHOOK_URL: 'https://example.com/hooks/sync?token=abcdef123456',
      NOTIFY_WEBHOOK_SECRET: 'whsec_0123456789abcdef',
      NOTIFY_POLICY: 'ALWAYS',
      NOTIFY_HEARTBEAT: 'weekly',
      NOTIFY_TIMEZONE: 'Asia/Shanghai',
    };
    const config = parseNotifyConfig(lookup(env));
    expect(config.policy).toBe('always');
    expect(config.heartbeat).toBe('weekly');
    expect(config.timeZone).toBe('Asia/Shanghai');
    expect(config.channels).toEqual([
      { kind: 'wecom', key: WECOM_KEY, messageType: 'markdown', mentions: ['zhangsan', '13800001111'] },
      { kind: 'telegram', botToken: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw', chatId: -1001234567890 },
      {
        kind: 'dingtalk',
        accessToken: 'f1e2d3c4b5a69788776655443322110',
        secret: 'SEC0123456789abcdef0123456789abcdef',
      },
      {
        kind: 'feishu',
        host: 'open.larksuite.com',
        token: '8c3b5e2a-1f4d-4e6a-9b7c-0d2e4f6a8b1c',
        secret: 'qHk2Vb9sTz4Xw7Lm1Np3Rd',
      },
      { kind: 'bark', server: 'https://api.day.app', deviceKey: 'Vx7f3kQm9pLbT2sR' },
      { kind: 'serverchan', sendKey: 'SCT123456TabcdefGHIJKLmnop' },
      {
        kind: 'ntfy',
        server: 'https://ntfy.example.com',
        topic: 'sports-sync-x-7f3k2q9z',
        token: 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2',
      },
      { kind: 'slack', webhookUrl: env.SLACK_WEBHOOK_URL },
      { kind: 'discord', webhookUrl: env.DISCORD_WEBHOOK_URL },
      { kind: 'webhook', url: env.NOTIFY_WEBHOOK_URL, secret: 'whsec_0123456789abcdef' },
    ]);
    const secrets = [
      WECOM_KEY,
      env.TELEGRAM_BOT_TOKEN,
      'f1e2d3c4b5a69788776655443322110',
      env.DINGTALK_SECRET,
      '8c3b5e2a-1f4d-4e6a-9b7c-0d2e4f6a8b1c',
      env.FEISHU_SECRET,
      'Vx7f3kQm9pLbT2sR',
      env.SERVERCHAN_SENDKEY,
      'sports-sync-x-7f3k2q9z',
      env.NTFY_TOKEN,
      'XXXXXXXXXXXXXXXXXXXXXXXX',
      'abcDEF-ghi_JKLmnoPQRstuVWXyz0123456789',
      'abcdef123456',
      env.NOTIFY_WEBHOOK_SECRET,
    ];
    for (const secret of secrets) expect(redact(`value ${secret} end`)).toBe('value *** end');
    expect(redact('value zhangsan end'), 'a mention is not a secret').toBe('value zhangsan end');
  });

  it('accepts the bare WeCom key or the whole URL, and refuses other shapes without echoing them', () => {
    expect(parseWeComKey(WECOM_KEY)).toBe(WECOM_KEY);
    expect(parseWeComKey(`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${WECOM_KEY}`)).toBe(WECOM_KEY);
    const notAKey = 'my-secret-value-that-is-wrong';
    const error = configError({ QYWX_BOT_KEY: notAKey });
    expect(error.message).toContain('QYWX_BOT_KEY');
    expect(error.message).toContain('8-4-4-4-12');
    expect(error.message).not.toContain(notAKey);
    expect(configError({ QYWX_BOT_KEY: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?foo=1' }).message).toContain(
      'no key=',
    );
  });

  it.each([
    [
      { NOTIFY_POLICY: 'sometimes' },
      'NOTIFY_POLICY="sometimes" is not recognised; set it to one of always, on-change, on-failure (default on-change)',
    ],
    [
      { NOTIFY_HEARTBEAT: 'daily' },
      'NOTIFY_HEARTBEAT="daily" is not recognised; set it to one of weekly, off (default off)',
    ],
    [{ NOTIFY_TIMEZONE: 'Mars/Olympus' }, 'NOTIFY_TIMEZONE="Mars/Olympus" is not a known time zone'],
    [
      { TELEGRAM_BOT_TOKEN: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw' },
      'TELEGRAM_BOT_TOKEN is set but TELEGRAM_CHAT_ID is not',
    ],
    [{ TELEGRAM_CHAT_ID: '42' }, 'TELEGRAM_CHAT_ID is set but TELEGRAM_BOT_TOKEN is not'],
    [
      { TELEGRAM_BOT_TOKEN: 'secretgarbage', TELEGRAM_CHAT_ID: '42' },
      'TELEGRAM_BOT_TOKEN does not look like a bot token',
    ],
    [{ DINGTALK_SECRET: 'SEC0123456789abcdef0123' }, 'DINGTALK_SECRET is set but DINGTALK_WEBHOOK is not'],
    [{ FEISHU_SECRET: 'secretgarbage' }, 'FEISHU_SECRET is set but FEISHU_WEBHOOK is not; add the bot webhook'],
    [{ NOTIFY_WEBHOOK_SECRET: 'secretgarbage' }, 'NOTIFY_WEBHOOK_SECRET is set but NOTIFY_WEBHOOK_URL is not'],
    [{ NTFY_TOKEN: 'tk_secretgarbage' }, 'NTFY_TOKEN is set but neither NTFY_URL nor NTFY_TOPIC is'],
    [{ DINGTALK_TOKEN: 'secretgarbage!' }, 'DINGTALK_TOKEN does not contain a DingTalk access token'],
    [
      { DINGTALK_WEBHOOK: 'https://oapi.dingtalk.com/robot/send?secretgarbage=1' },
      'DINGTALK_WEBHOOK has no access_token=',
    ],
    [
      { DINGTALK_TOKEN: 'f1e2d3c4b5a69788776655443322110', DINGTALK_SECRET: 'secretgarbage' },
      'DINGTALK_SECRET does not look like a DingTalk signing secret',
    ],
    [
      { FEISHU_WEBHOOK: 'https://evil.example.com/open-apis/bot/v2/hook/abcdefgh' },
      'FEISHU_WEBHOOK must be a https://open.feishu.cn/',
    ],
    [
      { SLACK_WEBHOOK_URL: 'https://example.com/services/secretgarbage' },
      'SLACK_WEBHOOK_URL is not a webhook address of the expected form',
    ],
    [
      { DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/secretgarbage' },
      'DISCORD_WEBHOOK_URL is not a webhook address of the expected form',
    ],
    [{ NTFY_TOPIC: 'has spaces secretgarbage' }, 'NTFY_TOPIC must be 1–64 letters'],
    [{ NOTIFY_WEBHOOK_URL: 'not a url secretgarbage' }, 'NOTIFY_WEBHOOK_URL is not a URL'],
    [{ QYWX_BOT_KEY: WECOM_KEY, QYWX_MSG_TYPE: 'card' }, 'QYWX_MSG_TYPE="card" is not recognised'],
  ])('refuses %o with one clear line', (env, expected) => {
    const error = configError(env);
    expect(error.message).toContain(expected);
    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.message).not.toContain('secretgarbage');
  });

  it('takes DINGTALK_WEBHOOK over DINGTALK_TOKEN, and keeps both out of the logs', () => {
    const env = {
      DINGTALK_WEBHOOK: 'https://oapi.dingtalk.com/robot/send?access_token=a1b2c3d4e5f60718293a4b5c6d7e8f90',
      DINGTALK_TOKEN: 'f1e2d3c4b5a69788776655443322110',
    };
    expect(parseNotifyConfig(lookup(env)).channels).toEqual([
      { kind: 'dingtalk', accessToken: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' },
    ]);
    for (const secret of ['a1b2c3d4e5f60718293a4b5c6d7e8f90', env.DINGTALK_TOKEN])
      expect(redact(`value ${secret} end`)).toBe('value *** end');
  });

  it('derives Bark and ntfy servers from the URL forms users paste', () => {
    expect(parseNotifyConfig(lookup({ BARK_KEY: 'Vx7f3kQm9pLbT2sR' })).channels).toEqual([
      { kind: 'bark', server: 'https://api.day.app', deviceKey: 'Vx7f3kQm9pLbT2sR' },
    ]);
    expect(
      parseNotifyConfig(lookup({ BARK_URL: 'https://bark.example.com/bark/', BARK_KEY: 'Vx7f3kQm9pLbT2sR' })).channels,
    ).toEqual([{ kind: 'bark', server: 'https://bark.example.com/bark', deviceKey: 'Vx7f3kQm9pLbT2sR' }]);
    expect(parseNotifyConfig(lookup({ NTFY_TOPIC: 'my-topic-123' })).channels).toEqual([
      { kind: 'ntfy', server: 'https://ntfy.sh', topic: 'my-topic-123' },
    ]);
    expect(
      parseNotifyConfig(lookup({ NTFY_URL: 'https://ntfy.example.com/', NTFY_TOPIC: 'my-topic-123' })).channels,
    ).toEqual([{ kind: 'ntfy', server: 'https://ntfy.example.com', topic: 'my-topic-123' }]);
    expect(
      parseNotifyConfig(
        lookup({ TELEGRAM_BOT_TOKEN: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw', TELEGRAM_CHAT_ID: '@my_channel' }),
      ).channels[0],
    ).toMatchObject({ chatId: '@my_channel' });
    expect(
      parseNotifyConfig(lookup({ FEISHU_WEBHOOK: '8c3b5e2a-1f4d-4e6a-9b7c-0d2e4f6a8b1c' })).channels[0],
    ).toMatchObject({ host: 'open.feishu.cn' });
  });
});

describe('describeNotifyConfig', () => {
  it('names channels and policy without any credential', async () => {
    const { describeNotifyConfig } = await import('../../src/config/notify-config.ts');
    const env = {
      QYWX_BOT_KEY: WECOM_KEY,
      DINGTALK_TOKEN: 'f1e2d3c4b5a69788776655443322110',
      DINGTALK_SECRET: 'SEC0123456789abcdef0123456789abcdef',
      NOTIFY_POLICY: 'on-failure',
    };
    const line = describeNotifyConfig(parseNotifyConfig(lookup(env)));
    expect(line).toBe('notifications: WeCom, DingTalk (signed); policy on-failure; heartbeat off');
    expect(describeNotifyConfig(parseNotifyConfig(lookup({})))).toBe('notifications: off (no channel configured)');
  });
});
