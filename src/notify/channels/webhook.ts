import { createHmac } from 'node:crypto';
import { createChannel, type ChannelDeps, type Notifier } from '../channel-support.ts';
import type { ChannelSettings } from '../../config/notify-config.ts';
import type { NotificationMessage } from '../message.ts';
import { renderLines } from '../render.ts';

export const WEBHOOK_SIGNATURE_HEADER = 'x-sports-sync-signature-256';
export const WEBHOOK_SCHEMA_VERSION = 1;

export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function webhookPayload(message: NotificationMessage) {
  return {
    schema: WEBHOOK_SCHEMA_VERSION,
    event: message.kind === 'heartbeat' ? 'heartbeat' : 'sync-report',
    severity: message.severity,
    title: message.title,
    headline: message.headline,
    text: renderLines(message, 'plain').join('\n'),
    markdown: renderLines(message, 'markdown').join('\n'),
    runUrl: message.runUrl ?? null,
    report: message.report ?? null,
  };
}

/** POSTs the message and the whole report as JSON, for users wiring their own automations. */
export function createWebhookNotifier(settings: ChannelSettings['webhook'], deps: ChannelDeps): Notifier {
  return createChannel<{ readonly event: string; readonly body: string }>(
    {
      name: 'Webhook',
      secrets: [settings.url, settings.secret],
      // Serialised once: the signature covers these exact bytes.
      parts: (message) => {
        const payload = webhookPayload(message);
        return [{ event: payload.event, body: JSON.stringify(payload) }];
      },
      request: ({ event, body }) => ({
        url: settings.url,
        text: body,
        headers: {
          'user-agent': 'sports-sync-x',
          'x-sports-sync-event': event,
          ...(settings.secret === undefined
            ? {}
            : { [WEBHOOK_SIGNATURE_HEADER]: webhookSignature(settings.secret, body) }),
        },
      }),
      judge: (answer) =>
        answer.status >= 200 && answer.status < 300
          ? { ok: true }
          : answer.byStatus(answer.snippet(100), 'check NOTIFY_WEBHOOK_URL'),
    },
    deps,
  );
}
