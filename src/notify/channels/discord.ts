import { registerSecret } from '../../core/secrets.ts';
import {
  bodySnippet,
  configFailure,
  jsonBody,
  numberField,
  postJson,
  retryableFailure,
  statusFailure,
  stringField,
  withRetries,
  type AttemptOutcome,
  type ChannelDeps,
  type Notifier,
} from '../channel-support.ts';
import { PRODUCT_NAME } from '../message.ts';
import { renderParts } from '../render.ts';

export const DISCORD_MAX_CHARS = 2_000;
export const DISCORD_MAX_PARTS = 3;

export interface DiscordSettings {
  readonly webhookUrl: string;
}

export function createDiscordNotifier(settings: DiscordSettings, deps: ChannelDeps): Notifier {
  registerSecret(settings.webhookUrl);
  const pathname = new URL(settings.webhookUrl).pathname;
  registerSecret(pathname);
  const token = pathname
    .split('/')
    .filter((segment) => segment !== '')
    .pop();
  registerSecret(token);

  return {
    name: 'Discord',
    async send(message) {
      const parts = renderParts(message, 'markdown', {
        budget: { unit: 'utf16-units', max: DISCORD_MAX_CHARS },
        maxParts: DISCORD_MAX_PARTS,
      });
      for (const content of parts) {
        await withRetries(deps, 'Discord', async (): Promise<AttemptOutcome> => {
          // No pings: a workout named "@everyone" must not wake a server.
          const response = await postJson(deps, settings.webhookUrl, {
            content,
            username: PRODUCT_NAME,
            allowed_mentions: { parse: [] },
          });
          if (response.status === 204 || response.status === 200) return { ok: true };
          const json = jsonBody(response);
          const detail = stringField(json, 'message')
            ? `code ${numberField(json, 'code') ?? '?'}: "${stringField(json, 'message')}"`
            : bodySnippet(response);
          const context = { channel: 'Discord', response, detail };
          if (response.status === 429) {
            const retryAfterSec = typeof json?.retry_after === 'number' ? json.retry_after : undefined;
            return retryableFailure(context, {
              reason: '429',
              limit: 1,
              delayMs: Math.ceil((retryAfterSec ?? 1) * 1000),
            });
          }
          if (response.status === 401 || response.status === 404)
            return configFailure({
              ...context,
              hint:
                'the webhook was deleted or its token is wrong: ' +
                'create a new webhook and update DISCORD_WEBHOOK_URL',
            });
          return statusFailure(deps, { ...context, credentialHint: 'check DISCORD_WEBHOOK_URL' });
        });
      }
    },
  };
}
