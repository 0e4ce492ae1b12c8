import { RejectedError } from '../../core/errors.ts';
import {
  createChannel,
  fitParts,
  type Answer,
  type AttemptOutcome,
  type ChannelDeps,
  type Notifier,
} from '../channel-support.ts';
import type { NotificationMessage } from '../message.ts';
import type { ChannelSettings, WeComMessageType } from '../../config/notify-config.ts';
import { packLines, utf8ByteLength } from '../text-fit.ts';
import type { Dialect } from '../render.ts';

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

class InvalidMessageTypeError extends RejectedError {
  /** Only a refusal of the first part may fall back to text: after that, text would repeat what arrived. */
  firstPart = false;
}

interface WeComPart {
  /** Mutable: an answer "too large" (45002) shortens the content for its one retry. */
  content: string;
  readonly mentions: readonly string[];
  readonly first: boolean;
}

/** Milliseconds until just after the next minute starts: WeCom's 20-a-minute window resets then. */
export function msUntilNextMinute(now: Date): number {
  return 60_000 - (now.getTime() % 60_000) + 1_000;
}

function isPhone(mention: string): boolean {
  return /^\+?\d{5,20}$/.test(mention);
}

export function createWeComNotifier(settings: ChannelSettings['wecom'], deps: ChannelDeps): Notifier {
  const url = `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${encodeURIComponent(settings.key)}`;

  function renderAll(message: NotificationMessage, type: WeComMessageType): WeComPart[] {
    const mentions = message.severity === 'error' ? settings.mentions : [];
    const mentionLine =
      type === 'markdown'
        ? mentions
            .filter((m) => m !== '@all' && !isPhone(m))
            .map((m) => `<@${m}>`)
            .join(' ')
        : '';
    const reserve = mentionLine === '' ? 0 : utf8ByteLength(mentionLine) + 1;
    const parts = fitParts(message, DIALECTS[type], 'utf8-bytes', WECOM_BYTE_LIMITS[type] - reserve, WECOM_MAX_PARTS);
    if (mentionLine !== '' && parts.length > 0) parts[parts.length - 1] += `\n${mentionLine}`;
    return parts.map((content, index) => ({ content, mentions: index === 0 ? mentions : [], first: index === 0 }));
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

  function judge(answer: Answer, type: WeComMessageType, part: WeComPart): AttemptOutcome {
    if (answer.status !== 200) return answer.byStatus(answer.snippet(), 'check QYWX_BOT_KEY');
    const { code, detail, unknown } = answer.resultCode(['errcode'], ['errmsg']);
    switch (code) {
      case 0:
        return { ok: true };
      case 93000:
        return answer.config(
          detail,
          'the robot key is not valid: set QYWX_BOT_KEY to the key=… part of the group robot webhook ' +
            'address (or the whole address); the robot must be in an internal group',
        );
      case 45009:
        return answer.retryable(
          detail,
          { reason: '45009', limit: 1, delayMs: msUntilNextMinute(deps.now()) },
          'the robot sends at most 20 messages a minute',
        );
      case -1:
        return answer.retryable(detail, { reason: 'busy', limit: 3, delayMs: deps.backoffMs(1) });
      case 45033:
        return answer.retryable(detail, { reason: 'concurrency', limit: 2, delayMs: deps.backoffMs(1) });
      case 45002:
        // Too large after all (the service's count may differ from ours): cut to three quarters and try once more.
        part.content =
          packLines(
            part.content.split('\n'),
            { unit: 'utf8-bytes', max: Math.floor((WECOM_BYTE_LIMITS[type] * 3) / 4) },
            { maxParts: 1, overflowLine: (n) => `… ${n} more lines in the run log` },
          )[0] ?? '';
        return answer.retryable(detail, { reason: '45002', limit: 1, delayMs: 0 });
      case 40008: {
        const error = new InvalidMessageTypeError(`WeCom refused the message type ${type} (${detail})`, {
          status: answer.status,
        });
        error.firstPart = part.first;
        return { ok: false, error };
      }
      default:
        return unknown();
    }
  }

  function channelFor(type: WeComMessageType): Notifier {
    return createChannel<WeComPart>(
      {
        name: 'WeCom',
        secrets: [settings.key],
        parts: (message) => renderAll(message, type),
        request: (part) => ({ url, json: body(type, part.content, part.mentions) }),
        judge: (answer, part) => judge(answer, type, part),
      },
      deps,
    );
  }

  const chosen = channelFor(settings.messageType);
  const plainText = channelFor('text');
  return {
    name: 'WeCom',
    async send(message) {
      try {
        await chosen.send(message);
      } catch (error) {
        // Some clients and older servers refuse markdown(_v2): fall back to plain text once, from the start.
        if (!(error instanceof InvalidMessageTypeError) || !error.firstPart || settings.messageType === 'text')
          throw error;
        deps.log.debug(`WeCom refused ${settings.messageType}; sending plain text instead`);
        await plainText.send(message);
      }
    },
  };
}
