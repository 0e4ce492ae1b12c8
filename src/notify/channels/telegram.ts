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
import { renderParts } from '../render.ts';

/** Telegram counts characters after entity parsing; counting the HTML source (tags included) is safely stricter. */
export const TELEGRAM_MAX_CHARS = 4096;
export const TELEGRAM_MAX_PARTS = 3;

export interface TelegramSettings {
  readonly botToken: string;
  readonly chatId: string | number;
}

export function createTelegramNotifier(settings: TelegramSettings, deps: ChannelDeps): Notifier {
  registerSecret(settings.botToken);
  const url = `https://api.telegram.org/bot${settings.botToken}/sendMessage`;

  return {
    name: 'Telegram',
    async send(message) {
      const parts = renderParts(message, 'telegram-html', {
        budget: { unit: 'utf16-units', max: TELEGRAM_MAX_CHARS },
        maxParts: TELEGRAM_MAX_PARTS,
      });
      for (const text of parts) {
        await withRetries(deps, 'Telegram', async (): Promise<AttemptOutcome> => {
          const response = await postJson(deps, url, {
            chat_id: settings.chatId,
            text,
            parse_mode: 'HTML',
            link_preview_options: { is_disabled: true },
            // Quiet when all is well; a failure should make a sound.
            disable_notification: message.severity === 'ok',
          });
          const json = jsonBody(response);
          if (response.status === 200 && json?.ok === true) return { ok: true };
          const description = typeof json?.description === 'string' ? json.description : undefined;
          const context = {
            channel: 'Telegram',
            response,
            detail: description ? `"${description}"` : bodySnippet(response),
          };
          const parameters = json?.parameters as Record<string, unknown> | undefined;
          const retryAfterSec = numberField(parameters, 'retry_after');
          if (response.status === 429)
            return retryableFailure(context, { reason: '429', limit: 1, delayMs: (retryAfterSec ?? 1) * 1000 });
          if (response.status === 401 || response.status === 404)
            return configFailure({
              ...context,
              hint: 'the bot token was refused: set TELEGRAM_BOT_TOKEN to the token @BotFather gave you',
            });
          if (response.status === 403)
            return configFailure({
              ...context,
              hint:
                'the bot may not write to this chat: start the bot (or add it to the group/channel) ' +
                'and check TELEGRAM_CHAT_ID',
            });
          if (response.status === 400 && /chat not found/i.test(description ?? ''))
            return configFailure({
              ...context,
              hint: 'check TELEGRAM_CHAT_ID and that the bot has been started in that chat or added to the group',
            });
          if (response.status === 400) return rejectedFailure(context);
          if (response.status === 200)
            return retryableFailure({ ...context, detail: `unexpected answer ${bodySnippet(response)}` });
          return statusFailure(deps, { ...context, credentialHint: 'check TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID' });
        });
      }
    },
  };
}
