import { registerSecret } from '../../core/secrets.ts';
import { createChannel, pushBody, type ChannelDeps, type Notifier } from '../channel-support.ts';
import type { ChannelSettings } from '../../config/notify-config.ts';
import type { NotificationMessage } from '../message.ts';

/** Messages over 4 KB become attachments on ntfy. */
export const NTFY_MAX_BYTES = 4_000;

export function ntfyAuthorization(token: string): string {
  return token.includes(':') && !token.startsWith('tk_')
    ? `Basic ${Buffer.from(token).toString('base64')}`
    : `Bearer ${token}`;
}

function ntfyTag(message: NotificationMessage): string {
  if (message.severity === 'error') return 'x';
  if (message.severity === 'warning') return 'warning';
  return message.kind === 'heartbeat' ? 'heartbeat' : 'white_check_mark';
}

export function createNtfyNotifier(settings: ChannelSettings['ntfy'], deps: ChannelDeps): Notifier {
  if (settings.token !== undefined) registerSecret(ntfyAuthorization(settings.token).split(' ')[1]);

  return createChannel(
    {
      name: 'ntfy',
      secrets: [settings.topic, settings.token],
      parts: (message) => [pushBody(message, 'markdown', 'utf8-bytes', NTFY_MAX_BYTES)],
      request: (body, message) => ({
        // JSON publishing goes to the server root, the topic travels in the body.
        url: `${settings.server.replace(/\/+$/, '')}/`,
        json: {
          topic: settings.topic,
          title: message.title,
          message: body,
          tags: [ntfyTag(message)],
          priority: message.severity === 'error' ? 4 : 3,
          markdown: true,
          ...(message.runUrl ? { click: message.runUrl } : {}),
        },
        ...(settings.token === undefined ? {} : { headers: { authorization: ntfyAuthorization(settings.token) } }),
      }),
      judge(answer) {
        if (answer.status === 200) return { ok: true };
        const error = answer.textAt('error');
        const detail = error ? `"${error}"` : answer.snippet();
        if (answer.status === 401 || answer.status === 403)
          return answer.config(
            detail,
            'the server wants credentials for this topic: set NTFY_TOKEN (tk_… or user:password) ' +
              'or pick another topic',
          );
        return answer.byStatus(detail, 'check NTFY_URL / NTFY_TOPIC');
      },
    },
    deps,
  );
}
