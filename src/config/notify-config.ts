import { readTimeZone } from '../core/time-format.ts';
import { ConfigError } from '../core/errors.ts';
import { parseWholeNumber, readSecret, readText, type Lookup } from './read-values.ts';
import { isSecretQueryKey, registerSecret } from '../core/secrets.ts';
import type { Language } from '../i18n/language.ts';

export type NotifyPolicy = 'always' | 'on-change' | 'on-failure';
export type HeartbeatMode = 'weekly' | 'off';
export type WeComMessageType = 'markdown' | 'markdown_v2' | 'text';

/** Each channel's settings, exactly as its notifier takes them (src/notify/channels/*). */
export interface ChannelSettings {
  readonly wecom: {
    readonly key: string;
    readonly messageType: WeComMessageType;
    /** User ids, phone numbers or @all, mentioned when the run failed. */
    readonly mentions: readonly string[];
  };
  readonly telegram: { readonly botToken: string; readonly chatId: string | number };
  /** secret: the robot's signing secret (SEC…), when signing is enabled. */
  readonly dingtalk: { readonly accessToken: string; readonly secret?: string };
  readonly feishu: {
    readonly host: 'open.feishu.cn' | 'open.larksuite.com';
    readonly token: string;
    readonly secret?: string;
  };
  /** server: https://api.day.app or a self-hosted server (with its path prefix, if any). */
  readonly bark: { readonly server: string; readonly deviceKey: string };
  readonly serverchan: { readonly sendKey: string };
  /** server: https://ntfy.sh or a self-hosted base URL; token: an access token (tk_…), or user:password. */
  readonly ntfy: { readonly server: string; readonly topic: string; readonly token?: string };
  readonly slack: { readonly webhookUrl: string };
  readonly discord: { readonly webhookUrl: string };
  /** secret: when set, the body is signed (X-Sports-Sync-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>). */
  readonly webhook: { readonly url: string; readonly secret?: string };
}

/** One configured channel: its kind and that kind's settings. */
export type ChannelConfig = {
  readonly [K in keyof ChannelSettings]: { readonly kind: K } & ChannelSettings[K];
}[keyof ChannelSettings];

export interface NotifyConfig {
  readonly policy: NotifyPolicy;
  readonly heartbeat: HeartbeatMode;
  /** IANA time zone for workout times in messages. */
  readonly timeZone: string;
  /** Days before a saved sign-in expires that messages start warning. */
  readonly expiryWarningDays: number;
  readonly channels: readonly ChannelConfig[];
  /** SYNC_LANGUAGE (set by parseConfig); messages are in English without it. */
  readonly language?: Language;
}

export type { Lookup } from './read-values.ts';

/** Every environment variable this module reads, for documentation and the Action's input mapping. */
export const NOTIFY_VARIABLES = [
  'NOTIFY_POLICY',
  'NOTIFY_HEARTBEAT',
  'NOTIFY_TIMEZONE',
  'NOTIFY_EXPIRY_WARNING_DAYS',
  'QYWX_BOT_KEY',
  'QYWX_MSG_TYPE',
  'QYWX_MENTION',
  'TELEGRAM_BOT_TOKEN',
  'TELEGRAM_CHAT_ID',
  'DINGTALK_WEBHOOK',
  'DINGTALK_TOKEN',
  'DINGTALK_SECRET',
  'FEISHU_WEBHOOK',
  'FEISHU_SECRET',
  'BARK_URL',
  'BARK_KEY',
  'SERVERCHAN_SENDKEY',
  'NTFY_URL',
  'NTFY_TOPIC',
  'NTFY_TOKEN',
  'SLACK_WEBHOOK_URL',
  'DISCORD_WEBHOOK_URL',
  'NOTIFY_WEBHOOK_URL',
  'NOTIFY_WEBHOOK_SECRET',
] as const;

const text = readText;
const secret = readSecret;

function choice<T extends string>(lookup: Lookup, name: string, allowed: readonly T[], fallback: T): T {
  const raw = text(lookup, name);
  if (raw === undefined) return fallback;
  const value = raw.toLowerCase().replace(/_/g, '-');
  const match = allowed.find((option) => option.replace(/_/g, '-') === value);
  if (match === undefined)
    throw new ConfigError(
      `${name}="${raw}" is not recognised; set it to one of ${allowed.join(', ')} (default ${fallback})`,
    );
  return match;
}

function parseUrl(raw: string, name: string, example: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL; set it to the address the service gave you, e.g. ${example}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError(`${name} must be an https:// address, e.g. ${example}`);
  return url;
}

/**
 * A companion setting (a signing secret, a token) without the address it belongs to is a mistake to name,
 * not a reason to leave the channel silently off. Otherwise the channel is simply not configured.
 */
function unsetWithout(companion: string | undefined, problem: string): undefined {
  if (companion !== undefined) throw new ConfigError(problem);
  return undefined;
}

/**
 * Users paste either the bare token or the whole webhook address: the address's `parameter`, or `raw` as it
 * is. `missing` names the fix for an address without that parameter.
 */
function parameterOrBare(raw: string, parameter: string, missing: string): string {
  if (!/^https?:\/\//i.test(raw) && !raw.includes(`${parameter}=`)) return raw;
  const query = raw.includes('?') ? raw.slice(raw.indexOf('?') + 1) : raw;
  const found = new URLSearchParams(query).get(parameter);
  if (!found) throw new ConfigError(missing);
  const value = found.trim();
  // The bare value is a secret already; one cut from an address is new to the redactor.
  registerSecret(value);
  return value;
}

/**
 * A webhook address (the first of `names` set) and its optional signing secret; undefined when neither is set.
 * `signing` spreads into the channel settings: no `secret` key at all when signing is off.
 */
function signedAddress(
  lookup: Lookup,
  names: readonly [string, ...string[]],
  secretName: string,
  fix: string,
): { readonly raw: string; readonly name: string; readonly signing: { readonly secret?: string } } | undefined {
  const signSecret = secret(lookup, secretName);
  // Every name is read, so each one set is registered as a secret even when an earlier one wins.
  const values = names.map((name) => secret(lookup, name));
  const index = values.findIndex((value) => value !== undefined);
  const raw = values[index];
  if (raw === undefined) return unsetWithout(signSecret, `${secretName} is set but ${names[0]} is not; ${fix}`);
  return { raw, name: names[index] ?? names[0], signing: signSecret === undefined ? {} : { secret: signSecret } };
}

const WECOM_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Accepts the bare WeCom robot key or the whole webhook address and returns the key. */
export function parseWeComKey(raw: string): string {
  const key = parameterOrBare(
    raw,
    'key',
    'QYWX_BOT_KEY looks like a URL but has no key=… part; paste the robot webhook address ' +
      '(https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…) or just the key',
  );
  if (!WECOM_KEY.test(key)) {
    throw new ConfigError(
      'QYWX_BOT_KEY does not look like a WeCom robot key (8-4-4-4-12 characters); copy the key=… part of the ' +
        'robot webhook address, or the whole address',
    );
  }
  return key;
}

function wecom(lookup: Lookup): ChannelConfig | undefined {
  const raw = secret(lookup, 'QYWX_BOT_KEY');
  if (raw === undefined) return undefined;
  const key = parseWeComKey(raw);
  const messageType = choice<WeComMessageType>(
    lookup,
    'QYWX_MSG_TYPE',
    ['markdown', 'markdown_v2', 'text'],
    'markdown',
  );
  const mentions = (text(lookup, 'QYWX_MENTION') ?? '')
    .split(/[,;\s]+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const mention of mentions) {
    if (!/^(@all|[A-Za-z0-9_.@-]{1,64}|\+?\d{5,20})$/.test(mention)) {
      throw new ConfigError(
        `QYWX_MENTION entry "${mention}" is neither a WeCom user id, a phone number nor @all; separate entries ` +
          'with commas',
      );
    }
  }
  return { kind: 'wecom', key, messageType, mentions };
}

function telegram(lookup: Lookup): ChannelConfig | undefined {
  const token = secret(lookup, 'TELEGRAM_BOT_TOKEN');
  const chat = text(lookup, 'TELEGRAM_CHAT_ID');
  if (token === undefined && chat === undefined) return undefined;
  if (token === undefined)
    throw new ConfigError(
      'TELEGRAM_CHAT_ID is set but TELEGRAM_BOT_TOKEN is not; add the token @BotFather gave you, or remove ' +
        'TELEGRAM_CHAT_ID',
    );
  if (chat === undefined)
    throw new ConfigError(
      'TELEGRAM_BOT_TOKEN is set but TELEGRAM_CHAT_ID is not; set it to your chat id (a number, negative for ' +
        'groups) or @channelname',
    );
  const bare = token.replace(/^bot/i, '');
  registerSecret(bare);
  if (!/^\d+:[A-Za-z0-9_-]{20,}$/.test(bare))
    throw new ConfigError(
      'TELEGRAM_BOT_TOKEN does not look like a bot token (123456789:AA…); copy it exactly as @BotFather shows it',
    );
  let chatId: string | number;
  if (/^-?\d+$/.test(chat)) chatId = Number(chat);
  else if (/^@[A-Za-z][A-Za-z0-9_]{3,}$/.test(chat)) chatId = chat;
  else
    throw new ConfigError(
      `TELEGRAM_CHAT_ID="${chat}" is neither a numeric chat id (e.g. 123456789 or -1001234567890) nor @channelname`,
    );
  if (typeof chatId === 'number' && !Number.isSafeInteger(chatId))
    throw new ConfigError(`TELEGRAM_CHAT_ID="${chat}" is out of range for a chat id`);
  return { kind: 'telegram', botToken: bare, chatId };
}

function dingtalk(lookup: Lookup): ChannelConfig | undefined {
  const fix = 'add the robot webhook address (https://oapi.dingtalk.com/robot/send?access_token=…)';
  const address = signedAddress(lookup, ['DINGTALK_WEBHOOK', 'DINGTALK_TOKEN'], 'DINGTALK_SECRET', fix);
  if (address === undefined) return undefined;
  const { raw, name, signing } = address;
  const accessToken = parameterOrBare(
    raw,
    'access_token',
    `${name} has no access_token=… part; paste the robot webhook address ` +
      'https://oapi.dingtalk.com/robot/send?access_token=…',
  );
  if (!/^[A-Za-z0-9]{16,128}$/.test(accessToken))
    throw new ConfigError(
      `${name} does not contain a DingTalk access token (letters and digits); copy the robot webhook address ` +
        'from the group settings',
    );
  if (signing.secret !== undefined && !/^SEC[A-Za-z0-9]{16,}$/.test(signing.secret)) {
    throw new ConfigError(
      'DINGTALK_SECRET does not look like a DingTalk signing secret (SEC…); copy it from the robot security ' +
        'settings ("加签"), or remove it if signing is off',
    );
  }
  return { kind: 'dingtalk', accessToken, ...signing };
}

function feishu(lookup: Lookup): ChannelConfig | undefined {
  const fix = 'add the bot webhook address (https://open.feishu.cn/open-apis/bot/v2/hook/…)';
  const address = signedAddress(lookup, ['FEISHU_WEBHOOK'], 'FEISHU_SECRET', fix);
  if (address === undefined) return undefined;
  const { raw, signing } = address;
  let host: 'open.feishu.cn' | 'open.larksuite.com' = 'open.feishu.cn';
  let token = raw;
  if (/^https?:\/\//i.test(raw)) {
    const url = parseUrl(raw, 'FEISHU_WEBHOOK', 'https://open.feishu.cn/open-apis/bot/v2/hook/…');
    const hostname = url.hostname.toLowerCase();
    if (hostname === 'open.larksuite.com') host = 'open.larksuite.com';
    else if (hostname !== 'open.feishu.cn')
      throw new ConfigError(
        'FEISHU_WEBHOOK must be a https://open.feishu.cn/… or https://open.larksuite.com/… bot webhook address',
      );
    const match = /^\/open-apis\/bot\/v2\/hook\/([^/]+)\/?$/.exec(url.pathname);
    if (!match?.[1])
      throw new ConfigError(
        'FEISHU_WEBHOOK is not a custom-bot address; expected https://open.feishu.cn/open-apis/bot/v2/hook/<token>',
      );
    token = decodeURIComponent(match[1]);
    registerSecret(token);
  }
  if (!/^[A-Za-z0-9-]{8,128}$/.test(token))
    throw new ConfigError(
      'FEISHU_WEBHOOK does not contain a bot token; copy the whole webhook address from the bot settings',
    );
  return { kind: 'feishu', host, token, ...signing };
}

function bark(lookup: Lookup): ChannelConfig | undefined {
  const rawUrl = secret(lookup, 'BARK_URL');
  const rawKey = secret(lookup, 'BARK_KEY');
  if (rawUrl === undefined && rawKey === undefined) return undefined;
  let server = 'https://api.day.app';
  let deviceKey = rawKey;
  if (rawUrl !== undefined) {
    const url = parseUrl(rawUrl, 'BARK_URL', 'https://api.day.app/<device key>');
    const segments = url.pathname.split('/').filter((segment) => segment !== '');
    if (deviceKey === undefined) {
      // https://api.day.app/<key>[/title/body] as copied from the Bark app: the first segment is the key.
      const first = segments[0];
      if (first === undefined)
        throw new ConfigError(
          'BARK_URL has no device key; use https://api.day.app/<device key> or set BARK_KEY as well',
        );
      deviceKey = decodeURIComponent(first);
      server = url.origin;
    } else {
      server = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    }
  }
  if (deviceKey === undefined || !/^[A-Za-z0-9_-]{6,128}$/.test(deviceKey))
    throw new ConfigError(
      'BARK_KEY does not look like a Bark device key; copy it from the Bark app (the part after https://api.day.app/)',
    );
  registerSecret(deviceKey);
  return { kind: 'bark', server, deviceKey };
}

function serverchan(lookup: Lookup): ChannelConfig | undefined {
  const sendKey = secret(lookup, 'SERVERCHAN_SENDKEY');
  if (sendKey === undefined) return undefined;
  if (!/^[A-Za-z0-9]{10,}$/.test(sendKey))
    throw new ConfigError(
      'SERVERCHAN_SENDKEY does not look like a ServerChan SendKey (SCT… or sctp…); copy it from ' +
        'sct.ftqq.com or sc3.ft07.com',
    );
  return { kind: 'serverchan', sendKey };
}

function ntfy(lookup: Lookup): ChannelConfig | undefined {
  const rawUrl = secret(lookup, 'NTFY_URL');
  const rawTopic = secret(lookup, 'NTFY_TOPIC');
  const token = secret(lookup, 'NTFY_TOKEN');
  if (rawUrl === undefined && rawTopic === undefined)
    return unsetWithout(
      token,
      'NTFY_TOKEN is set but neither NTFY_URL nor NTFY_TOPIC is; set NTFY_TOPIC (or ' +
        'NTFY_URL=https://ntfy.sh/<topic>)',
    );
  let server = 'https://ntfy.sh';
  let topic = rawTopic;
  if (rawUrl !== undefined) {
    const url = parseUrl(rawUrl, 'NTFY_URL', 'https://ntfy.sh/<topic>');
    const path = url.pathname.replace(/\/+$/, '');
    if (topic === undefined) {
      const segments = path.split('/').filter((segment) => segment !== '');
      const last = segments.pop();
      if (last === undefined)
        throw new ConfigError('NTFY_URL has no topic; use https://ntfy.sh/<topic> or set NTFY_TOPIC');
      topic = decodeURIComponent(last);
      server = `${url.origin}${segments.length > 0 ? `/${segments.join('/')}` : ''}`;
    } else {
      server = `${url.origin}${path}`;
    }
  }
  if (topic === undefined || !/^[-_A-Za-z0-9]{1,64}$/.test(topic))
    throw new ConfigError(
      'NTFY_TOPIC must be 1–64 letters, digits, - or _; on public ntfy.sh pick a long random topic',
    );
  registerSecret(topic);
  return { kind: 'ntfy', server, topic, ...(token === undefined ? {} : { token }) };
}

function webhookUrl(
  lookup: Lookup,
  name: string,
  hosts: readonly string[],
  pathPattern: RegExp,
  example: string,
): string | undefined {
  const raw = secret(lookup, name);
  if (raw === undefined) return undefined;
  const url = parseUrl(raw, name, example);
  if (url.protocol !== 'https:' || !hosts.includes(url.hostname.toLowerCase()) || !pathPattern.test(url.pathname)) {
    throw new ConfigError(`${name} is not a webhook address of the expected form; copy it exactly, e.g. ${example}`);
  }
  registerSecret(url.toString());
  registerSecret(url.pathname);
  registerTokenSegments(url);
  return url.toString();
}

/** Long opaque path segments are tokens in practice (Slack-, Discord- and IFTTT-style hooks). */
function registerTokenSegments(url: URL): void {
  for (const segment of url.pathname.split('/')) if (/^[A-Za-z0-9_-]{16,}$/.test(segment)) registerSecret(segment);
}

function generic(lookup: Lookup): ChannelConfig | undefined {
  const fix = 'add the address to POST the JSON report to';
  const address = signedAddress(lookup, ['NOTIFY_WEBHOOK_URL'], 'NOTIFY_WEBHOOK_SECRET', fix);
  if (address === undefined) return undefined;
  const { raw, signing } = address;
  const url = parseUrl(raw, 'NOTIFY_WEBHOOK_URL', 'https://example.com/hooks/sports-sync');
  registerSecret(url.toString());
  registerSecret(url.password);
  // Only credential-looking parameters (token=, key=, sign= …): ?debug=true is a setting, not a secret.
  for (const [key, value] of url.searchParams) if (isSecretQueryKey(key)) registerSecret(value);
  registerTokenSegments(url);
  return { kind: 'webhook', url: url.toString(), ...signing };
}

function timeZone(lookup: Lookup): string {
  // One zone everywhere: TIMEZONE, NOTIFY_TIMEZONE still accepted (see core/time-format.ts).
  return readTimeZone(lookup);
}

function expiryDays(lookup: Lookup): number {
  return parseWholeNumber(text(lookup, 'NOTIFY_EXPIRY_WARNING_DAYS'), 'NOTIFY_EXPIRY_WARNING_DAYS', {
    fallback: 14,
    min: 0,
    max: 365,
    unit: 'a number of days',
  });
}

/**
 * Notification settings from environment-variable names. Pure apart from registering every key,
 * token and webhook address as a secret. Several channels may be configured at once.
 */
export function parseNotifyConfig(lookup: Lookup): NotifyConfig {
  const channels = channelParsers(lookup)
    .map((parse) => parse())
    .filter((channel): channel is ChannelConfig => channel !== undefined);
  return {
    policy: choice<NotifyPolicy>(lookup, 'NOTIFY_POLICY', ['always', 'on-change', 'on-failure'], 'on-change'),
    heartbeat: choice<HeartbeatMode>(lookup, 'NOTIFY_HEARTBEAT', ['weekly', 'off'], 'off'),
    timeZone: timeZone(lookup),
    expiryWarningDays: expiryDays(lookup),
    channels,
  };
}

/** One parser per channel, in a fixed order. */
function channelParsers(lookup: Lookup): Array<() => ChannelConfig | undefined> {
  return [
    () => wecom(lookup),
    () => telegram(lookup),
    () => dingtalk(lookup),
    () => feishu(lookup),
    () => bark(lookup),
    () => serverchan(lookup),
    () => ntfy(lookup),
    () => {
      const url = webhookUrl(
        lookup,
        'SLACK_WEBHOOK_URL',
        ['hooks.slack.com'],
        /^\/(services|triggers|workflows)\/[A-Za-z0-9_/-]+$/,
        'https://hooks.slack.com/services/T…/B…/…',
      );
      return url === undefined ? undefined : { kind: 'slack', webhookUrl: url };
    },
    () => {
      const url = webhookUrl(
        lookup,
        'DISCORD_WEBHOOK_URL',
        ['discord.com', 'discordapp.com', 'ptb.discord.com', 'canary.discord.com'],
        /^\/api(\/v\d+)?\/webhooks\/\d+\/[A-Za-z0-9_-]+\/?$/,
        'https://discord.com/api/webhooks/<id>/<token>',
      );
      return url === undefined ? undefined : { kind: 'discord', webhookUrl: url };
    },
    () => generic(lookup),
  ];
}

const CHANNEL_NAMES: Readonly<Record<ChannelConfig['kind'], string>> = {
  wecom: 'WeCom',
  telegram: 'Telegram',
  dingtalk: 'DingTalk',
  feishu: 'Feishu',
  bark: 'Bark',
  serverchan: 'ServerChan',
  ntfy: 'ntfy',
  slack: 'Slack',
  discord: 'Discord',
  webhook: 'Webhook',
};

/** One log line naming the configured channels and policy, never a credential. */
export function describeNotifyConfig(config: NotifyConfig): string {
  if (config.channels.length === 0) return 'notifications: off (no channel configured)';
  const names = config.channels.map((channel) => {
    if (channel.kind === 'feishu' && channel.host === 'open.larksuite.com') return 'Lark (signed)';
    const signed =
      (channel.kind === 'dingtalk' || channel.kind === 'feishu' || channel.kind === 'webhook') &&
      channel.secret !== undefined;
    return `${CHANNEL_NAMES[channel.kind]}${signed ? ' (signed)' : ''}`;
  });
  return `notifications: ${names.join(', ')}; policy ${config.policy}; heartbeat ${config.heartbeat}`;
}

/**
 * Like parseNotifyConfig, but a bad notification setting never stops the sync: that channel (or
 * that setting, which falls back to its default) is off for this run and the problem is returned
 * as a warning naming the setting and the fix.
 */
export function parseNotifyConfigTolerant(lookup: Lookup): {
  readonly config: NotifyConfig;
  readonly problems: readonly string[];
} {
  const problems: string[] = [];
  const attempt = <T>(parse: () => T, fallback: T): T => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(`notifications: ${error.message} (left out this run; the sync is unaffected)`);
      return fallback;
    }
  };
  const channels = channelParsers(lookup)
    .map((parse) => attempt(parse, undefined))
    .filter((channel): channel is ChannelConfig => channel !== undefined);
  return {
    config: {
      policy: attempt(
        () => choice<NotifyPolicy>(lookup, 'NOTIFY_POLICY', ['always', 'on-change', 'on-failure'], 'on-change'),
        'on-change',
      ),
      heartbeat: attempt(() => choice<HeartbeatMode>(lookup, 'NOTIFY_HEARTBEAT', ['weekly', 'off'], 'off'), 'off'),
      timeZone: attempt(() => timeZone(lookup), 'UTC'),
      expiryWarningDays: attempt(() => expiryDays(lookup), 14),
      channels,
    },
    problems,
  };
}
