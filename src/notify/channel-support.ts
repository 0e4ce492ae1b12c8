import { ConfigError, RejectedError, RetryableError, describeError, type SyncError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { redact, redactUrl, registerSecret } from '../core/secrets.ts';
import type { HttpClient, HttpResponse } from '../http/http-client.ts';
import { parseRetryAfter } from '../http/retry.ts';
import type { NotificationMessage } from './message.ts';
import { renderParts, type Dialect } from './render.ts';
import { truncateChars, type SizeUnit } from './text-fit.ts';

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
async function withRetries(
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
const ALL_ERROR_STATUSES: readonly number[] = Array.from({ length: 200 }, (_, index) => 400 + index);

/**
 * One POST of a JSON body: `json` is serialised here, `text` is sent as it is (when a signature covers the
 * exact bytes).
 */
export type ChannelRequest = { readonly url: string | URL; readonly headers?: Record<string, string> } & (
  { readonly json: unknown } | { readonly text: string }
);

async function postJson(deps: ChannelDeps, request: ChannelRequest): Promise<HttpResponse> {
  return deps.http.request({
    method: 'POST',
    url: request.url,
    headers: { 'content-type': 'application/json; charset=utf-8', ...request.headers },
    body: 'text' in request ? request.text : JSON.stringify(request.json),
    // A notification sent twice is worse than a retried one lost: only retry what surely did not arrive.
    retry: 'unprocessed',
    accept: ALL_ERROR_STATUSES,
  });
}

/** The message in `dialect`, cut into at most `maxParts` texts of at most `max` units each. */
export function fitParts(
  message: NotificationMessage,
  dialect: Dialect,
  unit: SizeUnit,
  max: number,
  maxParts = 1,
): string[] {
  return renderParts(message, dialect, { budget: { unit, max }, maxParts });
}

/**
 * For push channels that show a title of their own: the rendered message without its title line, or the
 * headline when nothing else is left.
 */
export function pushBody(message: NotificationMessage, dialect: Dialect, unit: SizeUnit, max: number): string {
  const lines = fitParts(message, dialect, unit, max)[0]?.split('\n') ?? [];
  return lines.slice(1).join('\n').trim() || message.headline;
}

/** The body as JSON, or undefined when it is not JSON. */
function jsonBody(response: HttpResponse): Record<string, unknown> | undefined {
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
function bodySnippet(response: HttpResponse, max = 160): string {
  const text = redact(response.text().replace(/\s+/g, ' ').trim());
  if (text === '') return 'an empty body';
  return `"${text.length > max ? `${text.slice(0, max)}…` : text}"`;
}

function numberField(body: Record<string, unknown> | undefined, key: string): number | undefined {
  const value = body?.[key];
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

function stringField(body: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = body?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** Retry-After header (seconds or date) in milliseconds, if any. */
function retryAfterHeaderMs(response: HttpResponse): number | undefined {
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

function configFailure(context: ErrorContext): AttemptOutcome {
  return { ok: false, error: new ConfigError(errorText(context), errorOptions(context)) };
}

function rejectedFailure(context: ErrorContext): AttemptOutcome {
  return { ok: false, error: new RejectedError(errorText(context), errorOptions(context)) };
}

function retryableFailure(context: ErrorContext, retry?: RetryPlan): AttemptOutcome {
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
function statusFailure(
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

/** A 429 whose body says how many seconds to wait (a second when it does not say). */
export function rateLimited(retryAfterSec: number | undefined): RetryPlan {
  return { reason: '429', limit: 1, delayMs: Math.ceil((retryAfterSec ?? 1) * 1000) };
}

/** What one answer of a service means: each verdict is bound to the channel and the response already. */
export interface Answer {
  readonly response: HttpResponse;
  readonly status: number;
  /** The body as a JSON object, or undefined when it is not one. */
  readonly json: Record<string, unknown> | undefined;
  /** A number (or whole-number string) in the JSON body at `path`, e.g. ("parameters", "retry_after"). */
  numberAt(...path: string[]): number | undefined;
  /** A string in the JSON body at `path`. */
  textAt(...path: string[]): string | undefined;
  snippet(max?: number): string;
  config(detail: string, hint: string): AttemptOutcome;
  rejected(detail: string): AttemptOutcome;
  retryable(detail: string, retry?: RetryPlan, hint?: string): AttemptOutcome;
  /** The common HTTP-status reading (see statusFailure). */
  byStatus(detail: string, credentialHint: string): AttemptOutcome;
  /**
   * The service's own result code in the body (the first of `codeKeys` present), a detail quoting it with
   * its words (the first of `wordKeys`, else a snippet of the body), and the verdict on a code nobody knows.
   */
  resultCode(codeKeys: readonly string[], wordKeys?: readonly string[]): ResultCode;
}

export interface ResultCode {
  readonly code: number | undefined;
  readonly detail: string;
  /** A body that is not JSON at all (a proxy's error page) may clear up; a code we do not know will not. */
  unknown(): AttemptOutcome;
}

function objectAt(
  json: Record<string, unknown> | undefined,
  path: readonly string[],
): Record<string, unknown> | undefined {
  let value: unknown = json;
  for (const key of path)
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

function answerOf(deps: ChannelDeps, channel: string, response: HttpResponse): Answer {
  const json = jsonBody(response);
  const context = (detail: string, hint?: string): ErrorContext => ({
    channel,
    response,
    detail,
    ...(hint === undefined ? {} : { hint }),
  });
  const answer: Answer = {
    response,
    status: response.status,
    json,
    numberAt: (...path) => numberField(objectAt(json, path.slice(0, -1)), path.at(-1) ?? ''),
    textAt: (...path) => stringField(objectAt(json, path.slice(0, -1)), path.at(-1) ?? ''),
    snippet: (max) => bodySnippet(response, max),
    config: (detail, hint) => configFailure(context(detail, hint)),
    rejected: (detail) => rejectedFailure(context(detail)),
    retryable: (detail, retry, hint) => retryableFailure(context(detail, hint), retry),
    byStatus: (detail, credentialHint) => statusFailure(deps, { ...context(detail), credentialHint }),
    resultCode(codeKeys, wordKeys) {
      const label = codeKeys[0] ?? 'code';
      const code = codeKeys.map((key) => numberField(json, key)).find((value) => value !== undefined);
      const words = wordKeys?.map((key) => stringField(json, key)).find((value) => value !== undefined);
      const quoted =
        wordKeys === undefined ? `: ${bodySnippet(response, 100)}` : words ? `: ${truncateChars(words, 100)}` : '';
      const detail = `${label} ${code ?? 'missing'}${quoted}`;
      return {
        code,
        detail,
        unknown: () =>
          json === undefined ? answer.retryable(`no ${label} in ${bodySnippet(response)}`) : answer.rejected(detail),
      };
    },
  };
  return answer;
}

/**
 * One channel as data: what it keeps secret, the parts a message becomes, the POST for each part (built per
 * attempt, as signatures carry the time) and what an answer means. Every channel sends the same way through
 * `createChannel`.
 */
export interface ChannelSpec<Part> {
  readonly name: string;
  readonly secrets: readonly (string | undefined)[];
  parts(message: NotificationMessage): readonly Part[];
  request(part: Part, message: NotificationMessage): ChannelRequest;
  judge(answer: Answer, part: Part, message: NotificationMessage): AttemptOutcome;
}

export function createChannel<Part>(spec: ChannelSpec<Part>, deps: ChannelDeps): Notifier {
  for (const value of spec.secrets) registerSecret(value);
  return {
    name: spec.name,
    async send(message) {
      for (const part of spec.parts(message)) {
        await withRetries(deps, spec.name, async (): Promise<AttemptOutcome> => {
          const response = await postJson(deps, spec.request(part, message));
          return spec.judge(answerOf(deps, spec.name, response), part, message);
        });
      }
    },
  };
}
