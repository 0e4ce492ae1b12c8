import { createChannel, fitParts, rateLimited, type ChannelDeps, type Notifier } from '../channel-support.ts';
import type { ChannelSettings } from '../../config/notify-config.ts';
import { PRODUCT_NAME } from '../message.ts';

export const DISCORD_MAX_CHARS = 2_000;
export const DISCORD_MAX_PARTS = 3;

export function createDiscordNotifier(settings: ChannelSettings['discord'], deps: ChannelDeps): Notifier {
  const pathname = new URL(settings.webhookUrl).pathname;
  const token = pathname
    .split('/')
    .filter((segment) => segment !== '')
    .pop();

  return createChannel(
    {
      name: 'Discord',
      secrets: [settings.webhookUrl, pathname, token],
      parts: (message) => fitParts(message, 'markdown', 'utf16-units', DISCORD_MAX_CHARS, DISCORD_MAX_PARTS),
      // No pings: a workout named "@everyone" must not wake a server.
      request: (content) => ({
        url: settings.webhookUrl,
        json: { content, username: PRODUCT_NAME, allowed_mentions: { parse: [] } },
      }),
      judge(answer) {
        const { json, status } = answer;
        if (status === 204 || status === 200) return { ok: true };
        const words = answer.textAt('message');
        const detail = words ? `code ${answer.numberAt('code') ?? '?'}: "${words}"` : answer.snippet();
        // Discord's retry_after: seconds as a JSON number, often with a fraction.
        if (status === 429)
          return answer.retryable(
            detail,
            rateLimited(typeof json?.retry_after === 'number' ? json.retry_after : undefined),
          );
        if (status === 401 || status === 404)
          return answer.config(
            detail,
            'the webhook was deleted or its token is wrong: create a new webhook and update DISCORD_WEBHOOK_URL',
          );
        return answer.byStatus(detail, 'check DISCORD_WEBHOOK_URL');
      },
    },
    deps,
  );
}
