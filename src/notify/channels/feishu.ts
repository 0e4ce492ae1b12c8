import { createHmac } from 'node:crypto';
import { registerSecret } from '../../core/secrets.ts';
import {
  bodySnippet,
  configFailure,
  jsonBody,
  numberField,
  postJson,
  stringField,
  rejectedFailure,
  retryableFailure,
  statusFailure,
  withRetries,
  type AttemptOutcome,
  type ChannelDeps,
  type Notifier,
} from '../channel-support.ts';
import { messageCatalogue, type NotificationMessage } from '../message.ts';
import { truncateChars } from '../text-fit.ts';
import { renderParts, severityMark } from '../render.ts';

/** The whole body may be 20 KB; leave room for JSON quoting and the post structure. */
export const FEISHU_MAX_TEXT_BYTES = 16_000;

export interface FeishuSettings {
  readonly host: 'open.feishu.cn' | 'open.larksuite.com';
  readonly token: string;
  readonly secret?: string;
}

/** Feishu's signature: Base64(HMAC-SHA256(key = "<seconds>\n<secret>", message = empty)). */
export function feishuSignature(timestampSec: number, secret: string): string {
  return createHmac('sha256', `${timestampSec}\n${secret}`).update('').digest('base64');
}

type PostElement = { tag: 'text'; text: string } | { tag: 'a'; text: string; href: string };

/** A "post" rich-text message: one paragraph per line, the run log as a real link. */
export function feishuPost(message: NotificationMessage, text: string): unknown {
  const lines = text.split('\n');
  const content: PostElement[][] = [];
  const runLog = messageCatalogue(message).runLog();
  for (const line of lines.slice(1)) {
    if (message.runUrl && line === `${runLog}: ${message.runUrl}`)
      content.push([{ tag: 'a', text: runLog, href: message.runUrl }]);
    else content.push([{ tag: 'text', text: line }]);
  }
  return { post: { zh_cn: { title: lines[0] ?? `${severityMark(message)} ${message.title}`, content } } };
}

export function createFeishuNotifier(settings: FeishuSettings, deps: ChannelDeps): Notifier {
  registerSecret(settings.token);
  registerSecret(settings.secret);
  const url = `https://${settings.host}/open-apis/bot/v2/hook/${encodeURIComponent(settings.token)}`;
  const name = settings.host === 'open.larksuite.com' ? 'Lark' : 'Feishu';

  return {
    name,
    async send(message) {
      const [text = ''] = renderParts(message, 'plain', {
        budget: { unit: 'utf8-bytes', max: FEISHU_MAX_TEXT_BYTES },
        maxParts: 1,
      });
      await withRetries(deps, name, async (): Promise<AttemptOutcome> => {
        const signature: Record<string, string> = {};
        if (settings.secret !== undefined) {
          const timestamp = Math.floor(deps.now().getTime() / 1000);
          signature.timestamp = String(timestamp);
          signature.sign = feishuSignature(timestamp, settings.secret);
        }
        const response = await postJson(deps, url, {
          ...signature,
          msg_type: 'post',
          content: feishuPost(message, text),
        });
        const context = { channel: name, response };
        const json = jsonBody(response);
        // Older deployments answer {"StatusCode":0,...}; current ones {"code":0,...}.
        const code = numberField(json, 'code') ?? numberField(json, 'StatusCode');
        if (response.status === 200 && code === 0) return { ok: true };
        const msg = stringField(json, 'msg') ?? stringField(json, 'StatusMessage');
        const detail = `code ${code ?? 'missing'}${msg ? `: ${truncateChars(msg, 100)}` : ''}`;
        switch (code) {
          case 19021:
            return configFailure({
              ...context,
              detail,
              hint:
                "the signature was refused: set FEISHU_SECRET to the bot's signing secret exactly " +
                '(and keep the clock right), or turn signing off',
            });
          case 19024:
            return configFailure({
              ...context,
              detail,
              hint: 'the keyword check failed: add "Sports Sync X" as the bot keyword or turn keyword security off',
            });
          case 19001:
          case 19002:
            return configFailure({
              ...context,
              detail,
              hint: 'the bot token is not valid: copy the webhook address into FEISHU_WEBHOOK again',
            });
          case 11232:
            return retryableFailure({ ...context, detail }, { reason: '11232', limit: 2, delayMs: deps.backoffMs(1) });
          case 9499:
            return rejectedFailure({ ...context, detail });
          default:
            if (response.status !== 200)
              return statusFailure(deps, { ...context, detail, credentialHint: 'check FEISHU_WEBHOOK' });
            return json === undefined
              ? retryableFailure({ ...context, detail: `no code in ${bodySnippet(response)}` })
              : rejectedFailure({ ...context, detail });
        }
      });
    },
  };
}
