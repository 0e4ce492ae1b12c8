import { RejectedError } from '../../core/errors.ts';
import { registerSecret } from '../../core/secrets.ts';
import {
  bodySnippet,
  configFailure,
  jsonBody,
  numberField,
  postJson,
  rejectedFailure,
  retryableFailure,
  statusFailure,
  withRetries,
  type AttemptOutcome,
  type ChannelDeps,
  type Notifier,
} from '../channel-support.ts';
import type { NotificationMessage } from '../message.ts';
import type { WeComMessageType } from '../../config/notify-config.ts';
import { packLines, truncateChars, utf8ByteLength } from '../text-fit.ts';
import { renderParts, type Dialect } from '../render.ts';

/** Content limits in UTF-8 bytes (protocol §1.2). */
export const WECOM_BYTE_LIMITS: Readonly<Record<WeComMessageType, number>> = {
  text: 2048,
  markdown: 4096,
  markdown_v2: 4096,
};
/** One run sends one message; a long report at most this many (the robot allows 20 a minute). */
export const WECOM_MAX_PARTS = 3;

const DIALECTS: Readonly<Record<WeComMessageType, Dialect>> = {
  text: 'plain',
  markdown: 'wecom-markdown',
  markdown_v2: 'markdown',
};

export interface WeComSettings {
  readonly key: string;
  readonly messageType: WeComMessageType;
  /** User ids, phone numbers or @all, mentioned when the run failed. */
  readonly mentions: readonly string[];
}

class InvalidMessageTypeError extends RejectedError {}

/** Milliseconds until just after the next minute starts: WeCom's 20-a-minute window resets then. */
export function msUntilNextMinute(now: Date): number {
  return 60_000 - (now.getTime() % 60_000) + 1_000;
}

function isPhone(mention: string): boolean {
  return /^\+?\d{5,20}$/.test(mention);
}

export function createWeComNotifier(settings: WeComSettings, deps: ChannelDeps): Notifier {
  registerSecret(settings.key);
  const url = `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${encodeURIComponent(settings.key)}`;

  function renderAll(message: NotificationMessage, type: WeComMessageType): string[] {
    const mentions = message.severity === 'error' ? settings.mentions : [];
    const mentionLine =
      type === 'markdown'
        ? mentions
            .filter((m) => m !== '@all' && !isPhone(m))
            .map((m) => `<@${m}>`)
            .join(' ')
        : '';
    const reserve = mentionLine === '' ? 0 : utf8ByteLength(mentionLine) + 1;
    const parts = renderParts(message, DIALECTS[type], {
      budget: { unit: 'utf8-bytes', max: WECOM_BYTE_LIMITS[type] - reserve },
      maxParts: WECOM_MAX_PARTS,
    });
    if (mentionLine !== '' && parts.length > 0) parts[parts.length - 1] += `\n${mentionLine}`;
    return parts;
  }

  function body(type: WeComMessageType, content: string, withMentions: readonly string[]): unknown {
    if (type !== 'text') return { msgtype: type, [type]: { content } };
    const text: Record<string, unknown> = { content };
    const ids = withMentions.filter((m) => !isPhone(m));
    const phones = withMentions.filter(isPhone);
    if (ids.length > 0) text.mentioned_list = ids;
    if (phones.length > 0) text.mentioned_mobile_list = phones;
    return { msgtype: 'text', text };
  }

  async function sendPart(type: WeComMessageType, initialContent: string, mentions: readonly string[]): Promise<void> {
    let content = initialContent;
    await withRetries(deps, 'WeCom', async (): Promise<AttemptOutcome> => {
      const response = await postJson(deps, url, body(type, content, mentions));
      const context = { channel: 'WeCom', response };
      if (response.status !== 200)
        return statusFailure(deps, { ...context, detail: bodySnippet(response), credentialHint: 'check QYWX_BOT_KEY' });
      const json = jsonBody(response);
      const errcode = numberField(json, 'errcode');
      if (errcode === 0) return { ok: true };
      const errmsg = typeof json?.errmsg === 'string' ? `: ${truncateChars(json.errmsg, 100)}` : '';
      const detail = `errcode ${errcode ?? 'missing'}${errmsg}`;
      switch (errcode) {
        case 93000:
          return configFailure({
            ...context,
            detail,
            hint:
              'the robot key is not valid: set QYWX_BOT_KEY to the key=… part of the group robot webhook ' +
              'address (or the whole address); the robot must be in an internal group',
          });
        case 45009:
          return retryableFailure(
            { ...context, detail, hint: 'the robot sends at most 20 messages a minute' },
            { reason: '45009', limit: 1, delayMs: msUntilNextMinute(deps.now()) },
          );
        case -1:
          return retryableFailure({ ...context, detail }, { reason: 'busy', limit: 3, delayMs: deps.backoffMs(1) });
        case 45033:
          return retryableFailure(
            { ...context, detail },
            { reason: 'concurrency', limit: 2, delayMs: deps.backoffMs(1) },
          );
        case 45002: {
          // Too large after all (the service's count may differ from ours): cut to three quarters and try once more.
          content =
            packLines(
              content.split('\n'),
              { unit: 'utf8-bytes', max: Math.floor((WECOM_BYTE_LIMITS[type] * 3) / 4) },
              { maxParts: 1, overflowLine: (n) => `… ${n} more lines in the run log` },
            )[0] ?? '';
          return retryableFailure({ ...context, detail }, { reason: '45002', limit: 1, delayMs: 0 });
        }
        case 40008:
          return {
            ok: false,
            error: new InvalidMessageTypeError(`WeCom refused the message type ${type} (${detail})`, {
              status: response.status,
            }),
          };
        default:
          return json === undefined
            ? retryableFailure({ ...context, detail: `no errcode in ${bodySnippet(response)}` })
            : rejectedFailure({ ...context, detail });
      }
    });
  }

  return {
    name: 'WeCom',
    async send(message) {
      const mentions = message.severity === 'error' ? settings.mentions : [];
      const type = settings.messageType;
      const parts = renderAll(message, type);
      for (const [index, part] of parts.entries()) {
        try {
          await sendPart(type, part, index === 0 ? mentions : []);
        } catch (error) {
          // Some clients and older servers refuse markdown(_v2): fall back to plain text once, from the start.
          if (!(error instanceof InvalidMessageTypeError) || index > 0 || type === 'text') throw error;
          deps.log.debug(`WeCom refused ${type}; sending plain text instead`);
          const textParts = renderAll(message, 'text');
          for (const [textIndex, textPart] of textParts.entries())
            await sendPart('text', textPart, textIndex === 0 ? mentions : []);
          return;
        }
      }
    },
  };
}
