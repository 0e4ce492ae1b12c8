import { registerSecret } from '../../core/secrets.ts';
import {
  bodySnippet,
  configFailure,
  jsonBody,
  postJson,
  stringField,
  statusFailure,
  withRetries,
  type AttemptOutcome,
  type ChannelDeps,
  type Notifier,
} from '../channel-support.ts';
import { renderParts } from '../render.ts';

/** Messages over 4 KB become attachments on ntfy. */
export const NTFY_MAX_BYTES = 4_000;

export interface NtfySettings {
  /** https://ntfy.sh or a self-hosted base URL. */
  readonly server: string;
  readonly topic: string;
  /** Access token (tk_…), or user:password for Basic auth. */
  readonly token?: string;
}

export function ntfyAuthorization(token: string): string {
  return token.includes(':') && !token.startsWith('tk_')
    ? `Basic ${Buffer.from(token).toString('base64')}`
    : `Bearer ${token}`;
}

export function createNtfyNotifier(settings: NtfySettings, deps: ChannelDeps): Notifier {
  registerSecret(settings.topic);
  registerSecret(settings.token);
  if (settings.token !== undefined) registerSecret(ntfyAuthorization(settings.token).split(' ')[1]);
  // JSON publishing goes to the server root, the topic travels in the body.
  const url = `${settings.server.replace(/\/+$/, '')}/`;

  return {
    name: 'ntfy',
    async send(message) {
      const lines =
        renderParts(message, 'markdown', {
          budget: { unit: 'utf8-bytes', max: NTFY_MAX_BYTES },
          maxParts: 1,
        })[0]?.split('\n') ?? [];
      const body = lines.slice(1).join('\n').trim() || message.headline;
      await withRetries(deps, 'ntfy', async (): Promise<AttemptOutcome> => {
        const response = await postJson(
          deps,
          url,
          {
            topic: settings.topic,
            title: message.title,
            message: body,
            tags: [
              message.severity === 'error'
                ? 'x'
                : message.severity === 'warning'
                  ? 'warning'
                  : message.kind === 'heartbeat'
                    ? 'heartbeat'
                    : 'white_check_mark',
            ],
            priority: message.severity === 'error' ? 4 : 3,
            markdown: true,
            ...(message.runUrl ? { click: message.runUrl } : {}),
          },
          settings.token === undefined ? {} : { authorization: ntfyAuthorization(settings.token) },
        );
        const json = jsonBody(response);
        if (response.status === 200) return { ok: true };
        const detail = stringField(json, 'error') ? `"${stringField(json, 'error')}"` : bodySnippet(response);
        const context = { channel: 'ntfy', response, detail };
        if (response.status === 401 || response.status === 403)
          return configFailure({
            ...context,
            hint:
              'the server wants credentials for this topic: set NTFY_TOKEN (tk_… or user:password) ' +
              'or pick another topic',
          });
        return statusFailure(deps, { ...context, credentialHint: 'check NTFY_URL / NTFY_TOPIC' });
      });
    },
  };
}
