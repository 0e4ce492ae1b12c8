import { createChannel, fitParts, type ChannelDeps, type Notifier } from '../channel-support.ts';
import type { ChannelSettings } from '../../config/notify-config.ts';

/** Slack shows long texts collapsed and truncates beyond 40 000 characters; a summary stays short. */
export const SLACK_MAX_CHARS = 3_900;
export const SLACK_MAX_PARTS = 2;

export function createSlackNotifier(settings: ChannelSettings['slack'], deps: ChannelDeps): Notifier {
  return createChannel(
    {
      name: 'Slack',
      secrets: [settings.webhookUrl, new URL(settings.webhookUrl).pathname],
      parts: (message) => fitParts(message, 'slack', 'utf16-units', SLACK_MAX_CHARS, SLACK_MAX_PARTS),
      request: (text) => ({ url: settings.webhookUrl, json: { text } }),
      judge(answer) {
        // Slack answers a plain "ok", never JSON.
        if (answer.status === 200 && answer.response.text().trim() === 'ok') return { ok: true };
        const detail = answer.snippet(80);
        if (answer.status === 200) return answer.rejected(`unexpected answer ${detail}`);
        if (answer.status === 403 || answer.status === 404 || answer.status === 410)
          return answer.config(
            detail,
            'the webhook is disabled or its channel is gone: ' +
              'create a new incoming webhook and update SLACK_WEBHOOK_URL',
          );
        return answer.byStatus(detail, 'check SLACK_WEBHOOK_URL');
      },
    },
    deps,
  );
}
