import { createHmac } from 'node:crypto';
import { MinuteWindow, utf8Bytes, type FakeHandler, type FakeReply, type RecordedRequest } from './fake-server.ts';

/**
 * Loopback fakes of the notification services, as strict as notifications.md describes them:
 * they check the exact request shape, recompute signatures, count rate limits and enforce size
 * limits. `forced` replies (busy, throttled …) are served after a request passed validation.
 */
export interface FakeChannel {
  readonly handler: FakeHandler;
  readonly forced: FakeReply[];
}

type Clock = () => number;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isJsonRequest(request: RecordedRequest): boolean {
  return /^application\/json\b/i.test(request.headers['content-type'] ?? '');
}

function takeForced(forced: FakeReply[]): FakeReply | undefined {
  return forced.shift();
}

// ---------------------------------------------------------------------------------------------
// WeCom group robot (§1)

export function wecomReply(errcode: number, errmsg = errcode === 0 ? 'ok' : 'error'): FakeReply {
  return { status: 200, body: { errcode, errmsg } };
}

export function fakeWeCom(options: { key: string; now?: Clock }): FakeChannel {
  const forced: FakeReply[] = [];
  const window = new MinuteWindow(20);
  const now = options.now ?? Date.now;
  const limits: Record<string, number> = { text: 2048, markdown: 4096, markdown_v2: 4096 };
  const handler: FakeHandler = (request) => {
    if (request.method !== 'POST' || request.path !== '/cgi-bin/webhook/send')
      return { status: 404, body: 'not found' };
    // The whole URL is the credential: a wrong or missing key is 93000.
    if (request.query.get('key') !== options.key)
      return wecomReply(
        93000,
        'invalid webhook url, hint: [1767852621_a1b2c3d4], from ip: 203.0.113.7, more info at https://open.work.weixin.qq.com/devtool/query?e=93000',
      );
    // Counted whether or not the send succeeds.
    if (!window.hit(now())) return wecomReply(45009, 'api freq out of limit');
    const body = request.json;
    if (!isObject(body)) return wecomReply(40035, 'invalid parameter');
    const type = body.msgtype;
    if (typeof type !== 'string' || !(type in limits)) return wecomReply(40008, 'invalid message type');
    const payload = body[type];
    if (!isObject(payload)) return wecomReply(40063, 'empty parameter');
    const content = payload.content;
    if (typeof content !== 'string' || content === '') return wecomReply(44004, 'empty content');
    if (utf8Bytes(content) > (limits[type] ?? 0)) return wecomReply(45002, 'content size out of limit');
    for (const list of ['mentioned_list', 'mentioned_mobile_list']) {
      const value = payload[list];
      if (value !== undefined && (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')))
        return wecomReply(40035, 'invalid parameter');
    }
    return takeForced(forced) ?? wecomReply(0);
  };
  return { handler, forced };
}

// ---------------------------------------------------------------------------------------------
// DingTalk custom robot (§2)

export function fakeDingTalk(options: { token: string; secret?: string; keyword?: string; now?: Clock }): FakeChannel {
  const forced: FakeReply[] = [];
  const window = new MinuteWindow(20);
  const now = options.now ?? Date.now;
  const reply = (errcode: number, errmsg: string): FakeReply => ({ status: 200, body: { errcode, errmsg } });
  const handler: FakeHandler = (request) => {
    if (request.method !== 'POST' || request.path !== '/robot/send') return { status: 404, body: 'not found' };
    if (request.query.get('access_token') !== options.token) return reply(300001, 'token is not exist');
    if (!isJsonRequest(request)) return reply(43004, 'invalid HTTP HEADER Content-Type');
    if (options.secret !== undefined) {
      const timestamp = request.query.get('timestamp');
      const sign = request.query.get('sign');
      if (timestamp === null || !/^\d{13}$/.test(timestamp) || Math.abs(Number(timestamp) - now()) > 3_600_000)
        return reply(310000, 'invalid timestamp');
      const expected = createHmac('sha256', options.secret).update(`${timestamp}\n${options.secret}`).digest('base64');
      if (sign !== expected) return reply(310000, 'sign not match');
    }
    if (!window.hit(now())) return reply(130101, 'send too fast, exceed 20 times per minute');
    const body = request.json;
    if (!isObject(body)) return reply(40035, 'invalid parameter');
    let content: string;
    if (
      body.msgtype === 'markdown' &&
      isObject(body.markdown) &&
      typeof body.markdown.title === 'string' &&
      typeof body.markdown.text === 'string' &&
      body.markdown.text !== ''
    ) {
      content = `${body.markdown.title}\n${body.markdown.text}`;
    } else if (
      body.msgtype === 'text' &&
      isObject(body.text) &&
      typeof body.text.content === 'string' &&
      body.text.content !== ''
    ) {
      content = body.text.content;
    } else return reply(40035, 'invalid parameter');
    if (options.keyword !== undefined && !content.includes(options.keyword))
      return reply(310000, 'keywords not in content');
    return takeForced(forced) ?? reply(0, 'ok');
  };
  return { handler, forced };
}

// ---------------------------------------------------------------------------------------------
// Feishu / Lark custom bot (§3)

export function fakeFeishu(options: { token: string; secret?: string; now?: Clock }): FakeChannel {
  const forced: FakeReply[] = [];
  const window = new MinuteWindow(100);
  const now = options.now ?? Date.now;
  const reply = (code: number, msg: string): FakeReply => ({ status: 200, body: { code, msg, data: {} } });
  const handler: FakeHandler = (request) => {
    if (request.method !== 'POST' || request.path !== `/open-apis/bot/v2/hook/${options.token}`)
      return reply(19001, 'param invalid: incoming webhook access token invalid');
    if (utf8Bytes(request.body) > 20 * 1024) return reply(9499, 'Bad Request');
    const body = request.json;
    if (!isObject(body)) return reply(9499, 'Bad Request');
    if (options.secret !== undefined) {
      const { timestamp, sign } = body;
      if (
        typeof timestamp !== 'string' ||
        !/^\d{10}$/.test(timestamp) ||
        Math.abs(Number(timestamp) * 1000 - now()) > 3_600_000
      )
        return reply(19021, 'sign match fail or timestamp is not within one hour from current time');
      const expected = createHmac('sha256', `${timestamp}\n${options.secret}`).update('').digest('base64');
      if (sign !== expected)
        return reply(19021, 'sign match fail or timestamp is not within one hour from current time');
    }
    if (!window.hit(now())) return reply(11232, 'frequency limited psm');
    const content = body.content;
    if (body.msg_type === 'text') {
      if (!isObject(content) || typeof content.text !== 'string' || content.text === '')
        return reply(9499, 'Bad Request');
    } else if (body.msg_type === 'post') {
      const post = isObject(content) && isObject(content.post) ? content.post : undefined;
      const locales = post ? Object.values(post) : [];
      if (locales.length === 0) return reply(9499, 'Bad Request');
      for (const locale of locales) {
        if (!isObject(locale) || !Array.isArray(locale.content)) return reply(9499, 'Bad Request');
        for (const paragraph of locale.content) {
          if (!Array.isArray(paragraph)) return reply(9499, 'Bad Request');
          for (const element of paragraph) {
            if (!isObject(element) || typeof element.text !== 'string') return reply(9499, 'Bad Request');
            if (element.tag === 'a' && typeof element.href === 'string') continue;
            if (element.tag !== 'text') return reply(9499, 'Bad Request');
          }
        }
      }
    } else if (body.msg_type !== 'interactive') return reply(9499, 'Bad Request');
    return takeForced(forced) ?? reply(0, 'success');
  };
  return { handler, forced };
}

// ---------------------------------------------------------------------------------------------
// Telegram Bot API sendMessage (§4)

const TELEGRAM_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'a',
  'code',
  'pre',
  'blockquote',
  'tg-spoiler',
  'span',
]);

/** Telegram's HTML entity parser, reduced: the visible text, or an error description. */
export function parseTelegramHtml(html: string): { text: string } | { error: string } {
  let text = '';
  const open: string[] = [];
  let index = 0;
  while (index < html.length) {
    const ch = html[index] ?? '';
    if (ch === '<') {
      const end = html.indexOf('>', index);
      if (end < 0) return { error: `Bad Request: can't parse entities: Unclosed start tag at byte offset ${index}` };
      const tag = html.slice(index + 1, end);
      const closing = tag.startsWith('/');
      const name = (closing ? tag.slice(1) : tag).split(/\s/)[0]?.toLowerCase() ?? '';
      if (!TELEGRAM_TAGS.has(name))
        return { error: `Bad Request: can't parse entities: Unsupported start tag "${name}" at byte offset ${index}` };
      if (closing) {
        if (open.pop() !== name)
          return { error: `Bad Request: can't parse entities: Unmatched end tag at byte offset ${index}` };
      } else {
        if (name === 'a' && !/^a\s+href="[^"]*"$/.test(tag))
          return { error: `Bad Request: can't parse entities: bad <a> at byte offset ${index}` };
        open.push(name);
      }
      index = end + 1;
      continue;
    }
    if (ch === '&') {
      const match = /^&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/i.exec(html.slice(index));
      if (!match)
        return { error: `Bad Request: can't parse entities: Character entity expected at byte offset ${index}` };
      const entity = (match[1] ?? '').toLowerCase();
      text +=
        entity === 'lt'
          ? '<'
          : entity === 'gt'
            ? '>'
            : entity === 'amp'
              ? '&'
              : entity === 'quot'
                ? '"'
                : String.fromCodePoint(
                    entity.startsWith('#x') ? parseInt(entity.slice(2), 16) : Number(entity.slice(1)),
                  );
      index += match[0].length;
      continue;
    }
    if (ch === '>') return { error: `Bad Request: can't parse entities: Unexpected > at byte offset ${index}` };
    text += ch;
    index += 1;
  }
  if (open.length > 0)
    return {
      error: `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${open.pop()}"`,
    };
  return { text };
}

export function fakeTelegram(options: { token: string; chatId: string | number }): FakeChannel {
  const forced: FakeReply[] = [];
  const error = (status: number, description: string, extra: object = {}): FakeReply => ({
    status,
    body: { ok: false, error_code: status, description, ...extra },
  });
  const handler: FakeHandler = (request) => {
    const match = /^\/bot([^/]+)\/sendMessage$/.exec(request.path);
    if (!match) return error(404, 'Not Found');
    if (match[1] !== options.token) return error(401, 'Unauthorized');
    if (request.method !== 'POST' || !isJsonRequest(request)) return error(400, 'Bad Request: message text is empty');
    const body = request.json;
    if (!isObject(body)) return error(400, 'Bad Request: message text is empty');
    if (body.chat_id !== options.chatId) return error(400, 'Bad Request: chat not found');
    if (typeof body.text !== 'string') return error(400, 'Bad Request: message text is empty');
    let visible = body.text;
    if (body.parse_mode === 'HTML') {
      const parsed = parseTelegramHtml(body.text);
      if ('error' in parsed) return error(400, parsed.error);
      visible = parsed.text;
    } else if (body.parse_mode !== undefined) return error(400, 'Bad Request: unsupported parse_mode');
    if (visible.trim() === '') return error(400, 'Bad Request: message text is empty');
    if (visible.length > 4096) return error(400, 'Bad Request: message is too long');
    const forcedReply = takeForced(forced);
    if (forcedReply) return forcedReply;
    return {
      status: 200,
      body: { ok: true, result: { message_id: 1, chat: { id: options.chatId }, date: 1767852621, text: visible } },
    };
  };
  return { handler, forced };
}

export function telegramTooMany(retryAfterSec: number): FakeReply {
  return {
    status: 429,
    body: {
      ok: false,
      error_code: 429,
      description: `Too Many Requests: retry after ${retryAfterSec}`,
      parameters: { retry_after: retryAfterSec },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Bark (§5)

export function fakeBark(options: { deviceKey: string; prefix?: string }): FakeChannel {
  const forced: FakeReply[] = [];
  const prefix = options.prefix ?? '';
  const handler: FakeHandler = (request) => {
    if (request.method !== 'POST' || request.path !== `${prefix}/push`)
      return { status: 404, body: { code: 404, message: 'Not Found', timestamp: 1767852621 } };
    const body = request.json;
    if (!isObject(body) || !isJsonRequest(request))
      return { status: 400, body: { code: 400, message: 'request bind failed', timestamp: 1767852621 } };
    if (body.device_key !== options.deviceKey)
      return {
        status: 400,
        body: {
          code: 400,
          message: `failed to get device token: failed to get [${String(body.device_key)}] device token from database`,
          timestamp: 1767852621,
        },
      };
    if (typeof body.body !== 'string' || body.body === '')
      return { status: 400, body: { code: 400, message: 'push body is empty', timestamp: 1767852621 } };
    return takeForced(forced) ?? { status: 200, body: { code: 200, message: 'success', timestamp: 1767852621 } };
  };
  return { handler, forced };
}

// ---------------------------------------------------------------------------------------------
// ServerChan (§6)

export function fakeServerChan(options: { sendKey: string }): FakeChannel {
  const forced: FakeReply[] = [];
  const v3 = /^sctp\d+t/.test(options.sendKey);
  const expectedPath = v3 ? `/send/${options.sendKey}.send` : `/${options.sendKey}.send`;
  const handler: FakeHandler = (request) => {
    if (request.method !== 'POST') return { status: 405, body: { code: 405, message: 'method not allowed' } };
    if (request.path !== expectedPath) return { status: 400, body: { code: 40001, message: 'bad pushkey' } };
    const body = request.json;
    if (!isObject(body) || typeof body.title !== 'string' || body.title === '')
      return { status: 400, body: { code: 40002, message: 'title is required' } };
    if ([...body.title].length > 32) return { status: 400, body: { code: 40003, message: 'title too long' } };
    if (body.desp !== undefined && (typeof body.desp !== 'string' || utf8Bytes(body.desp) > 32 * 1024))
      return { status: 400, body: { code: 40004, message: 'desp too long' } };
    return (
      takeForced(forced) ?? {
        status: 200,
        body: { code: 0, message: '', data: { pushid: '123', readkey: 'abc', error: 'SUCCESS', errno: 0 } },
      }
    );
  };
  return { handler, forced };
}

// ---------------------------------------------------------------------------------------------
// ntfy (§7)

export function fakeNtfy(options: { topic: string; token?: string }): FakeChannel {
  const forced: FakeReply[] = [];
  const handler: FakeHandler = (request) => {
    if (request.method !== 'POST' || request.path !== '/')
      return { status: 404, body: { code: 40401, http: 404, error: 'page not found' } };
    if (options.token !== undefined && request.headers.authorization !== `Bearer ${options.token}`) {
      return {
        status: 401,
        body: { code: 40101, http: 401, error: 'unauthorized', link: 'https://ntfy.sh/docs/publish/#authentication' },
      };
    }
    const body = request.json;
    if (!isObject(body) || body.topic !== options.topic)
      return { status: 400, body: { code: 40009, http: 400, error: 'invalid request: topic invalid' } };
    if (typeof body.message !== 'string')
      return { status: 400, body: { code: 40024, http: 400, error: 'invalid request: message must be a string' } };
    if (body.priority !== undefined && (typeof body.priority !== 'number' || body.priority < 1 || body.priority > 5))
      return { status: 400, body: { code: 40007, http: 400, error: 'invalid priority' } };
    if (body.tags !== undefined && (!Array.isArray(body.tags) || body.tags.some((tag) => typeof tag !== 'string')))
      return { status: 400, body: { code: 40010, http: 400, error: 'invalid tags' } };
    const forcedReply = takeForced(forced);
    if (forcedReply) return forcedReply;
    // Over 4 KB the message becomes an attachment: the fake reports it so tests can insist it never happens.
    const attachment = utf8Bytes(body.message) > 4096 ? { attachment: { name: 'attachment.txt' } } : {};
    return {
      status: 200,
      body: {
        id: 'hwQ2YpKdmg',
        time: 1767852621,
        event: 'message',
        topic: options.topic,
        message: body.message,
        ...attachment,
      },
    };
  };
  return { handler, forced };
}

// ---------------------------------------------------------------------------------------------
// Slack incoming webhook (§8)

export function fakeSlack(options: { path: string }): FakeChannel {
  const forced: FakeReply[] = [];
  const handler: FakeHandler = (request) => {
    if (request.method !== 'POST' || request.path !== options.path) return { status: 404, body: 'no_service' };
    const body = request.json;
    if (!isObject(body)) return { status: 400, body: 'invalid_payload' };
    if ((typeof body.text !== 'string' || body.text === '') && !Array.isArray(body.blocks))
      return { status: 400, body: 'no_text' };
    return takeForced(forced) ?? { status: 200, body: 'ok' };
  };
  return { handler, forced };
}

// ---------------------------------------------------------------------------------------------
// Discord webhook (§9)

export function fakeDiscord(options: { id: string; token: string }): FakeChannel {
  const forced: FakeReply[] = [];
  const handler: FakeHandler = (request) => {
    const match = /^\/api\/webhooks\/(\d+)\/([^/]+)$/.exec(request.path);
    if (request.method !== 'POST' || !match) return { status: 404, body: { message: '404: Not Found', code: 0 } };
    if (match[1] !== options.id) return { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
    if (match[2] !== options.token) return { status: 401, body: { message: 'Invalid Webhook Token', code: 50027 } };
    const body = request.json;
    if (!isObject(body) || !isJsonRequest(request))
      return { status: 400, body: { message: 'Cannot send an empty message', code: 50006 } };
    if (typeof body.content !== 'string' || body.content.trim() === '')
      return { status: 400, body: { message: 'Cannot send an empty message', code: 50006 } };
    if (body.content.length > 2000)
      return {
        status: 400,
        body: {
          code: 50035,
          message: 'Invalid Form Body',
          errors: {
            content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] },
          },
        },
      };
    return takeForced(forced) ?? { status: 204 };
  };
  return { handler, forced };
}

export function discordTooMany(retryAfterSec: number): FakeReply {
  return {
    status: 429,
    body: { message: 'You are being rate limited.', retry_after: retryAfterSec, global: false },
    headers: { 'retry-after': String(Math.ceil(retryAfterSec)), 'x-ratelimit-scope': 'shared' },
  };
}
