import { createHmac } from 'node:crypto';
import { registerSecret } from '../../core/secrets.ts';
import {
  ALL_ERROR_STATUSES,
  bodySnippet,
  statusFailure,
  withRetries,
  type AttemptOutcome,
  type ChannelDeps,
  type Notifier,
} from '../channel-support.ts';
import { renderLines } from '../render.ts';

export interface WebhookSettings {
  readonly url: string;
  /** When set, the body is signed: X-Sports-Sync-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>. */
  readonly secret?: string;
}

export const WEBHOOK_SIGNATURE_HEADER = 'x-sports-sync-signature-256';
export const WEBHOOK_SCHEMA_VERSION = 1;

export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** POSTs the message and the whole report as JSON, for users wiring their own automations. */
export function createWebhookNotifier(settings: WebhookSettings, deps: ChannelDeps): Notifier {
  registerSecret(settings.url);
  registerSecret(settings.secret);

  return {
    name: 'Webhook',
    async send(message) {
      const payload = {
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
      const body = JSON.stringify(payload);
      const headers: Record<string, string> = { 'user-agent': 'sports-sync-x', 'x-sports-sync-event': payload.event };
      if (settings.secret !== undefined) headers[WEBHOOK_SIGNATURE_HEADER] = webhookSignature(settings.secret, body);
      await withRetries(deps, 'Webhook', async (): Promise<AttemptOutcome> => {
        const response = await deps.http.request({
          method: 'POST',
          url: settings.url,
          headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
          body,
          retry: 'unprocessed',
          accept: ALL_ERROR_STATUSES,
        });
        if (response.status >= 200 && response.status < 300) return { ok: true };
        return statusFailure(deps, {
          channel: 'Webhook',
          response,
          detail: bodySnippet(response, 100),
          credentialHint: 'check NOTIFY_WEBHOOK_URL',
        });
      });
    },
  };
}
