import type { Activity } from '../../core/activity.ts';
import { AuthError, isSyncError, RejectedError, RetryableError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { registerSecret } from '../../core/secrets.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../../http/http-client.ts';
import { sleep as realSleep } from '../../http/retry.ts';
import { readZipEntries } from '../../fit/zip-read.ts';
import type { FitDownload, FitUpload, ListPagesOptions, Platform, UploadOutcome } from '../platform.ts';
import type { PlatformState } from '../../store/state-box.ts';
import { mapGarminActivity, type GarminListItem } from './garmin-activities.ts';
import { LoginCircuitBreaker, type CircuitBreakerPolicy } from './garmin-circuit-breaker.ts';
import { RefreshRefusedError, refreshDiTokens } from './garmin-di.ts';
import {
  garminHosts,
  garminLoginCommand,
  garminTokenSecretName,
  NATIVE_HEADERS,
  type GarminRegion,
} from './garmin-hosts.ts';
import {
  createGarminHttpClient,
  garminLoginRequiredError,
  passwordLogin,
  type GarminConnectionOptions,
} from './garmin-login.ts';
import { GarminRegionPlatform } from './garmin-region-platform.ts';
import type { MfaPrompt } from './garmin-sso.ts';
import { decodeTokenBlob, fingerprint, GarminTokenStore, type DiTokens } from './garmin-tokens.ts';

export interface GarminPlatformOptions extends GarminConnectionOptions {
  readonly state: PlatformState;
  readonly credentials: {
    readonly email?: string | undefined;
    readonly password?: string | undefined;
    readonly tokenBlob?: string | undefined;
  };
  readonly log: Logger;
  /** Milliseconds since the epoch (tests move the clock). */
  readonly now?: (() => number) | undefined;
  readonly circuitBreaker?: Partial<CircuitBreakerPolicy> | undefined;
  /** Only for interactive runs: without it an MFA account needs the login command. */
  readonly promptMfaCode?: MfaPrompt | undefined;
  /** Refresh the access token when it expires within this many seconds (default 900). */
  readonly refreshMarginSec?: number | undefined;
  /** DI client ids, newest first. */
  readonly clientIds?: readonly string[] | undefined;
  /** Upload status polling; the interval defaults to the server's location-in-milliseconds hint. */
  readonly uploadPoll?: { readonly intervalMs?: number; readonly timeoutMs?: number } | undefined;
  /** True when a request would find a free slot at once: an early status check then delays nothing. */
  readonly requestsIdle?: (() => boolean) | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Pause between the widget page and its POST, as a browser would (default 0). */
  readonly widgetPauseMs?: number | undefined;
  /** Pause between the portal page and its POST (CN front door; python-garminconnect waits 10–20 s; default 0). */
  readonly portalPauseMs?: number | undefined;
}

const MAX_PAGE = 1000;
/** The first status check of an upload when it delays nothing (else the server's hint). */
const EARLY_FIRST_POLL_MS = 200;

export function createGarminPlatform(options: GarminPlatformOptions): Platform {
  return new GarminPlatform(options);
}

class GarminPlatform extends GarminRegionPlatform<GarminPlatformOptions> implements Platform {
  private readonly region: GarminRegion;
  private readonly http: HttpClient;
  private readonly store: GarminTokenStore;
  private readonly breaker: LoginCircuitBreaker;
  private readonly sleep: (ms: number) => Promise<void>;
  private tokens: DiTokens | undefined;
  private refreshing: Promise<DiTokens> | undefined;
  /** Early status checks found uploads done so far this run (see pollUpload). */
  private earlyChecksPay = true;

  constructor(options: GarminPlatformOptions) {
    super(options);
    this.region = options.region;
    this.sleep = options.sleep ?? realSleep;
    registerSecret(options.credentials.password);
    registerSecret(options.credentials.tokenBlob);
    this.http = createGarminHttpClient({ ...options });
    this.store = new GarminTokenStore(options.state, options.region);
    this.breaker = new LoginCircuitBreaker(options.state, options.region, options.circuitBreaker, this.now);
  }

  private nowSec(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Token first: stored sealed tokens → configured token blob → password cascade (breaker-guarded). */
  async connect(): Promise<void> {
    let tokens = this.store.load();
    const blob = this.options.credentials.tokenBlob?.trim();
    let expiredBlob: Date | undefined;
    if (blob) {
      const print = fingerprint(blob);
      // A newly pasted blob (a fresh login) wins over tokens rotated from an older one.
      if (!tokens || this.store.blobFingerprint() !== print) {
        const fromBlob = decodeTokenBlob(blob, this.region);
        if (fromBlob.refreshExpiresAt > this.nowSec()) {
          tokens = fromBlob;
          this.store.save(tokens);
          this.store.setBlobFingerprint(print);
          this.options.log.debug(`${this.label}: using the token from ${garminTokenSecretName(this.region)}`);
        } else if (!tokens) {
          expiredBlob = new Date(fromBlob.refreshExpiresAt * 1000);
        }
      }
    }

    if (tokens && tokens.refreshExpiresAt > this.nowSec()) {
      this.tokens = tokens;
      try {
        await this.freshAccessToken();
        return;
      } catch (error) {
        if (!(isSyncError(error) && error.kind === 'auth')) throw error;
        this.tokens = undefined;
        this.store.clear();
        if (!this.hasPassword()) throw error;
        this.options.log.warn(`${this.label}: stored token is no longer accepted; logging in with the password`);
      }
    } else if (tokens) {
      this.store.clear();
      if (!this.hasPassword())
        throw garminLoginRequiredError(
          this.region,
          `the stored token expired on ${new Date(tokens.refreshExpiresAt * 1000).toISOString()}`,
        );
    }

    if (!this.hasPassword()) {
      if (expiredBlob)
        throw garminLoginRequiredError(
          this.region,
          `the token in ${garminTokenSecretName(this.region)} expired on ${expiredBlob.toISOString()}`,
        );
      throw garminLoginRequiredError(
        this.region,
        `no token stored and no ${garminTokenSecretName(this.region)} or password configured`,
      );
    }
    const fresh = await passwordLogin({
      http: this.http,
      region: this.region,
      email: this.options.credentials.email!,
      password: this.options.credentials.password!,
      promptMfaCode: this.options.promptMfaCode,
      log: this.options.log,
      clientIds: this.options.clientIds,
      nowSec: () => this.nowSec(),
      breaker: this.breaker,
      state: this.options.state,
      widgetPauseMs: this.options.widgetPauseMs,
      portalPauseMs: this.options.portalPauseMs,
      sleep: this.options.sleep,
    });
    this.store.save(fresh);
    this.tokens = fresh;
    this.options.log.info(
      `${this.label}: logged in; token stored (refresh token valid until ` +
        `${new Date(fresh.refreshExpiresAt * 1000).toISOString()})`,
    );
  }

  private hasPassword(): boolean {
    return Boolean(this.options.credentials.email && this.options.credentials.password);
  }

  async credentialExpiry(): Promise<Date | undefined> {
    const tokens = this.tokens ?? this.store.load();
    return tokens ? new Date(tokens.refreshExpiresAt * 1000) : undefined;
  }

  /** Refreshes when the access token expires within the margin. Single-flight across callers. */
  private async freshAccessToken(): Promise<DiTokens> {
    const tokens = this.tokens;
    if (!tokens) throw new AuthError(`${this.label} is not connected`, { hint: 'call connect() first' });
    if (tokens.expiresAt - this.nowSec() > (this.options.refreshMarginSec ?? 900)) return tokens;
    return this.refresh(tokens);
  }

  private refresh(used: DiTokens): Promise<DiTokens> {
    // Another caller already rotated past the token this one used: just take the new one.
    if (this.tokens && this.tokens.accessToken !== used.accessToken) return Promise.resolve(this.tokens);
    if (!this.refreshing) {
      this.refreshing = (async () => {
        try {
          const next = await refreshDiTokens(this.http, used, () => this.nowSec());
          // Persist before anything else: the old refresh token is already dead.
          this.store.save(next);
          this.tokens = next;
          this.options.log.debug(`${this.label}: access token refreshed`);
          return next;
        } catch (error) {
          // Only 400 invalid_grant (an AuthError) ends the refresh token; a 403 challenge, 429, 5xx
          // or a timeout says nothing about it: keep the stored tokens byte for byte (§4.7).
          if (isSyncError(error) && error.kind === 'auth') {
            this.tokens = undefined;
            this.store.clear();
          } else if (error instanceof RefreshRefusedError && (error.status === 403 || error.status === 429)) {
            this.breaker.trip(`HTTP ${error.status} on the token refresh`);
          }
          throw error;
        } finally {
          this.refreshing = undefined;
        }
      })();
    }
    return this.refreshing;
  }

  /** A connectapi call with the bearer: on 401, one refresh and one retry. */
  private async api(request: HttpRequest): Promise<HttpResponse> {
    let tokens = await this.freshAccessToken();
    const accept = [...(request.accept ?? []), 401];
    for (let attempt = 1; ; attempt++) {
      const response = await this.http.request({
        ...request,
        accept,
        headers: {
          ...NATIVE_HEADERS,
          Accept: 'application/json',
          ...request.headers,
          Authorization: `Bearer ${tokens.accessToken}`,
        },
      });
      if (response.status !== 401 || request.accept?.includes(401)) return response;
      if (attempt >= 2) {
        throw new AuthError(`${this.label} refused a freshly refreshed token (HTTP 401)`, {
          hint:
            `run \`${garminLoginCommand(this.region)}\` and store the printed token as ` +
            `${garminTokenSecretName(this.region)}`,
          status: 401,
        });
      }
      this.options.log.debug(`${this.label}: HTTP 401, refreshing the token once`);
      tokens = await this.refresh(tokens);
    }
  }

  async *listActivities(options: ListPagesOptions = {}): AsyncIterable<readonly Activity[]> {
    const limit = Math.min(Math.max(1, options.pageSize ?? 100), MAX_PAGE);
    const seen = new Set<string>();
    const base = garminHosts(this.region).connectapi + '/activitylist-service/activities/search/activities';
    for (let start = 0; ; start += limit) {
      const response = await this.api({ url: `${base}?start=${start}&limit=${limit}` });
      const body = response.json<unknown>();
      if (!Array.isArray(body))
        throw new RetryableError(`${this.label} activity list is not a JSON array (HTTP ${response.status})`);
      const page: Activity[] = [];
      for (const item of body as GarminListItem[]) {
        const activity = mapGarminActivity(item, this.region);
        // Offsets shift when activities are added during a scan: dedupe by id.
        if (!activity || seen.has(activity.remoteId)) continue;
        seen.add(activity.remoteId);
        page.push(activity);
      }
      if (page.length > 0) yield page;
      if (body.length < limit) return;
    }
  }

  async downloadFit(activity: Activity): Promise<FitDownload> {
    const id = requireNumericId(activity.remoteId);
    const url = `${garminHosts(this.region).connectapi}/download-service/files/activity/${id}`;
    let response: HttpResponse;
    try {
      response = await this.api({ url, headers: { Accept: '*/*' }, accept: [404] });
    } catch (error) {
      // Manual activities sometimes answer 500 "NullPointerException" instead of 404.
      if (activity.manual && isSyncError(error) && error.status === 500)
        return { kind: 'no-original', reason: `${this.label} has no original file (manual activity, HTTP 500)` };
      throw error;
    }
    if (response.status === 404)
      return {
        kind: 'no-original',
        reason: `${this.label} has no original file for ${id} (HTTP 404${activity.manual ? ', manual activity' : ''})`,
      };
    const entries = readZipEntries(response.body, { maxEntries: 50 });
    const entry = entries.find((candidate) => candidate.name.startsWith(id)) ?? entries[0];
    if (!entry) throw new RejectedError(`${this.label} download for ${id} is an empty zip`);
    const extension = /\.([A-Za-z0-9]+)$/.exec(entry.name)?.[1]?.toLowerCase();
    if (extension !== 'fit') {
      return {
        kind: 'no-original',
        reason:
          `${this.label} activity ${id} was imported from a ` +
          `${extension ? extension.toUpperCase() : 'non-FIT'} file; no original FIT`,
      };
    }
    return { kind: 'fit', bytes: entry.read(), fileName: `${id}.fit` };
  }

  async uploadFit(upload: FitUpload): Promise<UploadOutcome> {
    const fileName = safeFitName(upload.fileName);
    const boundary = `----sportssyncx${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
    const head =
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; ` +
      `filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    const body = Buffer.concat([Buffer.from(head), Buffer.from(upload.bytes), Buffer.from(`\r\n--${boundary}--\r\n`)]);
    const response = await this.api({
      method: 'POST',
      url: garminHosts(this.region).connectapi + '/upload-service/upload',
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      body,
      retry: 'unprocessed',
      accept: [400, 409, 412, 413, 415, 419, 422],
    });
    if (response.status === 202 || response.status === 201 || response.status === 200) {
      const immediate = importOutcome(response, this.label);
      if (immediate) return immediate;
      const location = response.headers.get('location');
      if (!location)
        throw new RetryableError(
          `${this.label} accepted the upload (HTTP ${response.status}) but gave no status location`,
        );
      const hint = Number(response.headers.get('location-in-milliseconds'));
      return this.pollUpload(
        statusPath(location),
        Number.isFinite(hint) && hint > 0 ? hint : 1000,
        this.options.uploadPoll?.timeoutMs ?? 60_000,
        upload.finishing === true || this.options.requestsIdle?.() === true,
      );
    }
    const outcome = importOutcome(response, this.label);
    if (outcome) return outcome;
    return { kind: 'rejected', message: `${this.label} refused the upload (HTTP ${response.status})` };
  }

  async checkPendingUpload(ticket: string): Promise<UploadOutcome> {
    return this.pollUpload(ticket, 0, 0);
  }

  /**
   * `early`: nothing waits for the slot (or the run waits for nothing else), so the first check may
   * go before the hint. Once an early check finds the upload still processing, the service is not
   * that fast: later uploads of this run wait the hint (the early checks already in flight are the
   * only wasted requests).
   */
  private async pollUpload(path: string, hintMs: number, budgetMs: number, early = false): Promise<UploadOutcome> {
    const url = garminHosts(this.region).connectapi + path;
    const intervalMs = this.options.uploadPoll?.intervalMs ?? Math.min(Math.max(hintMs, 500), 5000);
    const deadline = this.now() + budgetMs;
    const earlyNow = early && this.earlyChecksPay && intervalMs > EARLY_FIRST_POLL_MS;
    for (let first = true; ; first = false) {
      if (!first || budgetMs > 0) await this.sleep(first && earlyNow ? EARLY_FIRST_POLL_MS : intervalMs);
      const response = await this.api({ url, accept: [400, 409, 415, 422] });
      if (first && earlyNow && response.status === 202) this.earlyChecksPay = false;
      if (response.status === 201) {
        const created = /\/activity\/(\d+)/.exec(response.headers.get('location') ?? '')?.[1];
        return { kind: 'created', remoteId: created ?? importOutcomeId(response) };
      }
      if (response.status !== 202) {
        const outcome = importOutcome(response, this.label);
        if (outcome) return outcome;
        throw new RetryableError(`${this.label} upload status answered HTTP ${response.status} without a result`);
      }
      if (this.now() >= deadline)
        return { kind: 'pending', ticket: path, message: `${this.label} is still processing the upload` };
    }
  }

  async deleteActivity(activity: Activity): Promise<void> {
    const id = requireNumericId(activity.remoteId);
    // 404: already gone, which is what the caller wanted.
    await this.api({
      method: 'DELETE',
      url: `${garminHosts(this.region).connectapi}/activity-service/activity/${id}`,
      accept: [404],
    });
  }
}

function requireNumericId(remoteId: string): string {
  if (!/^\d+$/.test(remoteId)) throw new RejectedError(`"${remoteId}" is not a Garmin activity id`);
  return remoteId;
}

/** Only a plain name ending in .fit is sent (the service keys the format on it). */
function safeFitName(name: string): string {
  const base = (name.split(/[\\/]/).pop() ?? '').replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
  const stem = base.toLowerCase().endsWith('.fit') ? base.slice(0, -4) : base;
  return `${stem || 'activity'}.fit`;
}

/** The status URL's path, resolved against our configured connectapi (hosts may be re-based). */
function statusPath(location: string): string {
  const parsed = new URL(location, 'https://connectapi.invalid');
  return parsed.pathname + parsed.search;
}

interface ImportMessage {
  readonly code?: unknown;
  readonly content?: unknown;
}
interface ImportItem {
  readonly internalId?: unknown;
  readonly messages?: readonly ImportMessage[] | null;
}
interface DetailedImportResult {
  readonly successes?: readonly ImportItem[];
  readonly failures?: readonly ImportItem[];
}

function importResult(response: HttpResponse): DetailedImportResult | undefined {
  try {
    const body = JSON.parse(response.text()) as { detailedImportResult?: DetailedImportResult };
    return body.detailedImportResult;
  } catch {
    return undefined;
  }
}

function idOf(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(Math.trunc(value));
  if (typeof value === 'string' && /^\d+$/.test(value)) return value;
  return null;
}

function importOutcomeId(response: HttpResponse): string | null {
  return idOf(importResult(response)?.successes?.[0]?.internalId);
}

/** Decides on the body (failures[].messages[].code), not only on the status (reference §5.3). */
export function importOutcome(response: HttpResponse, label: string): UploadOutcome | undefined {
  const result = importResult(response);
  const failure = result?.failures?.[0];
  if (failure) {
    const messages = failure.messages ?? [];
    if (response.status === 409 || messages.some((message) => Number(message.code) === 202)) {
      return { kind: 'duplicate', existingId: idOf(failure.internalId) };
    }
    const text = messages
      .map(
        (message) =>
          `${String(message.content ?? '')}${message.code !== undefined ? ` (code ${String(message.code)})` : ''}`,
      )
      .join('; ');
    return { kind: 'rejected', message: `${label} rejected the file: ${text || `HTTP ${response.status}`}` };
  }
  if (response.status === 409) return { kind: 'duplicate', existingId: null };
  const success = result?.successes?.[0];
  if (success && idOf(success.internalId)) return { kind: 'created', remoteId: idOf(success.internalId) };
  if (response.status >= 400) {
    return { kind: 'rejected', message: `${label} rejected the file (HTTP ${response.status})` };
  }
  return undefined;
}
