import { createChannel, fitParts, type ChannelDeps, type Notifier } from '../channel-support.ts';
import type { ChannelSettings } from '../../config/notify-config.ts';
import { truncateChars } from '../text-fit.ts';

export const SERVERCHAN_TITLE_CHARS = 32;
/** desp may be 32 KB; a summary needs far less. */
export const SERVERCHAN_MAX_DESP_BYTES = 30_000;

/**
 * Server酱³ keys (sctp<uid>t…) go to <uid>.push.ft07.com; Turbo keys to sctapi.ftqq.com
 * (as the official SDK does).
 */
export function serverChanUrl(sendKey: string): string {
  const match = /^sctp(\d+)t/i.exec(sendKey);
  if (match) return `https://${match[1]}.push.ft07.com/send/${encodeURIComponent(sendKey)}.send`;
  return `https://sctapi.ftqq.com/${encodeURIComponent(sendKey)}.send`;
}

export function createServerChanNotifier(settings: ChannelSettings['serverchan'], deps: ChannelDeps): Notifier {
  const v3 = /^sctp\d+t/i.test(settings.sendKey);

  return createChannel(
    {
      name: 'ServerChan',
      secrets: [settings.sendKey],
      parts: (message) => [fitParts(message, 'markdown', 'utf8-bytes', SERVERCHAN_MAX_DESP_BYTES)[0] ?? ''],
      request: (desp, message) => ({
        url: serverChanUrl(settings.sendKey),
        json: {
          title: truncateChars(message.title, SERVERCHAN_TITLE_CHARS),
          desp,
          short: truncateChars(message.headline, 64),
          ...(v3 ? { tags: 'Sports Sync X' } : {}),
        },
      }),
      judge(answer) {
        const { status } = answer;
        const result = answer.resultCode(['code']);
        if (status === 200 && result.code === 0) return { ok: true };
        if (status >= 500 || status === 429) return answer.byStatus(result.detail, 'check SERVERCHAN_SENDKEY');
        if (status === 401 || status === 403 || /key/i.test(answer.textAt('message') ?? ''))
          return answer.config(
            result.detail,
            'check SERVERCHAN_SENDKEY (copy the SendKey from sct.ftqq.com or sc3.ft07.com)',
          );
        return result.unknown();
      },
    },
    deps,
  );
}
