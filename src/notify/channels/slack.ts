import { registerSecret } from '../../core/secrets.ts';
import {
  bodySnippet,
  configFailure,
  postJson,
  rejectedFailure,
  statusFailure,
  withRetries,
  type AttemptOutcome,
  type ChannelDeps,
  type Notifier,
} from '../channel-support.ts';
import { renderParts } from '../render.ts';

/** Slack shows long texts collapsed and truncates beyond 40 000 characters; a summary stays short. */
export const SLACK_MAX_CHARS = 3_900;
export const SLACK_MAX_PARTS = 2;

export interface SlackSettings {
  readonly webhookUrl: string;
}

export function createSlackNotifier(settings: SlackSettings, deps: ChannelDeps): Notifier {
  registerSecret(settings.webhookUrl);
  registerSecret(new URL(settings.webhookUrl).pathname);

  return {
    name: 'Slack',
    async send(message) {
      const parts = renderParts(message, 'slack', {
        budget: { unit: 'utf16-units', max: SLACK_MAX_CHARS },
        maxParts: SLACK_MAX_PARTS,
      });
      for (const text of parts) {
        await withRetries(deps, 'Slack', async (): Promise<AttemptOutcome> => {
          const response = await postJson(deps, settings.webhookUrl, { text });
          if (response.status === 200 && response.text().trim() === 'ok') return { ok: true };
          const context = { channel: 'Slack', response, detail: bodySnippet(response, 80) };
          if (response.status === 200)
            return rejectedFailure({ ...context, detail: `unexpected answer ${bodySnippet(response, 80)}` });
          if (response.status === 403 || response.status === 404 || response.status === 410) {
            return configFailure({
              ...context,
              hint:
                'the webhook is disabled or its channel is gone: ' +
                'create a new incoming webhook and update SLACK_WEBHOOK_URL',
            });
          }
          return statusFailure(deps, { ...context, credentialHint: 'check SLACK_WEBHOOK_URL' });
        });
      }
    },
  };
}
