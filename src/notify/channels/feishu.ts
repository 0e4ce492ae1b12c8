import { createHmac } from 'node:crypto';
import { createChannel, fitParts, type ChannelDeps, type Notifier } from '../channel-support.ts';
import type { ChannelSettings } from '../../config/notify-config.ts';
import { messageCatalogue, type NotificationMessage } from '../message.ts';
import { severityMark } from '../render.ts';

/** The whole body may be 20 KB; leave room for JSON quoting and the post structure. */
export const FEISHU_MAX_TEXT_BYTES = 16_000;

/** Feishu's signature: Base64(HMAC-SHA256(key = "<seconds>\n<secret>", message = empty)). */
export function feishuSignature(timestampSec: number, secret: string): string {
  return createHmac('sha256', `${timestampSec}\n${secret}`).update('').digest('base64');
}

type PostElement = { tag: 'text'; text: string } | { tag: 'a'; text: string; href: string };

/** A "post" rich-text message: one paragraph per line, the run log as a real link. */
export function feishuPost(message: NotificationMessage, text: string): unknown {
  const lines = text.split('\n');
  const content: PostElement[][] = [];
  const runLog = messageCatalogue(message).runLog();
  for (const line of lines.slice(1)) {
    if (message.runUrl && line === `${runLog}: ${message.runUrl}`)
      content.push([{ tag: 'a', text: runLog, href: message.runUrl }]);
    else content.push([{ tag: 'text', text: line }]);
  }
  return { post: { zh_cn: { title: lines[0] ?? `${severityMark(message)} ${message.title}`, content } } };
}

export function createFeishuNotifier(settings: ChannelSettings['feishu'], deps: ChannelDeps): Notifier {
  const name = settings.host === 'open.larksuite.com' ? 'Lark' : 'Feishu';

  /** Signed per attempt: the timestamp must be close to Feishu's clock. */
  function signature(): Record<string, string> {
    if (settings.secret === undefined) return {};
    const timestamp = Math.floor(deps.now().getTime() / 1000);
    return { timestamp: String(timestamp), sign: feishuSignature(timestamp, settings.secret) };
  }

  return createChannel(
    {
      name,
      secrets: [settings.token, settings.secret],
      parts: (message) => [fitParts(message, 'plain', 'utf8-bytes', FEISHU_MAX_TEXT_BYTES)[0] ?? ''],
      request: (text, message) => ({
        url: `https://${settings.host}/open-apis/bot/v2/hook/${encodeURIComponent(settings.token)}`,
        json: { ...signature(), msg_type: 'post', content: feishuPost(message, text) },
      }),
      judge(answer) {
        // Older deployments answer {"StatusCode":0,...}; current ones {"code":0,...}.
        const result = answer.resultCode(['code', 'StatusCode'], ['msg', 'StatusMessage']);
        if (answer.status === 200 && result.code === 0) return { ok: true };
        switch (result.code) {
          case 19021:
            return answer.config(
              result.detail,
              "the signature was refused: set FEISHU_SECRET to the bot's signing secret exactly " +
                '(and keep the clock right), or turn signing off',
            );
          case 19024:
            return answer.config(
              result.detail,
              'the keyword check failed: add "Sports Sync X" as the bot keyword or turn keyword security off',
            );
          case 19001:
          case 19002:
            return answer.config(
              result.detail,
              'the bot token is not valid: copy the webhook address into FEISHU_WEBHOOK again',
            );
          case 11232:
            return answer.retryable(result.detail, { reason: '11232', limit: 2, delayMs: deps.backoffMs(1) });
          case 9499:
            return answer.rejected(result.detail);
          default:
            if (answer.status !== 200) return answer.byStatus(result.detail, 'check FEISHU_WEBHOOK');
            return result.unknown();
        }
      },
    },
    deps,
  );
}
