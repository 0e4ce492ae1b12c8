import { createHmac } from 'node:crypto';
import { createChannel, fitParts, type ChannelDeps, type Notifier } from '../channel-support.ts';
import type { ChannelSettings } from '../../config/notify-config.ts';
import { PRODUCT_NAME } from '../message.ts';

/** DingTalk does not publish a size limit (protocol §2: UNCERTAIN); stay well under 4 KB. */
export const DINGTALK_MAX_BYTES = 3800;
export const DINGTALK_MAX_PARTS = 2;

/** DingTalk's signature: Base64(HMAC-SHA256(key = secret, message = "<ms>\n<secret>")), URL-encoded by the caller. */
export function dingTalkSignature(timestampMs: number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

export function createDingTalkNotifier(settings: ChannelSettings['dingtalk'], deps: ChannelDeps): Notifier {
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

  return createChannel(
    {
      name: 'DingTalk',
      secrets: [settings.accessToken, settings.secret],
      parts: (message) => fitParts(message, 'markdown', 'utf8-bytes', DINGTALK_MAX_BYTES, DINGTALK_MAX_PARTS),
      // The title shows in the conversation list; keeping the product name in it satisfies keyword security set to it.
      request: (text) => ({ url: signedUrl(), json: { msgtype: 'markdown', markdown: { title: PRODUCT_NAME, text } } }),
      judge(answer) {
        if (answer.status !== 200) return answer.byStatus(answer.snippet(), 'check DINGTALK_WEBHOOK');
        const result = answer.resultCode(['errcode'], ['errmsg']);
        switch (result.code) {
          case 0:
            return { ok: true };
          case 300001:
            return answer.config(
              result.detail,
              'the access token is not valid: set DINGTALK_WEBHOOK to the robot webhook address ' +
                'https://oapi.dingtalk.com/robot/send?access_token=…',
            );
          case 310000:
            return answer.config(
              result.detail,
              `the robot's security check failed: with signing on, ` +
                `set DINGTALK_SECRET to its SEC… secret (and keep the clock right); with keyword security, ` +
                `add the keyword "${PRODUCT_NAME}"; with an IP allow-list, allow the runner's address`,
            );
          case 130101:
            // DingTalk throttles the robot for 10 minutes: no point waiting inside the run.
            return answer.retryable(
              result.detail,
              undefined,
              'the robot is throttled for 10 minutes after 20 messages a minute',
            );
          default:
            return result.unknown();
        }
      },
    },
    deps,
  );
}
