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
import { truncateChars } from '../text-fit.ts';

export const SERVERCHAN_TITLE_CHARS = 32;
/** desp may be 32 KB; a summary needs far less. */
export const SERVERCHAN_MAX_DESP_BYTES = 30_000;

export interface ServerChanSettings {
  readonly sendKey: string;
}

/**
 * Server酱³ keys (sctp<uid>t…) go to <uid>.push.ft07.com; Turbo keys to sctapi.ftqq.com
 * (as the official SDK does).
 */
export function serverChanUrl(sendKey: string): string {
  const match = /^sctp(\d+)t/i.exec(sendKey);
  if (match) return `https://${match[1]}.push.ft07.com/send/${encodeURIComponent(sendKey)}.send`;
  return `https://sctapi.ftqq.com/${encodeURIComponent(sendKey)}.send`;
}

export function createServerChanNotifier(settings: ServerChanSettings, deps: ChannelDeps): Notifier {
  registerSecret(settings.sendKey);
  const url = serverChanUrl(settings.sendKey);
  const v3 = /^sctp\d+t/i.test(settings.sendKey);

  return {
    name: 'ServerChan',
    async send(message) {
      const [desp = ''] = renderParts(message, 'markdown', {
        budget: { unit: 'utf8-bytes', max: SERVERCHAN_MAX_DESP_BYTES },
        maxParts: 1,
      });
      await withRetries(deps, 'ServerChan', async (): Promise<AttemptOutcome> => {
        const response = await postJson(deps, url, {
          title: truncateChars(message.title, SERVERCHAN_TITLE_CHARS),
          desp,
          short: truncateChars(message.headline, 64),
          ...(v3 ? { tags: 'Sports Sync X' } : {}),
        });
        const json = jsonBody(response);
        const code = numberField(json, 'code');
        if (response.status === 200 && code === 0) return { ok: true };
        const context = {
          channel: 'ServerChan',
          response,
          detail: `code ${code ?? 'missing'}: ${bodySnippet(response, 100)}`,
        };
        if (response.status >= 500 || response.status === 429)
          return statusFailure(deps, { ...context, credentialHint: 'check SERVERCHAN_SENDKEY' });
        if (
          response.status === 401 ||
          response.status === 403 ||
          /key/i.test(typeof json?.message === 'string' ? json.message : '')
        ) {
          return configFailure({
            ...context,
            hint: 'check SERVERCHAN_SENDKEY (copy the SendKey from sct.ftqq.com or sc3.ft07.com)',
          });
        }
        if (json === undefined) return retryableFailure({ ...context, detail: `no code in ${bodySnippet(response)}` });
        return rejectedFailure(context);
      });
    },
  };
}
