import { createHash } from 'node:crypto';
import type { Activity } from '../../core/activity.ts';
import { AuthError, RetryableError, isSyncError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { jsonObject } from '../../core/json.ts';
import { registerSecret } from '../../core/secrets.ts';
import type { HttpClient, HttpResponse } from '../../http/http-client.ts';
import { sleep } from '../../http/retry.ts';
import { Semaphore } from '../../http/request-limit.ts';
import { readZipEntries } from '../../fit/zip-read.ts';
import type { PlatformState } from '../../store/state-box.ts';
import type { FitDownload } from '../platform.ts';
import { mapGarminActivity, type GarminListItem } from './garmin-activities.ts';
import { garminLabel, type GarminRegion } from './garmin-hosts.ts';

/**
 * Client of Garmin's official, read-only Personal API (`../shared/protocols/garmin-personal-api.md`):
 * one key exchanged for a ~24 h bearer token, then plain GETs, one at a time.
 * Every point the reference marks UNCERTAIN is a setting or a probe with a documented fallback.
 */

export function personalApiHost(region: GarminRegion): string {
  return region === 'cn' ? 'https://personal.connectapi.garmin.cn' : 'https://personal.connectapi.garmin.com';
}

/** Where a person creates the key (web only, §2; the CN page is UNCERTAIN). */
export function personalApiKeyPage(region: GarminRegion): string {
  return region === 'cn'
    ? 'https://connect.garmin.cn/app/settings/personalApiToken'
    : 'https://connect.garmin.com/app/settings/personalApiToken';
}

export function personalApiKeySetting(region: GarminRegion): string {
  return region === 'cn' ? 'GARMIN_API_KEY_CN' : 'GARMIN_API_KEY_COM';
}

export const TOKEN_PATH = '/personalapitoken-service/personal-api/personal-api-key/token';
const LIST_PATH = '/activitylist-service/activities/search/activities';

/**
 * Download paths tried in this order until one answers 200 (§5.3, UNCERTAIN): the setting
 * GARMIN_PERSONAL_DOWNLOAD_PATH when given, then the connectapi path, then the activity-service
 * variant. The one that worked is remembered in the state and tried first next time.
 */
export const DEFAULT_DOWNLOAD_PATHS: readonly string[] = [
  '/download-service/files/activity/{id}',
  '/activity-service/activity/{id}/download',
];

/** Paging parameter names tried in this order (§5.1: `start` is the connectapi name, UNCERTAIN here). */
export const PAGING_PARAMS: readonly string[] = ['start', 'offset'];

/** Token lifetime assumed when the answer names none (§3.2). */
const ASSUMED_TOKEN_SEC = 23 * 3600;
/** Exchange again when the token has less than this left (one hour, as aio-garmin-personal). */
const RENEW_MARGIN_SEC = 3600;
/** After a 526 at the exchange, the Personal API is not tried again for a day (§11). */
const UNAVAILABLE_RETRY_SEC = 86_400;

/** The names this client keeps in the platform state (the token sealed, the rest plain). */
const STATE = {
  token: 'personal.token',
  downloadPath: 'personal.downloadPath',
  pagingParam: 'personal.pagingParam',
  keyExpiresAt: 'personal.keyExpiresAt',
  unavailableUntil: 'personal.unavailableUntil',
} as const;

export interface PersonalApiClientOptions {
  readonly region: GarminRegion;
  readonly apiKey: string;
  readonly http: HttpClient;
  readonly state: PlatformState;
  readonly log: Logger;
  /** Milliseconds since the epoch (tests move the clock). */
  readonly now?: (() => number) | undefined;
  /** The key's expiry entered by the user (GARMIN_API_KEY_COM_EXPIRES), used when the API names none. */
  readonly keyExpires?: Date | undefined;
  /** A download path template with `{id}` to try first (GARMIN_PERSONAL_DOWNLOAD_PATH). */
  readonly downloadPath?: string | undefined;
  /** Requests in flight at once (1 by default; the reference allows at most 2). */
  readonly concurrency?: 1 | 2 | undefined;
  /** Pause between list pages, milliseconds (default 250). */
  readonly pagePauseMs?: number | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

interface StoredToken {
  readonly accessToken: string;
  readonly expiresAt: number;
  /** Which key the token came from: a new key in the settings means a new exchange. */
  readonly keyPrint: string;
}

/** The Personal API of this region is broken server-side (HTTP 526 at the exchange, §6). */
export class PersonalApiUnavailableError extends RetryableError {
  readonly unavailable = true;
}

export class PersonalApiClient {
  readonly region: GarminRegion;
  private readonly options: PersonalApiClientOptions;
  private readonly now: () => number;
  /** At most `concurrency` requests in flight: the Personal API is rate-limited far harder than connectapi (§4). */
  private readonly gate: Semaphore;
  private token: StoredToken | undefined;
  private exchanging: Promise<StoredToken> | undefined;
  private readonly keyPrint: string;
  private readonly probeLock = new Semaphore(1);
  private pathConfirmed = false;

  constructor(options: PersonalApiClientOptions) {
    this.options = options;
    this.region = options.region;
    this.now = options.now ?? Date.now;
    this.gate = new Semaphore(options.concurrency ?? 1);
    registerSecret(options.apiKey);
    this.keyPrint = createHash('sha256').update(options.apiKey).digest('hex').slice(0, 16);
  }

  private get label(): string {
    return `${garminLabel(this.region)} Personal API`;
  }

  private nowSec(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Until when a 526 keeps this region's Personal API switched off (undefined: try it). */
  unavailableUntil(): number | undefined {
    const until = Number(this.options.state.getPlain(STATE.unavailableUntil));
    return Number.isFinite(until) && until > this.nowSec() ? until : undefined;
  }

  /** A usable bearer token: the sealed one from the state, else one exchange. */
  async connect(): Promise<void> {
    await this.bearer();
  }

  /** The key's expiry: from the exchange answer when Garmin names it, else the user's setting. */
  keyExpiry(): Date | undefined {
    const fromApi = Number(this.options.state.getPlain(STATE.keyExpiresAt));
    if (Number.isFinite(fromApi) && fromApi > 0) return new Date(fromApi * 1000);
    return this.options.keyExpires;
  }

  private loadToken(): StoredToken | undefined {
    const stored = jsonObject(this.options.state.getSecret(STATE.token));
    const { accessToken, expiresAt, keyPrint } = stored ?? {};
    if (typeof accessToken !== 'string' || typeof expiresAt !== 'number' || keyPrint !== this.keyPrint)
      return undefined;
    registerSecret(accessToken);
    return { accessToken, expiresAt, keyPrint };
  }

  private async bearer(): Promise<StoredToken> {
    this.token ??= this.loadToken();
    if (this.token && this.token.expiresAt - this.nowSec() > RENEW_MARGIN_SEC) return this.token;
    return this.exchange();
  }

  /** One exchange at a time; the result is sealed in the state before it is used. */
  private exchange(): Promise<StoredToken> {
    this.exchanging ??= (async () => {
      try {
        const token = await this.exchangeOnce();
        this.options.state.setSecret(STATE.token, JSON.stringify(token));
        this.token = token;
        return token;
      } finally {
        this.exchanging = undefined;
      }
    })();
    return this.exchanging;
  }

  private async exchangeOnce(): Promise<StoredToken> {
    const setting = personalApiKeySetting(this.region);
    const response = await this.gate.run(() =>
      this.options.http.request({
        method: 'POST',
        url: personalApiHost(this.region) + TOKEN_PATH,
        headers: { Authorization: `ApiKey ${this.options.apiKey}`, Accept: 'application/json' },
        retry: 'unprocessed',
        accept: [400, 401, 403, 526],
      }),
    );
    if (response.status === 526) {
      this.options.state.setPlain(STATE.unavailableUntil, String(this.nowSec() + UNAVAILABLE_RETRY_SEC));
      throw new PersonalApiUnavailableError(
        `${this.label} is unavailable: HTTP 526 at the token exchange (a fault on Garmin's side, ` +
          `not your key); tried again in a day`,
        { status: 526 },
      );
    }
    if (response.status >= 400) {
      throw new AuthError(
        `${setting} was rejected by Garmin (HTTP ${response.status}: wrong, expired or deleted key): ` +
          `create a new key on Garmin Connect web (${personalApiKeyPage(this.region)}) and store it as ${setting}`,
        {
          status: response.status,
          hint: `Create a new Personal API key at ${personalApiKeyPage(this.region)} and update the ${setting} secret.`,
        },
      );
    }
    this.options.state.setPlain(STATE.unavailableUntil, undefined);
    const token = parseTokenAnswer(response, this.nowSec());
    if (!token)
      throw new RetryableError(`${this.label}: the token exchange answered HTTP ${response.status} without a token`, {
        status: response.status,
      });
    registerSecret(token.accessToken);
    if (token.keyExpiresAt !== undefined) this.options.state.setPlain(STATE.keyExpiresAt, String(token.keyExpiresAt));
    this.options.log.debug(
      `${this.label}: key exchanged; token valid until ${new Date(token.expiresAt * 1000).toISOString()}`,
    );
    return { accessToken: token.accessToken, expiresAt: token.expiresAt, keyPrint: this.keyPrint };
  }

  /** A GET with the bearer, one at a time. On 401: exchange once, retry once; a second 401 means the key is gone. */
  async get(pathAndQuery: string, accept: readonly number[] = []): Promise<HttpResponse> {
    let token = await this.bearer();
    for (let attempt = 1; ; attempt++) {
      const used = token;
      const response = await this.gate.run(() =>
        this.options.http.request({
          url: personalApiHost(this.region) + pathAndQuery,
          headers: { Accept: 'application/json', Authorization: `Bearer ${used.accessToken}` },
          accept: [...accept, 401],
        }),
      );
      if (response.status !== 401) return response;
      if (attempt >= 2) {
        const setting = personalApiKeySetting(this.region);
        throw new AuthError(
          `${setting}: Garmin refused a freshly exchanged token (HTTP 401); the key may have been deleted: ` +
            `create a new key at ${personalApiKeyPage(this.region)} and store it as ${setting}`,
          { status: 401 },
        );
      }
      this.options.log.debug(`${this.label}: HTTP 401 on a data call, exchanging the key once`);
      if (this.token?.accessToken === used.accessToken) this.token = undefined;
      token = await this.exchange();
    }
  }

  /**
   * Pages newest first. Probes the paging parameter: when the second page repeats the first one's
   * ids the server ignored the name, and the next name of PAGING_PARAMS is tried (remembered in the state).
   */
  async *listActivities(pageSize: number): AsyncIterable<readonly Activity[]> {
    const limit = Math.min(Math.max(1, Math.floor(pageSize)), 100);
    const remembered = this.options.state.getPlain(STATE.pagingParam);
    const names =
      remembered && PAGING_PARAMS.includes(remembered)
        ? [remembered, ...PAGING_PARAMS.filter((name) => name !== remembered)]
        : [...PAGING_PARAMS];
    let nameIndex = 0;
    const seen = new Set<string>();
    let firstPageIds: string[] | undefined;
    for (let offset = 0; ;) {
      if (offset > 0) await (this.options.sleep ?? sleep)(this.options.pagePauseMs ?? 250);
      const name = names[nameIndex]!;
      const response = await this.get(`${LIST_PATH}?${name}=${offset}&limit=${limit}`);
      const body = response.json<unknown>();
      if (!Array.isArray(body))
        throw new RetryableError(`${this.label}: the activity list is not a JSON array (HTTP ${response.status})`);
      const mapped = (body as GarminListItem[])
        .map((item) => mapGarminActivity(item, this.region))
        .filter((activity): activity is Activity => activity !== undefined);
      const ids = mapped.map((activity) => activity.remoteId);
      if (offset === 0) firstPageIds = ids;
      else if (ids.length > 0 && firstPageIds && ids.join() === firstPageIds.join()) {
        // The offset was ignored: the server answered the first page again.
        if (++nameIndex >= names.length)
          throw new RetryableError(
            `${this.label}: paging does not work (tried ${names.join(', ')}); ` +
              `only the newest ${limit} activities can be read`,
          );
        this.options.log.warn(
          `${this.label}: the paging parameter "${name}" is ignored by the server; trying "${names[nameIndex]}"`,
        );
        continue;
      }
      if (offset > 0 && this.options.state.getPlain(STATE.pagingParam) !== name)
        this.options.state.setPlain(STATE.pagingParam, name);
      // Offsets shift when activities are added during a scan: dedupe by id.
      const page = mapped
        .filter((activity) => !seen.has(activity.remoteId))
        .map((activity) => {
          seen.add(activity.remoteId);
          return { ...activity, extra: { ...activity.extra, backend: 'personal' } };
        });
      if (page.length > 0) yield page;
      if (body.length < limit) return;
      offset += limit;
    }
  }

  /**
   * The original FIT. Tries the remembered download path, then the others in the order of
   * `downloadPaths()`; a path is trusted once it answered 200. When every path answers 404 for a
   * recorded (non-manual) activity it is reported as "no original" and a path change is suspected.
   */
  async downloadFit(activity: Activity): Promise<FitDownload> {
    // Until a path has answered 200 this run, downloads probe one after another, so the probe runs once.
    if (this.pathConfirmed) return this.downloadVia(activity);
    return this.probeLock.run(() => this.downloadVia(activity));
  }

  private async downloadVia(activity: Activity): Promise<FitDownload> {
    const id = activity.remoteId;
    if (!/^\d+$/.test(id)) return { kind: 'no-original', reason: `"${id}" is not a Garmin activity id` };
    const paths = this.downloadPaths();
    for (const [index, template] of paths.entries()) {
      const response = await this.get(template.replace('{id}', id), [404, 405]);
      if (response.status === 200) {
        if (index > 0 || this.options.state.getPlain(STATE.downloadPath) !== template)
          this.options.state.setPlain(STATE.downloadPath, template);
        this.pathConfirmed = true;
        return fitFromBody(response.body, id, this.label);
      }
      // A manual entry has no file on any path: asking the other paths would only spend the quota.
      if (activity.manual)
        return { kind: 'no-original', reason: `${this.label} has no original file for ${id} (manual activity)` };
    }
    this.options.log.warn(
      `${this.label}: no download path answered for the recorded activity ${id} (tried ${paths.join(', ')}); ` +
        `set GARMIN_PERSONAL_DOWNLOAD_PATH if Garmin moved it`,
    );
    return {
      kind: 'no-original',
      reason: `${this.label} has no original file for ${id} (HTTP 404 on every known download path)`,
    };
  }

  /** The documented fallback order: remembered path, setting, connectapi path, activity-service variant. */
  downloadPaths(): string[] {
    const remembered = this.options.state.getPlain(STATE.downloadPath);
    const ordered = [remembered, this.options.downloadPath, ...DEFAULT_DOWNLOAD_PATHS].filter(
      (path): path is string => typeof path === 'string' && path.includes('{id}'),
    );
    return [...new Set(ordered)];
  }
}

/**
 * Token under `access_token`, `accessToken` or `token`; expiry from `expires_in`/`expiresIn`,
 * `expiresAt`, the JWT `exp`, else 23 h (§3.2).
 */
export function parseTokenAnswer(
  response: HttpResponse,
  nowSec: number,
): { accessToken: string; expiresAt: number; keyExpiresAt: number | undefined } | undefined {
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(response.text());
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    body = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const accessToken = [body.access_token, body.accessToken, body.token].find(
    (value): value is string => typeof value === 'string' && value.length > 0,
  );
  if (!accessToken) return undefined;
  const seconds = [body.expires_in, body.expiresIn].find(
    (value): value is number => typeof value === 'number' && value > 0,
  );
  const at = timeSec(body.expiresAt);
  const expiresAt =
    seconds !== undefined ? nowSec + Math.floor(seconds) : (at ?? jwtExp(accessToken) ?? nowSec + ASSUMED_TOKEN_SEC);
  const keyExpiresAt = timeSec(body.apiKeyExpiresAt) ?? timeSec(body.keyExpiresAt) ?? timeSec(body.apiKeyExpiration);
  return { accessToken, expiresAt, keyExpiresAt };
}

/** Unix seconds of a number (seconds or milliseconds) or an ISO date. */
function timeSec(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0)
    return value > 1e11 ? Math.floor(value / 1000) : Math.floor(value);
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed)) return Math.floor(parsed / 1000);
  }
  return undefined;
}

function jwtExp(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' && payload.exp > 0 ? Math.floor(payload.exp) : undefined;
  } catch {
    return undefined;
  }
}

/** A zip holding the .fit (take it), a zip of .gpx/.tcx only (no original), or a bare FIT (§5.3). */
export function fitFromBody(body: Uint8Array, id: string, label: string): FitDownload {
  const isZip = body.length >= 4 && body[0] === 0x50 && body[1] === 0x4b && body[2] === 0x03 && body[3] === 0x04;
  if (isZip) {
    let entries;
    try {
      entries = readZipEntries(body, { maxEntries: 50 });
    } catch (error) {
      throw new RetryableError(
        `${label}: the download of ${id} is a damaged zip (${isSyncError(error) ? error.message : String(error)})`,
      );
    }
    const fit = entries.find((entry) => /\.fit$/i.test(entry.name));
    if (fit) return { kind: 'fit', bytes: fit.read(), fileName: `${id}.fit` };
    const other = entries[0]?.name.split('.').pop()?.toUpperCase();
    return {
      kind: 'no-original',
      reason: `${label} activity ${id} was imported from a ${other ?? 'non-FIT'} file; no original FIT`,
    };
  }
  const isFit = body.length >= 12 && Buffer.from(body.subarray(8, 12)).toString('latin1') === '.FIT';
  if (isFit) return { kind: 'fit', bytes: body, fileName: `${id}.fit` };
  return { kind: 'no-original', reason: `${label} download of ${id} is neither a zip nor a FIT file; no original FIT` };
}
