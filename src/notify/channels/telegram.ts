import { createChannel, fitParts, rateLimited, type ChannelDeps, type Notifier } from '../channel-support.ts';
import type { ChannelSettings } from '../../config/notify-config.ts';

/** Telegram counts characters after entity parsing; counting the HTML source (tags included) is safely stricter. */
export const TELEGRAM_MAX_CHARS = 4096;
export const TELEGRAM_MAX_PARTS = 3;

export function createTelegramNotifier(settings: ChannelSettings['telegram'], deps: ChannelDeps): Notifier {
  return createChannel(
    {
      name: 'Telegram',
      secrets: [settings.botToken],
      parts: (message) => fitParts(message, 'telegram-html', 'utf16-units', TELEGRAM_MAX_CHARS, TELEGRAM_MAX_PARTS),
      request: (text, message) => ({
        url: `https://api.telegram.org/bot${settings.botToken}/sendMessage`,
        json: {
          chat_id: settings.chatId,
          text,
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
          // Quiet when all is well; a failure should make a sound.
          disable_notification: message.severity === 'ok',
        },
      }),
      judge(answer) {
        const { json, status } = answer;
        if (status === 200 && json?.ok === true) return { ok: true };
        const description = answer.textAt('description');
        const detail = description ? `"${description}"` : answer.snippet();
        if (status === 429) return answer.retryable(detail, rateLimited(answer.numberAt('parameters', 'retry_after')));
        if (status === 401 || status === 404)
          return answer.config(
            detail,
            'the bot token was refused: set TELEGRAM_BOT_TOKEN to the token @BotFather gave you',
          );
        if (status === 403)
          return answer.config(
            detail,
            'the bot may not write to this chat: start the bot (or add it to the group/channel) ' +
              'and check TELEGRAM_CHAT_ID',
          );
        if (status === 400 && /chat not found/i.test(description ?? ''))
          return answer.config(
            detail,
            'check TELEGRAM_CHAT_ID and that the bot has been started in that chat or added to the group',
          );
        if (status === 400) return answer.rejected(detail);
        if (status === 200) return answer.retryable(`unexpected answer ${answer.snippet()}`);
        return answer.byStatus(detail, 'check TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID');
      },
    },
    deps,
  );
}
