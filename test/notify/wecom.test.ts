import { beforeEach, describe, expect, it } from 'vitest';
import { describeError, isSyncError } from '../../src/core/errors.ts';
import { registerSecret } from '../../src/core/secrets.ts';
import { createWeComNotifier, msUntilNextMinute } from '../../src/notify/channels/wecom.ts';
import type { WeComMessageType } from '../../src/config/notify-config.ts';
import type { Notifier } from '../../src/notify/channel-support.ts';
import { buildReportMessage, type NotificationMessage } from '../../src/notify/message.ts';
import { fakeWeCom, wecomReply } from './fake-channels.ts';
import type { FakeReply } from './fake-server.ts';
import { utf8Bytes } from './fake-server.ts';
import { VirtualClock, expectNoSecrets, harness } from './harness.ts';
import { busyReport, hugeCjkReport } from './report-fixture.ts';

const KEY = '693a91f6-7aoc-4bc4-97a0-0ec2sifa5aaa'.replace(/o/g, '0').replace(/s/g, '5').replace(/i/g, '1');
const RUN_URL = 'https://github.com/owner/repo/actions/runs/123';
const HOST = 'qyapi.weixin.qq.com';

function contentOf(json: unknown): { msgtype: string; content: string; payload: Record<string, unknown> } {
  const body = json as Record<string, unknown>;
  const msgtype = String(body.msgtype);
  const payload = body[msgtype] as Record<string, unknown>;
  return { msgtype, content: String(payload.content), payload };
}

/** A fake robot that first answers `replies`, and a notifier of `messageType` wired to it. */
async function weComAnswering(replies: readonly FakeReply[], messageType: WeComMessageType = 'markdown') {
  const fake = fakeWeCom({ key: KEY });
  const h = await harness(HOST, fake);
  fake.forced.push(...replies);
  return { h, notifier: createWeComNotifier({ key: KEY, messageType, mentions: [] }, h.deps) };
}

/** The error a send ends in; undefined when the message was delivered. */
async function sendError(notifier: Notifier, message: NotificationMessage): Promise<unknown> {
  return notifier.send(message).then(
    () => undefined,
    (error: unknown) => error,
  );
}

beforeEach(() => registerSecret(KEY));

describe('WeCom group robot', () => {
  it('posts one markdown card with the exact request shape', async () => {
    const h = await harness(HOST, fakeWeCom({ key: KEY }));
    const notifier = createWeComNotifier({ key: KEY, messageType: 'markdown', mentions: [] }, h.deps);
    await notifier.send(buildReportMessage(busyReport(), { runUrl: RUN_URL, now: new Date(h.clock.ms) }));
    expect(h.server.requests).toHaveLength(1);
    const request = h.server.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/cgi-bin/webhook/send');
    expect([...request.query.entries()]).toEqual([['key', KEY]]);
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Object.keys(request.json as object)).toEqual(['msgtype', 'markdown']);
    const { msgtype, content } = contentOf(request.json);
    expect(msgtype).toBe('markdown');
    expect(content.split('\n')[0]).toBe('### ❌ Sports Sync X: 3 uploaded, 1 duplicate deleted, 1 failed');
    expect(content).toContain('<font color="warning">Needs attention: 1</font>');
    expect(content).toContain(`[Run log](${RUN_URL})`);
  });

  it('keeps a huge CJK report within 4096 bytes per message, in at most 3 messages, never cutting a character', async () => {
    const h = await harness(HOST, fakeWeCom({ key: KEY }));
    const notifier = createWeComNotifier({ key: KEY, messageType: 'markdown', mentions: [] }, h.deps);
    await notifier.send(buildReportMessage(hugeCjkReport(), { runUrl: RUN_URL, maxItemsPerSection: 1000 }));
    expect(h.server.requests).toHaveLength(3);
    for (const request of h.server.requests) {
      const { content } = contentOf(request.json);
      expect(utf8Bytes(content)).toBeLessThanOrEqual(4096);
      expect(utf8Bytes(content)).toBeGreaterThan(3000);
      expect(content).not.toContain('\uFFFD');
    }
    expect(contentOf(h.server.requests[2]!.json).content).toMatch(/more lines in the run log: \[Run log\]/);
  });

  it('keeps text messages within 2048 bytes and mentions people only when the run failed', async () => {
    const h = await harness(HOST, fakeWeCom({ key: KEY }));
    const notifier = createWeComNotifier(
      { key: KEY, messageType: 'text', mentions: ['zhangsan', '13800001111', '@all'] },
      h.deps,
    );
    await notifier.send(buildReportMessage(hugeCjkReport(), { maxItemsPerSection: 1000 }));
    expect(h.server.requests).toHaveLength(3);
    for (const request of h.server.requests)
      expect(utf8Bytes(contentOf(request.json).content)).toBeLessThanOrEqual(2048);
    const first = contentOf(h.server.requests[0]!.json).payload;
    expect(first.mentioned_list).toEqual(['zhangsan', '@all']);
    expect(first.mentioned_mobile_list).toEqual(['13800001111']);
    expect(contentOf(h.server.requests[1]!.json).payload.mentioned_list).toBeUndefined();
  });

  it('treats errcode 93000 (HTTP 200) as a bad-key configuration error without retrying, and never shows the key', async () => {
    const h = await harness(HOST, fakeWeCom({ key: KEY }));
    const wrongKey = 'deadbeef-0000-4000-8000-000000000000';
    registerSecret(wrongKey);
    const notifier = createWeComNotifier({ key: wrongKey, messageType: 'markdown', mentions: [] }, h.deps);
    const error = await sendError(notifier, buildReportMessage(busyReport()));
    expect(isSyncError(error) && error.kind).toBe('config');
    const text = describeError(error);
    expect(text).toContain('errcode 93000');
    expect(text).toContain('QYWX_BOT_KEY');
    expect(h.server.requests).toHaveLength(1);
    expectNoSecrets([text, ...h.log.lines], [wrongKey, KEY]);
  });

  it('on 45009 waits for the next minute and retries exactly once', async () => {
    const clock = new VirtualClock();
    const fake = fakeWeCom({ key: KEY, now: clock.now });
    const h2 = await harness(HOST, fake, clock);
    fake.forced.push(wecomReply(45009, 'api freq out of limit'));
    const notifier = createWeComNotifier({ key: KEY, messageType: 'markdown', mentions: [] }, h2.deps);
    await notifier.send(buildReportMessage(busyReport()));
    expect(h2.server.requests).toHaveLength(2);
    // Clock at hh:mm:30 → wait 30 s to the minute plus 1 s of margin.
    expect(h2.clock.sleeps).toEqual([31_000]);
  });

  it('gives up after one 45009 retry and reports the rate limit', async () => {
    const { h, notifier } = await weComAnswering([wecomReply(45009), wecomReply(45009)]);
    const error = await sendError(notifier, buildReportMessage(busyReport()));
    expect(describeError(error)).toContain('errcode 45009');
    expect(describeError(error)).toContain('20 messages a minute');
    expect(h.server.requests).toHaveLength(2);
  });

  it('the fake counts 20 sends a minute: the 21st in a minute is refused, the next minute works again', async () => {
    const clock = new VirtualClock();
    const h2 = await harness(HOST, fakeWeCom({ key: KEY, now: clock.now }), clock);
    const notifier = createWeComNotifier({ key: KEY, messageType: 'text', mentions: [] }, h2.deps);
    const message = buildReportMessage(busyReport());
    for (let i = 0; i < 20; i++) await notifier.send(message);
    // The 21st is throttled, waits for the next minute, and goes through.
    await notifier.send(message);
    expect(h2.server.requests).toHaveLength(22);
    expect(h2.clock.sleeps).toHaveLength(1);
  });

  it('retries errcode -1 (busy) with backoff', async () => {
    const { h, notifier } = await weComAnswering([wecomReply(-1, 'system busy'), wecomReply(-1, 'system busy')]);
    await notifier.send(buildReportMessage(busyReport()));
    expect(h.server.requests).toHaveLength(3);
    expect(h.clock.sleeps).toHaveLength(2);
  });

  it('on 45002 cuts the content harder and retries once', async () => {
    const { h, notifier } = await weComAnswering([wecomReply(45002, 'content size out of limit')]);
    await notifier.send(buildReportMessage(hugeCjkReport(), { maxItemsPerSection: 1000 }));
    const [first, second] = h.server.requests;
    expect(utf8Bytes(contentOf(second!.json).content)).toBeLessThanOrEqual(3072);
    expect(utf8Bytes(contentOf(second!.json).content)).toBeLessThan(utf8Bytes(contentOf(first!.json).content));
  });

  it('treats any other non-zero errcode as a failure without retrying', async () => {
    const { h, notifier } = await weComAnswering([wecomReply(40035, 'invalid parameter')]);
    const error = await sendError(notifier, buildReportMessage(busyReport()));
    expect(isSyncError(error) && error.kind).toBe('rejected');
    expect(h.server.requests).toHaveLength(1);
  });

  it('falls back to plain text when markdown is refused (40008)', async () => {
    const { h, notifier } = await weComAnswering([wecomReply(40008, 'invalid message type')], 'markdown_v2');
    await notifier.send(buildReportMessage(busyReport(), { runUrl: RUN_URL }));
    expect(h.server.requests.map((request) => contentOf(request.json).msgtype)).toEqual(['markdown_v2', 'text']);
    const text = contentOf(h.server.requests[1]!.json).content;
    expect(text).toContain(`Run log: ${RUN_URL}`);
    expect(text).not.toContain('<font');
  });

  it('computes the wait to the next minute from the clock', () => {
    expect(msUntilNextMinute(new Date('2026-01-08T06:01:59.500Z'))).toBe(1_500);
    expect(msUntilNextMinute(new Date('2026-01-08T06:02:00.000Z'))).toBe(61_000);
  });
});
