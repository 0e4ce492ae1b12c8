import { registerSecret } from '../../core/secrets.ts';
import {
  bodySnippet,
  configFailure,
  jsonBody,
  numberField,
  postJson,
  rejectedFailure,
  statusFailure,
  withRetries,
  type AttemptOutcome,
  type ChannelDeps,
  type Notifier,
} from '../channel-support.ts';
import { PRODUCT_NAME } from '../message.ts';
import { renderParts } from '../render.ts';
import { truncateChars } from '../text-fit.ts';

/** A push notification's payload is small (APNs allows 4 KB in total). */
export const BARK_MAX_BODY_BYTES = 2_800;

export interface BarkSettings {
  /** https://api.day.app or a self-hosted server (with its path prefix, if any). */
  readonly server: string;
  readonly deviceKey: string;
}

export function createBarkNotifier(settings: BarkSettings, deps: ChannelDeps): Notifier {
  registerSecret(settings.deviceKey);
  const url = `${settings.server.replace(/\/+$/, '')}/push`;

  return {
    name: 'Bark',
    async send(message) {
      const lines =
        renderParts(message, 'plain', {
          budget: { unit: 'utf8-bytes', max: BARK_MAX_BODY_BYTES },
          maxParts: 1,
        })[0]?.split('\n') ?? [];
      // The title line becomes the push title; the rest is the body.
      const body = lines.slice(1).join('\n').trim() || message.headline;
      await withRetries(deps, 'Bark', async (): Promise<AttemptOutcome> => {
        const response = await postJson(deps, url, {
          device_key: settings.deviceKey,
          title: truncateChars(message.title, 120),
          body,
          group: 'sports-sync-x',
          level: message.severity === 'error' ? 'timeSensitive' : message.severity === 'ok' ? 'passive' : 'active',
          ...(message.runUrl ? { url: message.runUrl } : {}),
        });
        const json = jsonBody(response);
        const code = numberField(json, 'code');
        if (response.status === 200 && code === 200) return { ok: true };
        const context = {
          channel: 'Bark',
          response,
          detail: `code ${code ?? 'missing'}: ${bodySnippet(response, 100)}`,
        };
        if (response.status === 400 && /device/i.test(json?.message === undefined ? '' : String(json.message))) {
          return configFailure({
            ...context,
            hint:
              `the device key was not found: set BARK_KEY (or BARK_URL) ` +
              `from the Bark app (${PRODUCT_NAME} sends to https://api.day.app/<device key>)`,
          });
        }
        if (response.status !== 200)
          return statusFailure(deps, { ...context, credentialHint: 'check BARK_KEY / BARK_URL' });
        return rejectedFailure(context);
      });
    },
  };
}
