import { AuthError, RejectedError, RetryableError, type SyncError } from '../core/errors.ts';
import { EndpointMap } from '../core/endpoints.ts';
import { redact, redactUrl } from '../core/secrets.ts';
import { DEFAULT_BACKOFF, backoffDelayMs, parseRetryAfter, sleep as realSleep, type BackoffPolicy } from './retry.ts';

export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface HttpClientOptions {
  readonly endpoints?: EndpointMap;
  /** Injected fetch (a proxy-aware fetch, or the global one). */
  readonly fetch?: FetchFunction;
  readonly timeoutMs?: number;
  readonly backoff?: Partial<BackoffPolicy>;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Default headers on every request (e.g. User-Agent). */
  readonly headers?: Record<string, string>;
  /** Largest response body accepted, in bytes. */
  readonly maxBodyBytes?: number;
  /** Called before every attempt, for counters and debug logs (URL already redacted). */
  readonly onRequest?: (info: { method: string; url: string; attempt: number }) => void;
}

export type RetryMode =
  /** Retry 408/429/5xx and network errors (safe for idempotent requests). */
  | 'idempotent'
  /** Retry only when the server certainly did not process the request (429, 503, connection refused). */
  | 'unprocessed'
  | 'never';

export interface HttpRequest {
  readonly method?: string;
  /** The real URL (https://real.host/path); the endpoint map rewrites it. */
  readonly url: string | URL;
  readonly headers?: Record<string, string>;
  readonly body?: RequestInit['body'] | Uint8Array;
  readonly timeoutMs?: number;
  readonly retry?: RetryMode;
  /** Statuses returned to the caller instead of thrown (2xx always are). */
  readonly accept?: readonly number[];
  readonly redirect?: RequestInit['redirect'];
}

export class HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly url: string;
  readonly body: Uint8Array;

  constructor(status: number, headers: Headers, url: string, body: Uint8Array) {
    this.status = status;
    this.headers = headers;
    this.url = url;
    this.body = body;
  }

  text(): string {
    return new TextDecoder().decode(this.body);
  }

  json<T = unknown>(): T {
    const text = this.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new RetryableError(`expected JSON but got ${describeBody(text)}`, {
        status: this.status,
        url: redactUrl(this.url),
      });
    }
  }

  /** Every Set-Cookie header, unfolded. */
  setCookies(): string[] {
    return this.headers.getSetCookie();
  }
}

function describeBody(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return 'an empty body';
  const oneLine = redact(trimmed.replace(/\s+/g, ' ')).slice(0, 120);
  return `"${oneLine}${trimmed.length > 120 ? '…' : ''}"`;
}

const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

/** The one HTTP layer every platform client uses. */
export class HttpClient {
  readonly endpoints: EndpointMap;
  private readonly fetchImpl: FetchFunction;
  private readonly timeoutMs: number;
  private readonly backoff: BackoffPolicy;
  private readonly sleepImpl: (ms: number) => Promise<void>;
  private readonly defaultHeaders: Record<string, string>;
  private readonly maxBodyBytes: number;
  private readonly onRequest: HttpClientOptions['onRequest'];

  constructor(options: HttpClientOptions = {}) {
    this.endpoints = options.endpoints ?? new EndpointMap();
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.sleepImpl = options.sleep ?? realSleep;
    this.defaultHeaders = options.headers ?? {};
    this.maxBodyBytes = options.maxBodyBytes ?? 256 * 1024 * 1024;
    this.onRequest = options.onRequest;
  }

  /** Resolves a real URL through the endpoint map. */
  resolve(url: string | URL): URL {
    return this.endpoints.resolve(url);
  }

  async request(request: HttpRequest): Promise<HttpResponse> {
    const method = (request.method ?? 'GET').toUpperCase();
    const target = this.resolve(request.url);
    const shownUrl = redactUrl(target);
    const retryMode: RetryMode =
      request.retry ??
      (method === 'GET' || method === 'HEAD' || method === 'DELETE' || method === 'PUT' ? 'idempotent' : 'unprocessed');
    const attempts = retryMode === 'never' ? 1 : this.backoff.attempts;
    let lastError: SyncError | undefined;

    for (let attempt = 1; attempt <= attempts; attempt++) {
      this.onRequest?.({ method, url: shownUrl, attempt });
      let response: Response;
      const timeoutMs = request.timeoutMs ?? this.timeoutMs;
      try {
        response = await this.fetchImpl(target, {
          method,
          headers: { ...this.defaultHeaders, ...request.headers },
          body: request.body as RequestInit['body'],
          redirect: request.redirect ?? 'follow',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const refused = isConnectionRefused(error);
        lastError = new RetryableError(`${method} ${shownUrl} failed: ${networkReason(error, timeoutMs)}`, {
          url: shownUrl,
          cause: error,
          hint: proxyHint(request.url),
        });
        const retry = retryMode === 'idempotent' || (retryMode === 'unprocessed' && refused);
        if (!retry || attempt === attempts) throw lastError;
        await this.sleepImpl(backoffDelayMs(this.backoff, attempt, undefined));
        continue;
      }

      let body: Uint8Array;
      try {
        body = await readBody(response, this.maxBodyBytes);
      } catch (error) {
        lastError = new RetryableError(
          `${method} ${shownUrl}: response body incomplete (${networkReason(error, timeoutMs)})`,
          { status: response.status, url: shownUrl, cause: error },
        );
        if (retryMode !== 'idempotent' || attempt === attempts) throw lastError;
        await this.sleepImpl(backoffDelayMs(this.backoff, attempt, undefined));
        continue;
      }

      const status = response.status;
      if ((status >= 200 && status < 400) || request.accept?.includes(status)) {
        return new HttpResponse(status, response.headers, target.toString(), body);
      }

      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      const error = statusError(method, shownUrl, status, body, retryAfterMs);
      lastError = error;
      const retryable =
        RETRYABLE_STATUSES.has(status) &&
        (retryMode === 'idempotent' || (retryMode === 'unprocessed' && (status === 429 || status === 503)));
      if (!retryable || attempt === attempts) throw error;
      if (retryAfterMs !== undefined && retryAfterMs > this.backoff.maxRetryAfterMs) throw error;
      await this.sleepImpl(backoffDelayMs(this.backoff, attempt, retryAfterMs));
    }
    throw lastError ?? new RetryableError(`${method} ${shownUrl} failed`, { url: shownUrl });
  }
}

export function statusError(
  method: string,
  shownUrl: string,
  status: number,
  body: Uint8Array,
  retryAfterMs?: number,
): SyncError {
  const snippet = describeBody(new TextDecoder().decode(body.subarray(0, 2048)));
  const message = `${method} ${shownUrl} answered HTTP ${status}: ${snippet}`;
  const options = {
    status,
    url: shownUrl,
    ...(retryAfterMs === undefined ? {} : { retryAfterSec: Math.ceil(retryAfterMs / 1000) }),
  };
  if (status === 401) return new AuthError(message, options);
  if (RETRYABLE_STATUSES.has(status)) return new RetryableError(message, options);
  if (status === 403) return new AuthError(message, options);
  return new RejectedError(message, options);
}

async function readBody(response: Response, maxBytes: number): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body.cancel();
    throw new Error(`body of ${declared} bytes exceeds the ${maxBytes}-byte limit`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`body exceeds the ${maxBytes}-byte limit`);
    }
    chunks.push(value);
  }
  if (Number.isFinite(declared) && total < declared) throw new Error(`body truncated at ${total} of ${declared} bytes`);
  return Buffer.concat(chunks);
}

/** The system error code (ECONNREFUSED, ENOTFOUND …) of an error or one of its causes. */
export function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isConnectionRefused(error: unknown): boolean {
  const code = causeCode(error);
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

/** What failed, in words: DNS, connect, TLS or a timeout (the code stays for searching). */
function networkReason(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return `no answer: timed out after ${Math.round(timeoutMs / 1000)} s`;
  const code = causeCode(error);
  const via =
    error instanceof Error && error.message.startsWith('via proxy')
      ? ` (${error.message.split(':')[0]}:${error.message.split(':')[1] ?? ''})`
      : '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `DNS lookup failed (${code})${via}`;
  if (
    code &&
    /^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EPIPE|UND_ERR_SOCKET|UND_ERR_CONNECT_TIMEOUT)$/.test(
      code,
    )
  )
    return `could not connect (${code})${via}`;
  if (code && /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_SSL/.test(code))
    return `TLS handshake failed (${code})${via}`;
  if (code) return code;
  return redact(error instanceof Error ? error.message : String(error));
}

/** Which proxy setting applies to a host: the platform's own, then HTTPS_PROXY. */
function proxyHint(url: string | URL): string {
  const host = new URL(String(url)).hostname;
  const platform = host.endsWith('garmin.cn')
    ? 'GARMIN_CN_PROXY'
    : host.endsWith('garmin.com')
      ? 'GARMIN_COM_PROXY'
      : host.endsWith('coros.com')
        ? 'COROS_PROXY'
        : undefined;
  return (
    `check the network; if it needs a proxy to reach ${host}, ` +
    `set ${platform ? `${platform} (or HTTPS_PROXY)` : 'HTTPS_PROXY'}, and check NO_PROXY`
  );
}
