import { createChannel, pushBody, type ChannelDeps, type Notifier } from '../channel-support.ts';
import type { ChannelSettings } from '../../config/notify-config.ts';
import { PRODUCT_NAME } from '../message.ts';
import { truncateChars } from '../text-fit.ts';

/** A push notification's payload is small (APNs allows 4 KB in total). */
export const BARK_MAX_BODY_BYTES = 2_800;

export function createBarkNotifier(settings: ChannelSettings['bark'], deps: ChannelDeps): Notifier {
  return createChannel(
    {
      name: 'Bark',
      secrets: [settings.deviceKey],
      // The title line becomes the push title; the rest is the body.
      parts: (message) => [pushBody(message, 'plain', 'utf8-bytes', BARK_MAX_BODY_BYTES)],
      request: (body, message) => ({
        url: `${settings.server.replace(/\/+$/, '')}/push`,
        json: {
          device_key: settings.deviceKey,
          title: truncateChars(message.title, 120),
          body,
          group: 'sports-sync-x',
          level: message.severity === 'error' ? 'timeSensitive' : message.severity === 'ok' ? 'passive' : 'active',
          ...(message.runUrl ? { url: message.runUrl } : {}),
        },
      }),
      judge(answer) {
        const result = answer.resultCode(['code']);
        if (answer.status === 200 && result.code === 200) return { ok: true };
        const words = answer.json?.message;
        if (answer.status === 400 && /device/i.test(words === undefined ? '' : String(words)))
          return answer.config(
            result.detail,
            `the device key was not found: set BARK_KEY (or BARK_URL) ` +
              `from the Bark app (${PRODUCT_NAME} sends to https://api.day.app/<device key>)`,
          );
        if (answer.status !== 200) return answer.byStatus(result.detail, 'check BARK_KEY / BARK_URL');
        return answer.rejected(result.detail);
      },
    },
    deps,
  );
}
