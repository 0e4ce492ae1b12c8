import { createHmac } from 'node:crypto';
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
import { PRODUCT_NAME } from '../message.ts';
import { truncateChars } from '../text-fit.ts';
import { renderParts } from '../render.ts';

/** DingTalk does not publish a size limit (protocol §2: UNCERTAIN); stay well under 4 KB. */
export const DINGTALK_MAX_BYTES = 3800;
export const DINGTALK_MAX_PARTS = 2;

export interface DingTalkSettings {
  readonly accessToken: string;
  /** The robot's signing secret (SEC…), when signing is enabled. */
  readonly secret?: string;
}

/** DingTalk's signature: Base64(HMAC-SHA256(key = secret, message = "<ms>\n<secret>")), URL-encoded by the caller. */
export function dingTalkSignature(timestampMs: number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

export function createDingTalkNotifier(settings: DingTalkSettings, deps: ChannelDeps): Notifier {
  registerSecret(settings.accessToken);
  registerSecret(settings.secret);

  function signedUrl(): URL {
    const url = new URL('https://oapi.dingtalk.com/robot/send');
    url.searchParams.set('access_token', settings.accessToken);
    if (settings.secret !== undefined) {
      // Signed per attempt: the timestamp must be within an hour of DingTalk's clock.
      const timestamp = deps.now().getTime();
      url.searchParams.set('timestamp', String(timestamp));
      url.searchParams.set('sign', dingTalkSignature(timestamp, settings.secret));
    }
    return url;
  }

  return {
    name: 'DingTalk',
    async send(message) {
      const parts = renderParts(message, 'markdown', {
        budget: { unit: 'utf8-bytes', max: DINGTALK_MAX_BYTES },
        maxParts: DINGTALK_MAX_PARTS,
      });
      for (const text of parts) {
        await withRetries(deps, 'DingTalk', async (): Promise<AttemptOutcome> => {
          // The title shows in the conversation list; keeping the product name in it satisfies
          // keyword security set to it.
          const response = await postJson(deps, signedUrl(), {
            msgtype: 'markdown',
            markdown: { title: PRODUCT_NAME, text },
          });
          const context = { channel: 'DingTalk', response };
          if (response.status !== 200)
            return statusFailure(deps, {
              ...context,
              detail: bodySnippet(response),
              credentialHint: 'check DINGTALK_WEBHOOK',
            });
          const json = jsonBody(response);
          const errcode = numberField(json, 'errcode');
          if (errcode === 0) return { ok: true };
          const errmsg = typeof json?.errmsg === 'string' ? `: ${truncateChars(json.errmsg, 100)}` : '';
          const detail = `errcode ${errcode ?? 'missing'}${errmsg}`;
          switch (errcode) {
            case 300001:
              return configFailure({
                ...context,
                detail,
                hint:
                  'the access token is not valid: set DINGTALK_WEBHOOK to the robot webhook address ' +
                  'https://oapi.dingtalk.com/robot/send?access_token=…',
              });
            case 310000:
              return configFailure({
                ...context,
                detail,
                hint:
                  `the robot's security check failed: with signing on, ` +
                  `set DINGTALK_SECRET to its SEC… secret (and keep the clock right); with keyword security, ` +
                  `add the keyword "${PRODUCT_NAME}"; with an IP allow-list, allow the runner's address`,
              });
            case 130101:
              // DingTalk throttles the robot for 10 minutes: no point waiting inside the run.
              return retryableFailure({
                ...context,
                detail,
                hint: 'the robot is throttled for 10 minutes after 20 messages a minute',
              });
            default:
              return json === undefined
                ? retryableFailure({ ...context, detail: `no errcode in ${bodySnippet(response)}` })
                : rejectedFailure({ ...context, detail });
          }
        });
      }
    },
  };
}
