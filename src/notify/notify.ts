import type { EndpointMap } from '../core/endpoints.ts';
import { describeError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/secrets.ts';
import type { SyncReport } from '../decide/report-types.ts';
import { HttpClient, type FetchFunction } from '../http/http-client.ts';
import { backoffDelayMs, sleep as realSleep, DEFAULT_BACKOFF, type BackoffPolicy } from '../http/retry.ts';
import type { ChannelDeps, Notifier } from './channel-support.ts';
import { createBarkNotifier } from './channels/bark.ts';
import { createDingTalkNotifier } from './channels/dingtalk.ts';
import { createDiscordNotifier } from './channels/discord.ts';
import { createFeishuNotifier } from './channels/feishu.ts';
import { createNtfyNotifier } from './channels/ntfy.ts';
import { createServerChanNotifier } from './channels/serverchan.ts';
import { createSlackNotifier } from './channels/slack.ts';
import { createTelegramNotifier } from './channels/telegram.ts';
import { createWebhookNotifier } from './channels/webhook.ts';
import { createWeComNotifier } from './channels/wecom.ts';
import { buildHeartbeatMessage, buildReportMessage, reportHasFailures, type NotificationMessage } from './message.ts';
import type { ChannelConfig, NotifyConfig } from '../config/notify-config.ts';

export interface NotifyDeps {
  readonly endpoints: EndpointMap;
  readonly log: Logger;
  readonly fetch?: FetchFunction;
  /** Link to this run (on Actions: $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID). */
  readonly runUrl?: string;
  /** When a notification last reached the user (persisted by the caller from `NotifyResult.lastHeartbeatAt`). */
  readonly lastHeartbeatAt?: string;
  readonly now?: () => Date;
  /** For tests: how waits are taken (default: real timers). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** For tests: backoff between retries of transient failures. */
  readonly backoff?: Partial<BackoffPolicy>;
  /** Longest rate-limit wait honoured inside a run (default 65 s: WeCom's "next minute"). */
  readonly maxWaitMs?: number;
  readonly timeoutMs?: number;
}

export interface NotifyResult {
  /**
   * sent: a message went out to at least one channel; skipped: the policy said nothing to tell;
   * failed: every channel failed.
   */
  readonly status: 'sent' | 'skipped' | 'failed' | 'no-channels';
  /** Why, in one line (e.g. "policy on-change: nothing uploaded, deleted or failed"). */
  readonly reason: string;
  readonly kind?: NotificationMessage['kind'];
  readonly heartbeatSent: boolean;
  /** Value to persist for the next run's `lastHeartbeatAt`: moves only when a message reached someone. */
  readonly lastHeartbeatAt: string | undefined;
  readonly delivered: readonly string[];
  readonly failedChannels: readonly string[];
  /** One redacted line per failed channel, for the log and the job summary. */
  readonly warnings: readonly string[];
}

const WEEK_MS = 7 * 86_400_000;

export interface PolicyDecision {
  readonly notify: boolean;
  readonly reason: string;
}

/** Whether the policy wants this report sent: on-change = something uploaded, deleted or failed. */
export function policyDecision(report: SyncReport, policy: NotifyConfig['policy']): PolicyDecision {
  const failed = reportHasFailures(report);
  switch (policy) {
    case 'always':
      return { notify: true, reason: 'policy always' };
    case 'on-failure':
      return failed
        ? { notify: true, reason: 'policy on-failure: something failed' }
        : { notify: false, reason: 'policy on-failure: nothing failed' };
    case 'on-change': {
      const changed = report.counts.uploaded > 0 || report.counts.deleted > 0;
      if (changed || failed)
        return {
          notify: true,
          reason: `policy on-change: ${failed ? 'something failed' : 'something was uploaded or deleted'}`,
        };
      return { notify: false, reason: 'policy on-change: nothing uploaded, deleted or failed' };
    }
  }
}

/** Whether a weekly heartbeat is due (never sent, or the last message is a week old). */
export function heartbeatDue(config: NotifyConfig, lastHeartbeatAt: string | undefined, now: Date): boolean {
  if (config.heartbeat !== 'weekly') return false;
  if (lastHeartbeatAt === undefined) return true;
  const last = Date.parse(lastHeartbeatAt);
  return Number.isNaN(last) || now.getTime() - last >= WEEK_MS;
}

/** Each channel kind's notifier, typed so that a kind's factory takes exactly that kind's settings. */
const NOTIFIER_FACTORIES: {
  readonly [K in ChannelConfig['kind']]: (settings: Extract<ChannelConfig, { kind: K }>, deps: ChannelDeps) => Notifier;
} = {
  wecom: createWeComNotifier,
  telegram: createTelegramNotifier,
  dingtalk: createDingTalkNotifier,
  feishu: createFeishuNotifier,
  bark: createBarkNotifier,
  serverchan: createServerChanNotifier,
  ntfy: createNtfyNotifier,
  slack: createSlackNotifier,
  discord: createDiscordNotifier,
  webhook: createWebhookNotifier,
};

export function createNotifier(channel: ChannelConfig, deps: ChannelDeps): Notifier {
  // TypeScript cannot tie channel.kind to its entry's parameter type; the table's type above does.
  const create = NOTIFIER_FACTORIES[channel.kind] as (settings: ChannelConfig, deps: ChannelDeps) => Notifier;
  return create(channel, deps);
}

export function channelDeps(deps: NotifyDeps): ChannelDeps {
  const policy: BackoffPolicy = { ...DEFAULT_BACKOFF, attempts: 2, baseDelayMs: 1_000, ...deps.backoff };
  const sleep = deps.sleep ?? realSleep;
  const http = new HttpClient({
    endpoints: deps.endpoints,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    timeoutMs: deps.timeoutMs ?? 15_000,
    backoff: policy,
    sleep,
    headers: { 'user-agent': 'sports-sync-x' },
    maxBodyBytes: 1024 * 1024,
  });
  return {
    http,
    sleep,
    now: deps.now ?? (() => new Date()),
    log: deps.log,
    backoffMs: (retry) => backoffDelayMs(policy, retry, undefined),
    maxWaitMs: deps.maxWaitMs ?? 65_000,
  };
}

/** Sends one message to every notifier, in parallel; failures become redacted warnings, never exceptions. */
export async function sendToAll(
  notifiers: readonly Notifier[],
  message: NotificationMessage,
  log: Logger,
): Promise<{ delivered: string[]; failed: string[]; warnings: string[] }> {
  const outcomes = await Promise.allSettled(notifiers.map((notifier) => notifier.send(message)));
  const delivered: string[] = [];
  const failed: string[] = [];
  const warnings: string[] = [];
  for (const [index, outcome] of outcomes.entries()) {
    const name = notifiers[index]?.name ?? `channel ${index + 1}`;
    if (outcome.status === 'fulfilled') {
      delivered.push(name);
      log.debug(`notification sent via ${name}`);
      continue;
    }
    failed.push(name);
    const warning = redact(`notification via ${name} failed: ${describeError(outcome.reason)}`);
    warnings.push(warning);
    log.warn(warning);
  }
  return { delivered, failed, warnings };
}

/**
 * Notifies about one run as the policy says (plus the weekly heartbeat when due). Never throws:
 * a failed channel is a warning in the result, and the sync's own outcome is untouched.
 */
export async function notifyRun(report: SyncReport, config: NotifyConfig, deps: NotifyDeps): Promise<NotifyResult> {
  const base = {
    heartbeatSent: false,
    lastHeartbeatAt: deps.lastHeartbeatAt,
    delivered: [],
    failedChannels: [],
    warnings: [],
  };
  try {
    if (config.channels.length === 0)
      return { ...base, status: 'no-channels', reason: 'no notification channel configured' };
    const now = (deps.now ?? (() => new Date()))();
    const decision = policyDecision(report, config.policy);
    const heartbeat = !decision.notify && heartbeatDue(config, deps.lastHeartbeatAt, now);
    if (!decision.notify && !heartbeat) {
      deps.log.debug(`no notification: ${decision.reason}`);
      return { ...base, status: 'skipped', reason: decision.reason };
    }
    const options = {
      timeZone: config.timeZone,
      expiryWarningDays: config.expiryWarningDays,
      now,
      ...(config.language ? { language: config.language } : {}),
      ...(deps.runUrl ? { runUrl: deps.runUrl } : {}),
    };
    const message = heartbeat ? buildHeartbeatMessage(report, options) : buildReportMessage(report, options);
    const channel = channelDeps(deps);
    const notifiers = config.channels.map((entry) => createNotifier(entry, channel));
    const { delivered, failed, warnings } = await sendToAll(notifiers, message, deps.log);
    const reached = delivered.length > 0;
    return {
      status: reached ? 'sent' : 'failed',
      reason: heartbeat ? 'weekly heartbeat due' : decision.reason,
      kind: message.kind,
      heartbeatSent: heartbeat && reached,
      // Any delivered message shows the schedule is alive, so it restarts the heartbeat week.
      lastHeartbeatAt: reached ? now.toISOString() : deps.lastHeartbeatAt,
      delivered,
      failedChannels: failed,
      warnings,
    };
  } catch (error) {
    // Rendering or setup bugs must not fail the sync either.
    const warning = redact(`notifications failed: ${describeError(error)}`);
    deps.log.warn(warning);
    return { ...base, status: 'failed', reason: 'internal error while notifying', warnings: [warning] };
  }
}
