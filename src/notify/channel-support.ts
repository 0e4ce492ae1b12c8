import { ConfigError, RejectedError, RetryableError, describeError, type SyncError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { redact, redactUrl } from '../core/secrets.ts';
import type { HttpClient, HttpResponse } from '../http/http-client.ts';
import { parseRetryAfter } from '../http/retry.ts';
import type { NotificationMessage } from './message.ts';

/** One notification channel. `send` throws a redacted SyncError when the channel refused the message. */
export interface Notifier {
  readonly name: string;
  send(message: NotificationMessage): Promise<void>;
}

export interface ChannelDeps {
  readonly http: HttpClient;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
  readonly log: Logger;
  /** Delay before retry number `retry` (1-based) of a transient failure. */
  readonly backoffMs: (retry: number) => number;
  /** Longest rate-limit wait honoured inside one run; longer waits give up with a warning. */
  readonly maxWaitMs: number;
}

/** What one attempt came to: delivered, or an error with an optional retry plan. */
export type AttemptOutcome =
  { readonly ok: true } | { readonly ok: false; readonly error: SyncError; readonly retry?: RetryPlan };

export interface RetryPlan {
  /** Retries are counted per reason, e.g. "45009" may be retried once, "busy" three times. */
  readonly reason: string;
  readonly limit: number;
  readonly delayMs: number;
}

const MAX_ATTEMPTS = 6;

/** Runs `attempt` until it delivers or a failure has no (remaining) retry; throws the last error. */
export async function withRetries(
  deps: ChannelDeps,
  channel: string,
  attempt: (attemptNumber: number) => Promise<AttemptOutcome>,
): Promise<void> {
  const used = new Map<string, number>();
  for (let attemptNumber = 1; ; attemptNumber++) {
    const outcome = await attempt(attemptNumber);
    if (outcome.ok) return;
    const plan = outcome.retry;
    if (!plan || attemptNumber >= MAX_ATTEMPTS) throw outcome.error;
    const count = used.get(plan.reason) ?? 0;
    if (count >= plan.limit) throw outcome.error;
    if (plan.delayMs > deps.maxWaitMs) {
      throw new RetryableError(
        `${outcome.error.message}; the service asked to wait ${Math.ceil(plan.delayMs / 1000)} s, ` +
          `longer than a run waits — the next run will notify`,
        {
          ...(outcome.error.status === undefined ? {} : { status: outcome.error.status }),
        },
      );
    }
    used.set(plan.reason, count + 1);
    deps.log.debug(`${channel}: ${describeError(outcome.error)}; retrying in ${Math.ceil(plan.delayMs / 1000)} s`);
    await deps.sleep(plan.delayMs);
  }
}

/** Every 4xx/5xx status, so channels read the body (HTTP 200 is not success, 4xx carries codes). */
export const ALL_ERROR_STATUSES: readonly number[] = Array.from({ length: 200 }, (_, index) => 400 + index);

export async function postJson(
  deps: ChannelDeps,
  url: string | URL,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResponse> {
  return deps.http.request({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
    // A notification sent twice is worse than a retried one lost: only retry what surely did not arrive.
    retry: 'unprocessed',
    accept: ALL_ERROR_STATUSES,
  });
}

/** The body as JSON, or undefined when it is not JSON. */
export function jsonBody(response: HttpResponse): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(response.text());
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A short, redacted quote of a response body for error messages. */
export function bodySnippet(response: HttpResponse, max = 160): string {
  const text = redact(response.text().replace(/\s+/g, ' ').trim());
  if (text === '') return 'an empty body';
  return `"${text.length > max ? `${text.slice(0, max)}…` : text}"`;
}

export function numberField(body: Record<string, unknown> | undefined, key: string): number | undefined {
  const value = body?.[key];
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

export function stringField(body: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = body?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** Retry-After header (seconds or date) in milliseconds, if any. */
export function retryAfterHeaderMs(response: HttpResponse): number | undefined {
  return parseRetryAfter(response.headers.get('retry-after'));
}

interface ErrorContext {
  readonly channel: string;
  readonly response: HttpResponse;
  readonly detail: string;
  readonly hint?: string;
}

function errorText(context: ErrorContext): string {
  // HTTP 200 with an error code in the body: the code says it all. Otherwise the status and (redacted) address help.
  const where = context.response.status === 200 ? context.detail : `HTTP ${context.response.status}, ${context.detail}`;
  const base = `${context.channel} refused the notification (${where})`;
  return redact(context.hint ? `${base}: ${context.hint}` : base);
}

function errorOptions(context: ErrorContext): { status?: number; url?: string; hint?: string } {
  return {
    ...(context.response.status === 200
      ? {}
      : { status: context.response.status, url: redactUrl(context.response.url) }),
    ...(context.hint ? { hint: redact(context.hint) } : {}),
  };
}

export function configFailure(context: ErrorContext): AttemptOutcome {
  return { ok: false, error: new ConfigError(errorText(context), errorOptions(context)) };
}

export function rejectedFailure(context: ErrorContext): AttemptOutcome {
  return { ok: false, error: new RejectedError(errorText(context), errorOptions(context)) };
}

export function retryableFailure(context: ErrorContext, retry?: RetryPlan): AttemptOutcome {
  return {
    ok: false,
    error: new RetryableError(errorText(context), errorOptions(context)),
    ...(retry ? { retry } : {}),
  };
}

/**
 * The common HTTP-status reading: 429 waits as told (or backs off), 5xx backs off twice, 401/403/404/410
 * mean the configured address or token is wrong, other 4xx mean the message itself was refused.
 */
export function statusFailure(
  deps: ChannelDeps,
  context: ErrorContext & { readonly retryAfterMs?: number; readonly credentialHint: string },
): AttemptOutcome {
  const status = context.response.status;
  if (status === 429) {
    return retryableFailure(context, {
      reason: '429',
      limit: 1,
      delayMs: context.retryAfterMs ?? retryAfterHeaderMs(context.response) ?? deps.backoffMs(1),
    });
  }
  if (status >= 500) return retryableFailure(context, { reason: '5xx', limit: 2, delayMs: deps.backoffMs(1) });
  if (status === 401 || status === 403 || status === 404 || status === 410)
    return configFailure({ ...context, hint: context.hint ?? context.credentialHint });
  return rejectedFailure(context);
}
