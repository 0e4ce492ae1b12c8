import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { zipSync } from 'fflate';
import { summariseFit, type FitSummary } from '../../src/fit/fit-summary.ts';
import { sportById, sportFromGarminTypeKey } from '../../src/core/sports.ts';
import {
  garminTimestamp as formatGarminGmt,
  MOBILE_LOGIN_CLIENT_IDS,
  PORTAL_LOGIN_CLIENT_ID,
  REFERENCE_DI_CLIENT_IDS,
  sandboxHosts as garminHosts,
  sandboxTokenBlob as encodeTokenBlob,
  SERVICE_TICKET_GRANT_LITERAL as DI_SERVICE_TICKET_GRANT,
  type SandboxDiTokens as DiTokens,
  type SandboxRegion as GarminRegion,
} from './garmin-reference.ts';
import {
  cloudflareBlockPage,
  embedPage,
  mfaPage,
  mobileSignInPage,
  signinPage,
  successPage,
} from './garmin-sandbox-pages.ts';
import { seededRandom } from '../seeded-random.ts';
import { sendReply, serveOnLoopback } from '../loopback-server.ts';

/**
 * A loopback emulator of Garmin's sso, diauth and connectapi hosts for garmin.com and garmin.cn,
 * answering with the shapes of ../shared/protocols/garmin.md and the recorded exchanges. One
 * HTTP server; each real host lives under its own path prefix (http://127.0.0.1:port/<host>), so
 * the real clients reach it through the endpoint map exactly as they reach Garmin.
 */

export interface GarminSandboxOptions {
  readonly port?: number;
  /** Access-token lifetime (Garmin: ≈4 h or ≈24 h). */
  readonly accessTtlSec?: number;
  readonly refreshTtlSec?: number;
  readonly ticketTtlSec?: number;
  readonly mfaTtlSec?: number;
  readonly clientIds?: readonly string[];
  /** Login POSTs per account and front door before 429, and how long the 429 lasts. */
  readonly loginRateLimit?: { readonly maxAttempts: number; readonly periodSec: number };
  /** Shape of a rate-limited login answer: Cloudflare HTML or the JSON error body. */
  readonly rateLimitBody?: 'html' | 'json';
  /** HTTP status sent with the JSON 429 body (§7 knob: 200 catches a client that reads only the status). */
  readonly jsonRateLimitStatus?: number;
  /**
   * §7 knob, on by default: `POST /mobile/api/login` without the SESSION cookie of a prior sign-in
   * page GET (same jar, same clientId/service, same User-Agent) answers 429.
   */
  readonly mobileSignInRequired?: boolean;
  /** §7 knob "server-side widget": widget tickets refused at the exchange for every client id. */
  readonly serverSideWidget?: boolean;
  /** §7: the JWT `client_id` claim may differ from the id sent; refresh tokens are bound to the claim. */
  readonly jwtClientIdFor?: (sentClientId: string) => string;
  /** §7: the first exchange answers 429 (a client must stop, not try the other ids). */
  readonly exchangeRateLimited?: boolean;
  /** §4.9 CN knob, on by default: CN tickets for a `.com` mobile service are refused at the exchange. */
  readonly cnRefusesComMobileTickets?: boolean;
  /** §4.9 second CN knob, default off: `.cn` mobile tickets refused too. */
  readonly cnRefusesCnMobileTickets?: boolean;
  /** Status polls answering 202 before an upload completes. */
  readonly uploadProcessingPolls?: number;
  /** How a finished upload reports: 201 + Location (garminexport) or 200 + body (Rust client). */
  readonly uploadStatusStyle?: '201' | '200';
  /** The location-in-milliseconds hint sent with a 202 (Garmin: 1000). */
  readonly pollHintMs?: number;
  /** DI tokens minted from widget tickets are "not active" on connectapi (since Jun 2026; default on). */
  readonly widgetTokensInactive?: boolean;
  /** Manual activities answer 500 NullPointerException instead of 404 on download. */
  readonly manualDownload500?: boolean;
  /** Milliseconds since the epoch; default Date.now plus advanceClock(). */
  readonly now?: () => number;
}

export interface SandboxAccountInput {
  readonly email: string;
  readonly password: string;
  /**
   * `codeAlreadySent`: the widget's MFA page carries `codeSentTo` (a code went out at login). By
   * default an email/SMS widget login sends nothing until the client asks (§4.4 step 3).
   */
  readonly mfa?: {
    readonly method?: 'email' | 'sms' | 'totp';
    readonly code: string;
    readonly codeAlreadySent?: boolean;
  };
  readonly displayName?: string;
}

export interface SandboxActivityInput {
  readonly fitBytes: Uint8Array;
  /** Keep this id (restoring a saved world); later ids continue after the largest one. */
  readonly id?: number;
  readonly manual?: boolean;
  readonly format?: 'fit' | 'gpx' | 'tcx';
  readonly typeKey?: string;
  readonly name?: string;
  /** Local offset of the activity (default: +8 h for CN, 0 for COM). */
  readonly utcOffsetSec?: number;
}

export interface SandboxActivity {
  readonly id: number;
  readonly name: string;
  readonly typeKey: string;
  readonly startUtc: number;
  readonly elapsedSec: number;
  readonly distanceM: number | null;
  readonly manual: boolean;
  readonly format: 'fit' | 'gpx' | 'tcx';
  readonly manufacturer: string | null;
  readonly deviceId: number | null;
  readonly utcOffsetSec: number;
  readonly bytes: Uint8Array | null;
  /** The FIT the activity was created from (also for manual and GPX/TCX ones): a saved world restores from it. */
  readonly sourceFit: Uint8Array;
}

export type FaultKind = '403' | '429' | '500' | '503' | 'drop' | 'truncate';

export interface FaultSettings {
  readonly latencyMs?: number;
  readonly rate429?: number;
  readonly retryAfterSec?: number;
  readonly rate5xx?: number;
  readonly dropRate?: number;
  readonly truncateRate?: number;
  /** Real host names the faults apply to (default: every connectapi host). */
  readonly hosts?: readonly string[];
  /** Seed of the fault dice, for reproducible runs. */
  readonly seed?: number;
}

/** `json429`: the JSON `{"error":{"status-code":"429"}}` body (status from `jsonRateLimitStatus`). */
/** `nocsrf`: the widget sign-in page answers 200 without its form (a challenge interstitial). */
export type LoginBlock = '429' | '403' | 'captcha' | 'json429' | 'nocsrf';

/** One request as the sandbox saw it (for tests: order of front doors, headers sent). */
export interface SandboxRequestRecord {
  readonly method: string;
  readonly host: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface SandboxCounters {
  readonly total: number;
  readonly byHost: Readonly<Record<string, number>>;
  /** Every request to any sso.* host. */
  readonly sso: number;
  /** POSTs of credentials (mobile /mobile/api/login and widget /sso/signin). */
  readonly loginPosts: number;
  readonly refreshes: number;
  readonly exchanges: number;
  readonly uploads: number;
  /** `POST /sso/verifyMFA/mfaCode` calls (a client must make none for TOTP or when `codeSentTo` is set). */
  readonly mfaCodeRequests: number;
  /** MFA codes "delivered" to the test mailbox. */
  readonly mfaCodesDelivered: number;
}

export interface GarminSandbox {
  readonly baseUrl: string;
  /** Real host name → loopback base URL, for EndpointMap.with() or SPORTS_SYNC_ENDPOINTS. */
  endpointOverrides(): Record<string, string>;
  addAccount(region: GarminRegion, account: SandboxAccountInput): void;
  addActivity(region: GarminRegion, email: string, activity: SandboxActivityInput): SandboxActivity;
  activities(region: GarminRegion, email: string): SandboxActivity[];
  /** DI tokens for an account without going through the SSO (tests, demo, benchmarks). */
  mintTokens(
    region: GarminRegion,
    email: string,
    options?: { clientId?: string; accessTtlSec?: number; refreshTtlSec?: number },
  ): DiTokens;
  mintTokenBlob(
    region: GarminRegion,
    email: string,
    options?: { clientId?: string; accessTtlSec?: number; refreshTtlSec?: number },
  ): string;
  /** A service ticket as a browser (web) sign-in would yield, for `https://connect.<domain>/app` unless `service` says otherwise. */
  mintTicket(region: GarminRegion, email: string, service?: string): string;
  counters(): SandboxCounters;
  /** Every request since the last resetCounters(), in order. */
  requests(): readonly SandboxRequestRecord[];
  resetCounters(): void;
  setFaults(faults: FaultSettings | undefined): void;
  /** The next `count` matching requests fail this way (deterministic). */
  failNext(count: number, kind: FaultKind, options?: { host?: string; retryAfterSec?: number }): void;
  /** Makes a front door answer 429/403/captcha to every login. */
  blockLogin(
    region: GarminRegion,
    block: LoginBlock | undefined,
    frontDoor?: 'mobile' | 'widget' | 'portal' | 'all',
  ): void;
  /** Loads `https://connect.<domain>/app?ticket=…` as a browser would: redeems the ticket (§7 knob). */
  redeemInBrowser(region: GarminRegion, ticket: string): void;
  /** Ends every access token's life now (the refresh tokens stay valid). */
  expireAccessTokens(region?: GarminRegion): void;
  /** Moves the sandbox clock (when no `now` option was given). */
  advanceClock(seconds: number): void;
  now(): number;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------

interface Account {
  readonly email: string;
  password: string;
  readonly mfa: { method: 'email' | 'sms' | 'totp'; code: string; codeAlreadySent: boolean } | undefined;
  readonly guid: string;
  readonly profileId: number;
  readonly displayName: string;
  readonly activities: Map<number, SandboxActivity>;
  readonly loginAttempts: { mobile: number[]; widget: number[]; portal: number[] };
  readonly limitedUntil: { mobile: number; widget: number; portal: number };
}

interface Ticket {
  readonly region: GarminRegion;
  readonly email: string;
  readonly service: string;
  readonly expiresAt: number;
  used: boolean;
  readonly widget: boolean;
}

interface AccessGrant {
  readonly accountRegion: GarminRegion;
  readonly email: string;
  expiresAt: number;
  readonly active: boolean;
}

interface RefreshGrant {
  readonly accountRegion: GarminRegion;
  readonly issuerRegion: GarminRegion;
  readonly email: string;
  readonly clientId: string;
  readonly expiresAt: number;
  readonly widget: boolean;
  used: boolean;
}

interface SsoSession {
  readonly id: string;
  csrf: string | undefined;
  mobileMfa: { email: string; expiresAt: number; query: string; door: 'mobile' | 'portal' } | undefined;
  widgetMfa: { email: string; expiresAt: number; query: string; codeDelivered: boolean } | undefined;
  /** The sign-in page this jar loaded: clientId, service and User-Agent of that GET. */
  signInPage: { door: 'mobile' | 'portal'; clientId: string; service: string; userAgent: string } | undefined;
  loginToken: { token: string; email: string } | undefined;
}

interface UploadJob {
  readonly activityId: number;
  readonly uploadId: number;
  readonly uuid: string;
  readonly creationMs: number;
  readonly fileName: string;
  readonly fileSize: number;
  readonly ownerId: number;
  pollsLeft: number;
}

interface RegionStore {
  readonly accounts: Map<string, Account>;
  readonly tickets: Map<string, Ticket>;
  readonly access: Map<string, AccessGrant>;
  readonly refresh: Map<string, RefreshGrant>;
  readonly sessions: Map<string, SsoSession>;
  readonly uploads: Map<string, UploadJob>;
  nextActivityId: number;
  nextUploadId: number;
  nextProfileId: number;
  blocks: { mobile: LoginBlock | undefined; widget: LoginBlock | undefined; portal: LoginBlock | undefined };
}

interface SandboxRequest {
  readonly method: string;
  readonly host: string;
  readonly region: GarminRegion;
  readonly role: 'sso' | 'diauth' | 'connectapi';
  readonly path: string;
  readonly query: URLSearchParams;
  readonly rawQuery: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  readonly cookies: Map<string, string>;
}

interface SandboxResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

const HOSTS: ReadonlyArray<{ host: string; region: GarminRegion; role: SandboxRequest['role'] }> = (
  ['com', 'cn'] as const
).flatMap((region) =>
  (['sso', 'diauth', 'connectapi'] as const).map((role) => ({ host: `${role}.garmin.${region}`, region, role })),
);

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function randomAlnum(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALNUM[bytes[i]! % ALNUM.length];
  return out;
}

function json(status: number, body: unknown, headers: Record<string, string | string[]> = {}): SandboxResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: Buffer.from(JSON.stringify(body)),
  };
}

/** Spring Security: a form without the session's current CSRF token is refused, whatever else it holds. */
function csrfCheckedForm(req: SandboxRequest, sso: SsoSession): URLSearchParams | undefined {
  const form = new URLSearchParams(req.body.toString('utf8'));
  return sso.csrf && form.get('_csrf') === sso.csrf ? form : undefined;
}

function csrfRefusal(headers: Record<string, string | string[]>): SandboxResponse {
  return html(403, '<html><head><title>Forbidden</title></head><body>Invalid CSRF Token</body></html>', headers);
}

function html(status: number, page: string, headers: Record<string, string | string[]> = {}): SandboxResponse {
  return { status, headers: { 'Content-Type': 'text/html;charset=UTF-8', ...headers }, body: Buffer.from(page) };
}
function empty(status: number, headers: Record<string, string | string[]> = {}): SandboxResponse {
  return { status, headers, body: Buffer.alloc(0) };
}

const NOT_FOUND_JSON = { message: 'HTTP 404 Not Found', error: 'NotFoundException' };

function loginEnvelope(type: string, httpStatus: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    serviceURL: null,
    serviceTicketId: null,
    responseStatus: {
      type,
      message: type === 'INVALID_USERNAME_PASSWORD' ? 'generalLoginInvalidUsernameOrPassword' : '',
      httpStatus,
    },
    responseReason: null,
    customerMfaInfo: null,
    consentTypeList: null,
    captchaAlreadyPassed: false,
    samlResponse: null,
    authType: null,
    ...extra,
  };
}

/** The verifyCode answer: fewer fields than the login answer, a ticket only on success. */
function verifyCodeEnvelope(
  type: 'SUCCESSFUL' | 'MFA_CODE_INVALID',
  granted?: { readonly service: string; readonly ticket: string },
): Record<string, unknown> {
  return {
    serviceURL: granted?.service ?? null,
    serviceTicketId: granted?.ticket ?? null,
    responseStatus: { type, message: '', httpStatus: 'OK' },
    responseReason: null,
    samlResponse: null,
    authType: granted ? 'CAS' : null,
  };
}

function maskEmail(email: string): string {
  const [user = '', domain = ''] = email.split('@');
  return `${user.slice(0, 2)}*****@${domain}`;
}

function parseCookies(header: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) map.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return map;
}

function parseMultipart(
  contentType: string,
  body: Buffer,
): Array<{ name: string; filename: string | undefined; data: Buffer }> | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) return undefined;
  const delimiter = Buffer.from(`--${marker}`);
  const parts: Array<{ name: string; filename: string | undefined; data: Buffer }> = [];
  let position = body.indexOf(delimiter);
  if (position < 0) return undefined;
  for (;;) {
    position += delimiter.length;
    if (body.subarray(position, position + 2).toString() === '--') break;
    if (body.subarray(position, position + 2).toString() === '\r\n') position += 2;
    const headerEnd = body.indexOf('\r\n\r\n', position);
    if (headerEnd < 0) return undefined;
    const headerText = body.subarray(position, headerEnd).toString('utf8');
    const next = body.indexOf(delimiter, headerEnd + 4);
    if (next < 0) return undefined;
    const data = body.subarray(headerEnd + 4, next - 2);
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headerText)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '';
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    parts.push({ name, filename, data });
    position = next;
  }
  return parts;
}

// ---------------------------------------------------------------------------------------------

/** The counters while the sandbox counts; the test sees the read-only `SandboxCounters`. */
type LiveCounters = { -readonly [K in keyof SandboxCounters]: SandboxCounters[K] } & { byHost: Record<string, number> };

function freshCounters(): LiveCounters {
  return {
    total: 0,
    byHost: {},
    sso: 0,
    loginPosts: 0,
    refreshes: 0,
    exchanges: 0,
    uploads: 0,
    mfaCodeRequests: 0,
    mfaCodesDelivered: 0,
  };
}

export async function startGarminSandbox(options: GarminSandboxOptions = {}): Promise<GarminSandbox> {
  const secret = randomBytes(32);
  let clockOffsetMs = 0;
  const now = (): number => (options.now ? options.now() : Date.now() + clockOffsetMs);
  const nowSec = (): number => Math.floor(now() / 1000);
  const clientIds = new Set(options.clientIds ?? REFERENCE_DI_CLIENT_IDS);
  const accessTtl = options.accessTtlSec ?? 14399;
  const refreshTtl = options.refreshTtlSec ?? 2591999;
  const ticketTtl = options.ticketTtlSec ?? 60;
  const mfaTtl = options.mfaTtlSec ?? 300;
  const rateLimit = options.loginRateLimit ?? { maxAttempts: 10, periodSec: 3600 };
  const pollHintMs = options.pollHintMs ?? 1000;

  const stores: Record<GarminRegion, RegionStore> = {
    com: newStore(21400000001),
    cn: newStore(21500000001),
  };
  function newStore(firstId: number): RegionStore {
    return {
      accounts: new Map(),
      tickets: new Map(),
      access: new Map(),
      refresh: new Map(),
      sessions: new Map(),
      uploads: new Map(),
      nextActivityId: firstId,
      nextUploadId: 212000000001,
      nextProfileId: 2500001,
      blocks: { mobile: undefined, widget: undefined, portal: undefined },
    };
  }

  let counters = freshCounters();
  let faults: FaultSettings | undefined;
  let requestLog: SandboxRequestRecord[] = [];
  let dice = Math.random;
  const queuedFaults: Array<{ kind: FaultKind; host: string | undefined; retryAfterSec: number }> = [];

  function account(region: GarminRegion, email: string): Account {
    const found = stores[region].accounts.get(email.toLowerCase());
    if (!found) throw new Error(`sandbox: no ${region} account ${email}`);
    return found;
  }

  // ----- tokens ------------------------------------------------------------------------------

  function jwt(payload: Record<string, unknown>): string {
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    const signature = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
    return `${header}.${body}.${signature}`;
  }

  function issueTokens(
    issuerRegion: GarminRegion,
    accountRegion: GarminRegion,
    email: string,
    clientId: string,
    widget: boolean,
    ttl?: { access?: number; refresh?: number },
  ): Record<string, unknown> {
    const issued = nowSec();
    const accessSec = ttl?.access ?? accessTtl;
    const refreshSec = ttl?.refresh ?? refreshTtl;
    const jti = randomUUID();
    const acct = account(accountRegion, email);
    // The claim may name another id than the one sent (knob); the refresh token belongs to the claim.
    const claimId = options.jwtClientIdFor ? options.jwtClientIdFor(clientId) : clientId;
    const accessToken = jwt({
      iss: `https://diauth.garmin.${issuerRegion}`,
      sub: acct.guid,
      client_id: claimId,
      scope: ['CONNECT_READ', 'CONNECT_WRITE'],
      iat: issued,
      exp: issued + accessSec,
      jti,
    });
    const refreshToken = randomBytes(36).toString('base64url');
    stores[accountRegion].access.set(accessToken, {
      accountRegion,
      email: acct.email,
      expiresAt: issued + accessSec,
      active: !(widget && (options.widgetTokensInactive ?? true)),
    });
    stores[issuerRegion].refresh.set(refreshToken, {
      accountRegion,
      issuerRegion,
      email: acct.email,
      clientId: claimId,
      expiresAt: issued + refreshSec,
      widget,
      used: false,
    });
    return {
      access_token: accessToken,
      token_type: 'bearer',
      refresh_token: refreshToken,
      expires_in: accessSec,
      refresh_token_expires_in: refreshSec,
      scope: 'CONNECT_READ CONNECT_WRITE',
      jti,
      customerId: acct.guid,
    };
  }

  function issueTicket(region: GarminRegion, email: string, service: string, widget: boolean): string {
    const ticket = `ST-${String(Math.floor(Math.random() * 9_000_000) + 1_000_000)}-${randomAlnum(20)}-${widget ? 'cas' : 'sso'}`;
    stores[region].tickets.set(ticket, {
      region,
      email,
      service,
      expiresAt: nowSec() + ticketTtl,
      used: false,
      widget,
    });
    return ticket;
  }

  // ----- SSO ---------------------------------------------------------------------------------

  function session(req: SandboxRequest, headers: Record<string, string | string[]>): SsoSession {
    const store = stores[req.region];
    const id = req.cookies.get('SESSION');
    const existing = id ? store.sessions.get(id) : undefined;
    if (existing) return existing;
    const created: SsoSession = {
      id: randomUUID(),
      csrf: undefined,
      mobileMfa: undefined,
      widgetMfa: undefined,
      signInPage: undefined,
      loginToken: undefined,
    };
    store.sessions.set(created.id, created);
    headers['Set-Cookie'] = [
      `SESSION=${created.id}; Path=/; Secure; HttpOnly; SameSite=None`,
      `__VCAP_ID__=${randomAlnum(24)}; Path=/; HttpOnly; Secure; SameSite=None`,
      `__cf_bm=${randomAlnum(40)}; path=/; expires=${new Date(now() + 1800_000).toUTCString()}; domain=.garmin.${req.region}; HttpOnly; Secure; SameSite=None`,
      `__cflb=${randomAlnum(30)}; SameSite=None; Secure; path=/; expires=${new Date(now() + 86400_000).toUTCString()}; HttpOnly`,
      `_cfuvid=${randomAlnum(40)}; path=/; domain=.garmin.${req.region}; HttpOnly; Secure; SameSite=None`,
    ];
    return created;
  }

  function ssoSuccessCookies(region: GarminRegion, acct: Account): string[] {
    return [
      `CASTGC=TGT-${randomAlnum(30)}-cas; Path=/sso; Secure; HttpOnly`,
      `GARMIN-SSO=1; Domain=garmin.${region}; Path=/`,
      `GARMIN-SSO-CUST-GUID=${acct.guid}; Domain=garmin.${region}; Path=/`,
      `GMN_TRACKABLE=1; Path=/; Domain=garmin.${region}; Max-Age=31536000; Secure; SameSite=None`,
    ];
  }

  function newCsrf(): string {
    return randomBytes(50).toString('hex').toUpperCase();
  }

  type Door = 'mobile' | 'widget' | 'portal';

  /** Counts a credential POST; true when this front door is rate limited for the account. */
  function rateLimited(region: GarminRegion, email: string, door: Door): boolean {
    const acct = stores[region].accounts.get(email.toLowerCase());
    if (!acct) return false;
    const t = nowSec();
    if (acct.limitedUntil[door] > t) return true;
    const attempts = acct.loginAttempts[door].filter((at) => at > t - rateLimit.periodSec);
    attempts.push(t);
    acct.loginAttempts[door] = attempts;
    if (attempts.length > rateLimit.maxAttempts) {
      acct.limitedUntil[door] = t + rateLimit.periodSec;
      return true;
    }
    return false;
  }

  function json429(): SandboxResponse {
    return json(options.jsonRateLimitStatus ?? 429, {
      error: { 'status-code': '429', message: '{}', 'request-id': randomUUID() },
    });
  }

  function rateLimitResponse(): SandboxResponse {
    if (options.rateLimitBody === 'json') return json429();
    return html(429, cloudflareBlockPage(429), { 'Retry-After': '3600' });
  }

  function blockedResponse(block: LoginBlock, jsonApi: boolean): SandboxResponse {
    if (block === '429') return html(429, cloudflareBlockPage(429));
    if (block === '403') return html(403, cloudflareBlockPage(403));
    if (block === 'json429') return json429();
    return jsonApi ? json(200, loginEnvelope('CAPTCHA_REQUIRED', 'OK')) : html(403, cloudflareBlockPage(403));
  }

  /** §4.1: the mobile or portal JSON login and its MFA verify (same envelopes, separate buckets). */
  function handleJsonLogin(req: SandboxRequest, door: 'mobile' | 'portal', verify: boolean): SandboxResponse {
    const store = stores[req.region];
    const hosts = garminHosts(req.region);
    const headers: Record<string, string | string[]> = {};
    const clientId = req.query.get('clientId');
    const service = req.query.get('service');
    if (!clientId || !req.query.get('locale') || !service)
      return json(400, { error: 'clientId, locale and service are required' });
    // Ticket audience = service; the clientId must belong to that front door (§4.1 table).
    const allowed =
      door === 'mobile'
        ? MOBILE_LOGIN_CLIENT_IDS.includes(clientId) &&
          hosts.mobileServices.concat(req.region === 'cn' ? sandboxHostsComMobile() : []).includes(service)
        : clientId === PORTAL_LOGIN_CLIENT_ID && service === hosts.webService;
    if (!allowed) return json(400, { error: 'invalid clientId/service pair' });
    if (!String(req.headers['content-type'] ?? '').includes('application/json'))
      return json(415, { error: 'Unsupported Media Type' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return json(400, { error: 'malformed JSON' });
    }
    const sso = session(req, headers);

    if (!verify) {
      counters.loginPosts++;
      if (
        typeof body.username !== 'string' ||
        typeof body.password !== 'string' ||
        !('rememberMe' in body) ||
        !('captchaToken' in body)
      ) {
        return json(400, { error: 'username, password, rememberMe and captchaToken are required' });
      }
      const page = sso.signInPage;
      const userAgent = String(req.headers['user-agent'] ?? '');
      if (
        (options.mobileSignInRequired ?? true) &&
        (!page ||
          page.door !== door ||
          page.clientId !== clientId ||
          page.service !== service ||
          page.userAgent !== userAgent)
      ) {
        // The April–October 2026 failure python-garminconnect 0.3.20 fixed (§4.1, §7).
        return html(429, cloudflareBlockPage(429));
      }
      const block = store.blocks[door];
      if (block) return blockedResponse(block, true);
      if (rateLimited(req.region, body.username, door)) return rateLimitResponse();
      const acct = store.accounts.get(body.username.toLowerCase());
      if (!acct || acct.password !== body.password)
        return json(401, loginEnvelope('INVALID_USERNAME_PASSWORD', 'UNAUTHORIZED'), headers);
      if (acct.mfa) {
        sso.mobileMfa = { email: acct.email, expiresAt: nowSec() + mfaTtl, query: req.rawQuery, door };
        counters.mfaCodesDelivered++;
        return json(
          200,
          loginEnvelope('MFA_REQUIRED', 'OK', {
            customerMfaInfo: {
              email: maskEmail(acct.email),
              phoneNumber: acct.mfa.method === 'sms' ? '+*******1234' : null,
              mfaLastMethodUsed: acct.mfa.method === 'totp' ? 'email' : acct.mfa.method,
              defaultMfaMethod: null,
              mfaUISetting: { allowPhoneOption: true, allowAddEmailAddress: false, chooseDifferentWayShown: false },
            },
            consentTypeList: [],
          }),
          headers,
        );
      }
      const ticket = issueTicket(req.region, acct.email, service, false);
      const cookies = [
        ...((headers['Set-Cookie'] as string[] | undefined) ?? []),
        ...ssoSuccessCookies(req.region, acct),
      ];
      return json(
        200,
        { ...loginEnvelope('SUCCESSFUL', 'OK'), serviceURL: service, serviceTicketId: ticket, authType: 'CAS' },
        { 'Set-Cookie': cookies },
      );
    }

    // verifyCode: same query string and the cookie jar of the pending login.
    if (store.blocks[door] === 'json429') return json429();
    const pending = sso.mobileMfa;
    if (!pending || pending.door !== door || pending.expiresAt < nowSec() || pending.query !== req.rawQuery) {
      return json(401, loginEnvelope('MFA_SESSION_EXPIRED', 'UNAUTHORIZED'), headers);
    }
    const acct = account(req.region, pending.email);
    const expectedMethod = acct.mfa?.method === 'totp' ? 'email' : acct.mfa?.method;
    if (body.mfaMethod !== expectedMethod || String(body.mfaVerificationCode ?? '') !== acct.mfa?.code) {
      return json(200, verifyCodeEnvelope('MFA_CODE_INVALID'), headers);
    }
    sso.mobileMfa = undefined;
    const ticket = issueTicket(req.region, acct.email, service, false);
    return json(200, verifyCodeEnvelope('SUCCESSFUL', { service, ticket }), {
      'Set-Cookie': ssoSuccessCookies(req.region, acct),
    });
  }

  /** #257: a CN login may send the .com mobile service; the exchange then refuses it (knob). */
  function sandboxHostsComMobile(): readonly string[] {
    return garminHosts('com').mobileServices;
  }

  function handleSso(req: SandboxRequest): SandboxResponse {
    const store = stores[req.region];
    const hosts = garminHosts(req.region);
    const headers: Record<string, string | string[]> = {};
    const path = req.path;

    const mobilePage = /^\/mobile\/sso\/(?:en|en-US|en_US)\/sign-in$/.test(path);
    const portalPage = /^\/portal\/sso\/(?:en-US|en_US)\/sign-in$/.test(path);
    if (req.method === 'GET' && (mobilePage || portalPage)) {
      const clientId = req.query.get('clientId');
      if (!clientId)
        return html(400, '<html><head><title>Error</title></head><body>clientId is required</body></html>');
      const sso = session(req, headers);
      sso.signInPage = {
        door: mobilePage ? 'mobile' : 'portal',
        clientId,
        service: req.query.get('service') ?? '',
        userAgent: String(req.headers['user-agent'] ?? ''),
      };
      return html(200, mobileSignInPage(), headers);
    }

    if (req.method === 'POST' && (path === '/mobile/api/login' || path === '/mobile/api/mfa/verifyCode'))
      return handleJsonLogin(req, 'mobile', path.endsWith('verifyCode'));
    if (req.method === 'POST' && (path === '/portal/api/login' || path === '/portal/api/mfa/verifyCode'))
      return handleJsonLogin(req, 'portal', path.endsWith('verifyCode'));

    if (req.method === 'GET' && path === '/sso/embed') {
      session(req, headers);
      return html(200, embedPage(), headers);
    }

    if (path === '/sso/signin') {
      const sso = session(req, headers);
      if (req.method === 'GET') {
        if (store.blocks.widget === 'nocsrf')
          return html(
            200,
            '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>',
            headers,
          );
        sso.csrf = newCsrf();
        return html(200, signinPage(sso.csrf, ''), headers);
      }
      if (req.method === 'POST') {
        counters.loginPosts++;
        const form = csrfCheckedForm(req, sso);
        if (!form) return csrfRefusal(headers);
        if (store.blocks.widget && store.blocks.widget !== 'nocsrf') return blockedResponse(store.blocks.widget, false);
        const email = form.get('username') ?? '';
        if (rateLimited(req.region, email, 'widget')) return rateLimitResponse();
        const acct = store.accounts.get(email.toLowerCase());
        if (!acct || acct.password !== form.get('password')) {
          sso.csrf = newCsrf();
          return html(401, signinPage(sso.csrf, 'FAIL'), headers);
        }
        sso.csrf = undefined;
        if (acct.mfa) {
          const sentNow = acct.mfa.method === 'totp' || acct.mfa.codeAlreadySent;
          if (sentNow && acct.mfa.method !== 'totp') counters.mfaCodesDelivered++;
          sso.widgetMfa = {
            email: acct.email,
            expiresAt: nowSec() + mfaTtl,
            query: req.rawQuery,
            codeDelivered: sentNow,
          };
          return empty(302, { ...headers, Location: `${hosts.sso}/sso/verifyMFA/loginEnterMfaCode?${req.rawQuery}` });
        }
        const ticket = issueTicket(req.region, acct.email, hosts.widgetService, true);
        return html(200, successPage(hosts.sso, ticket), { 'Set-Cookie': ssoSuccessCookies(req.region, acct) });
      }
    }

    // §4.4 step 3: the page's "Request a new code" call; only for email/SMS.
    if (req.method === 'POST' && path === '/sso/verifyMFA/mfaCode') {
      counters.mfaCodeRequests++;
      const sso = session(req, headers);
      const pending = sso.widgetMfa;
      if (!pending || pending.expiresAt < nowSec()) return json(401, { error: 'no pending MFA' }, headers);
      const acct = account(req.region, pending.email);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
      } catch {
        return json(400, { error: 'malformed JSON' }, headers);
      }
      if (
        !req.query.get('clientId') ||
        body.customerGuid !== acct.guid ||
        String(body.mfaMethod ?? '').toLowerCase() !== acct.mfa?.method ||
        typeof body.locale !== 'string'
      ) {
        return json(400, { error: 'customerGuid, mfaMethod, locale and clientId are required' }, headers);
      }
      if (acct.mfa.method === 'totp') return json(400, { error: 'no code is sent for an authenticator app' }, headers);
      pending.codeDelivered = true;
      counters.mfaCodesDelivered++;
      return json(200, { success: true }, headers);
    }

    if (path === '/sso/verifyMFA/loginEnterMfaCode') {
      const sso = session(req, headers);
      const pending = sso.widgetMfa;
      if (!pending || pending.expiresAt < nowSec())
        return empty(302, { ...headers, Location: `${hosts.sso}/sso/signin?${req.rawQuery}` });
      const acct = account(req.region, pending.email);
      const method = acct.mfa?.method ?? 'email';
      const pageVars = {
        customerGuid: acct.guid,
        mfaMethod: method,
        locale: 'en_US',
        clientId: 'GarminConnect',
        codeSentTo: pending.codeDelivered && method !== 'totp' ? maskEmail(acct.email) : null,
      };
      if (req.method === 'GET') {
        sso.csrf = newCsrf();
        return html(200, mfaPage(sso.csrf, false, pageVars), headers);
      }
      if (req.method === 'POST') {
        const form = csrfCheckedForm(req, sso);
        if (!form) return csrfRefusal(headers);
        // §4.4 step 4: posted with the signin query of §4.3.
        if (req.query.get('service') !== hosts.widgetService || req.query.get('embedWidget') !== 'true')
          return html(400, '<html><head><title>Error</title></head><body>signin query required</body></html>', headers);
        // No code was ever delivered for this session: nothing the user types can match (#386).
        if (!pending.codeDelivered || form.get('mfa-code') !== acct.mfa?.code) {
          sso.csrf = undefined;
          return html(200, mfaPage('', true, pageVars), headers);
        }
        sso.widgetMfa = undefined;
        sso.csrf = undefined;
        const token = randomAlnum(10);
        sso.loginToken = { token, email: acct.email };
        const embed = hosts.widgetService;
        const next = new URLSearchParams({
          logintoken: token,
          service: embed,
          locale: 'en',
          embed: 'true',
          source: embed,
          redirectAfterAccountLoginUrl: embed,
          embedWidget: 'true',
        });
        return empty(302, { ...headers, Location: `${hosts.sso}/sso/login?${next.toString()}` });
      }
    }

    if (req.method === 'GET' && path === '/sso/login') {
      const sso = session(req, headers);
      const pending = sso.loginToken;
      if (!pending || req.query.get('logintoken') !== pending.token)
        return empty(302, { ...headers, Location: `${hosts.sso}/sso/signin` });
      sso.loginToken = undefined;
      const acct = account(req.region, pending.email);
      const ticket = issueTicket(req.region, acct.email, hosts.widgetService, true);
      return html(200, successPage(hosts.sso, ticket), { 'Set-Cookie': ssoSuccessCookies(req.region, acct) });
    }

    return html(404, '<html><head><title>Sorry, we can’t find that page</title></head><body></body></html>');
  }

  // ----- diauth ------------------------------------------------------------------------------

  function handleDiauth(req: SandboxRequest): SandboxResponse {
    if (req.path !== '/di-oauth2-service/oauth/token') return json(404, NOT_FOUND_JSON);
    if (req.method !== 'POST') return json(405, { error: 'method_not_allowed' });
    if (!String(req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded'))
      return json(400, { error: 'invalid_request', error_description: 'form body expected' });
    const form = new URLSearchParams(req.body.toString('utf8'));
    const clientId = form.get('client_id') ?? '';
    const basic = /^Basic\s+(.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    const basicClient = basic ? Buffer.from(basic, 'base64').toString('utf8').replace(/:$/, '') : undefined;
    if (!clientId || basicClient !== clientId || !clientIds.has(clientId)) {
      // §7: unknown id → 401 "Unauthorized" (shape UNCERTAIN, one source).
      return json(401, { error: 'invalid_client', error_description: 'Unauthorized' });
    }
    const refusedTicket = (): SandboxResponse =>
      json(400, { error: 'invalid_request', error_description: 'invalid service ticket provided' });
    const grant = form.get('grant_type');
    if (grant === DI_SERVICE_TICKET_GRANT) {
      counters.exchanges++;
      if (options.exchangeRateLimited)
        return json(
          429,
          { error: 'too_many_requests', error_description: 'Rate limit exceeded' },
          { 'Retry-After': '3600' },
        );
      const ticketId = form.get('service_ticket') ?? '';
      // The .com host accepts a CN ticket at exchange (the refresh then fails).
      const ticket =
        stores[req.region].tickets.get(ticketId) ?? stores[req.region === 'com' ? 'cn' : 'com'].tickets.get(ticketId);
      if (!ticket || ticket.used || ticket.expiresAt < nowSec()) return refusedTicket();
      // CAS: one validation per ticket, whatever its outcome (whether a refusal consumes it is UNCERTAIN; the strict reading).
      ticket.used = true;
      if (form.get('service_url') !== ticket.service) return refusedTicket();
      if (ticket.region !== req.region && req.region === 'cn') return refusedTicket();
      if (ticket.widget && options.serverSideWidget) return refusedTicket();
      if (ticket.region === 'cn') {
        if ((options.cnRefusesComMobileTickets ?? true) && garminHosts('com').mobileServices.includes(ticket.service))
          return refusedTicket();
        if (options.cnRefusesCnMobileTickets && garminHosts('cn').mobileServices.includes(ticket.service))
          return refusedTicket();
      }
      return json(200, issueTokens(req.region, ticket.region, ticket.email, clientId, ticket.widget));
    }
    if (grant === 'refresh_token') {
      counters.refreshes++;
      const token = form.get('refresh_token') ?? '';
      const grantRecord = stores[req.region].refresh.get(token);
      if (!grantRecord) {
        const elsewhere = stores[req.region === 'com' ? 'cn' : 'com'].refresh.get(token);
        if (elsewhere && !elsewhere.used)
          return json(400, { error: 'invalid_grant', error_description: "User doesn't exist in DB for GarminGUID" });
        return json(400, { error: 'invalid_grant', error_description: 'Invalid refresh token' });
      }
      if (grantRecord.used || grantRecord.expiresAt < nowSec() || grantRecord.clientId !== clientId)
        return json(400, { error: 'invalid_grant', error_description: 'Invalid refresh token' });
      if (grantRecord.issuerRegion !== grantRecord.accountRegion)
        return json(400, { error: 'invalid_grant', error_description: "User doesn't exist in DB for GarminGUID" });
      grantRecord.used = true;
      return json(
        200,
        issueTokens(req.region, grantRecord.accountRegion, grantRecord.email, clientId, grantRecord.widget),
      );
    }
    return json(400, { error: 'unsupported_grant_type', error_description: `Unsupported grant type: ${grant ?? ''}` });
  }

  // ----- connectapi --------------------------------------------------------------------------

  function authorise(req: SandboxRequest): Account | SandboxResponse {
    const bearer = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    const grant = bearer ? stores[req.region].access.get(bearer) : undefined;
    if (!grant || grant.accountRegion !== req.region) {
      return json(
        401,
        { message: 'HTTP 401 Unauthorized', error: 'UnauthorizedException' },
        { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="Invalid access token"' },
      );
    }
    if (!grant.active)
      return json(
        401,
        { message: 'HTTP 401 Unauthorized', error: 'UnauthorizedException' },
        { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="Token is not active"' },
      );
    if (grant.expiresAt <= nowSec()) {
      return json(
        401,
        { message: 'HTTP 401 Unauthorized', error: 'UnauthorizedException' },
        { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="Access token expired"' },
      );
    }
    return account(req.region, grant.email);
  }

  function listItem(acct: Account, activity: SandboxActivity): Record<string, unknown> {
    const sport = sportFromGarminTypeKey(activity.typeKey);
    return {
      activityId: activity.id,
      activityName: activity.name,
      startTimeLocal: formatGarminGmt(activity.startUtc + activity.utcOffsetSec),
      startTimeGMT: formatGarminGmt(activity.startUtc),
      activityType: {
        typeId: sport.garminTypeId,
        typeKey: activity.typeKey,
        parentTypeId: 17,
        isHidden: false,
        restricted: false,
        trimmable: true,
      },
      eventType: { typeId: 9, typeKey: 'uncategorized', sortOrder: 10 },
      ...(activity.distanceM === null ? {} : { distance: activity.distanceM }),
      duration: activity.elapsedSec,
      elapsedDuration: activity.elapsedSec,
      movingDuration: activity.elapsedSec,
      ownerId: acct.profileId,
      ownerDisplayName: acct.displayName,
      hasPolyline: !activity.manual && activity.distanceM !== null,
      timeZoneId: activity.utcOffsetSec === 28800 ? 124 : 150,
      beginTimestamp: activity.startUtc * 1000,
      sportTypeId: 1,
      ...(activity.deviceId === null ? {} : { deviceId: activity.deviceId }),
      ...(activity.manufacturer === null ? {} : { manufacturer: activity.manufacturer }),
      endTimeGMT: formatGarminGmt(activity.startUtc + activity.elapsedSec),
      manualActivity: activity.manual,
      parent: false,
    };
  }

  function sortedActivities(acct: Account): SandboxActivity[] {
    // Default order: descending by local start time.
    return [...acct.activities.values()].sort(
      (a, b) => b.startUtc + b.utcOffsetSec - (a.startUtc + a.utcOffsetSec) || b.id - a.id,
    );
  }

  function handleConnectApi(req: SandboxRequest): SandboxResponse {
    const auth = authorise(req);
    if (!('email' in auth)) return auth;
    const acct = auth;
    const store = stores[req.region];
    const hosts = garminHosts(req.region);
    const path = req.path;

    if (req.method === 'GET' && path === '/userprofile-service/socialProfile') {
      return json(
        200,
        {
          id: acct.profileId,
          profileId: acct.profileId + 1000,
          garminGUID: acct.guid,
          displayName: acct.displayName,
          fullName: 'Sandbox Runner',
          userName: acct.displayName,
          location: null,
        },
        { 'Content-Type': 'application/json;charset=UTF-8' },
      );
    }
    if (req.method === 'GET' && path === '/activitylist-service/activities/search/activities') {
      const start = Number(req.query.get('start') ?? '0');
      const limit = Number(req.query.get('limit') ?? '20');
      if (!Number.isInteger(start) || start < 0 || !Number.isInteger(limit) || limit < 0)
        return json(400, { message: 'HTTP 400 Bad Request', error: 'BadRequestException' });
      let list = sortedActivities(acct);
      const startDate = req.query.get('startDate');
      const endDate = req.query.get('endDate');
      const localDay = (activity: SandboxActivity): string =>
        formatGarminGmt(activity.startUtc + activity.utcOffsetSec).slice(0, 10);
      if (startDate) list = list.filter((activity) => localDay(activity) >= startDate);
      if (endDate) list = list.filter((activity) => localDay(activity) <= endDate);
      if (req.query.get('sortOrder') === 'asc') list.reverse();
      return json(
        200,
        list.slice(start, start + limit).map((activity) => listItem(acct, activity)),
        { 'Content-Type': 'application/json;charset=UTF-8' },
      );
    }
    if (req.method === 'GET' && path === '/activitylist-service/activities/count') {
      return json(200, { totalCount: acct.activities.size }, { 'Content-Type': 'application/json;charset=UTF-8' });
    }
    const activityMatch = /^\/activity-service\/activity\/(\d+)$/.exec(path);
    if (activityMatch) {
      const id = Number(activityMatch[1]);
      const activity = acct.activities.get(id);
      if (!activity) return json(404, NOT_FOUND_JSON, { 'Content-Type': 'application/json;charset=UTF-8' });
      if (req.method === 'DELETE') {
        acct.activities.delete(id);
        return empty(204);
      }
      if (req.method === 'GET') {
        const item = listItem(acct, activity);
        return json(
          200,
          {
            activityId: activity.id,
            activityName: activity.name,
            activityTypeDTO: item.activityType,
            summaryDTO: {
              startTimeLocal: `${String(item.startTimeLocal).replace(' ', 'T')}.0`,
              startTimeGMT: `${String(item.startTimeGMT).replace(' ', 'T')}.0`,
              duration: activity.elapsedSec,
              distance: activity.distanceM,
            },
            metadataDTO: {
              manualActivity: activity.manual,
              isOriginal: !activity.manual,
              fileFormat: activity.manual ? null : { formatId: 7, formatKey: activity.format },
              deviceMetaDataDTO: { deviceId: activity.deviceId === null ? null : String(activity.deviceId) },
              manufacturer: activity.manufacturer,
              gcj02: req.region === 'cn',
            },
          },
          { 'Content-Type': 'application/json;charset=UTF-8' },
        );
      }
    }
    const downloadMatch = /^\/download-service\/files\/activity\/(\d+)$/.exec(path);
    if (req.method === 'GET' && downloadMatch) {
      const id = Number(downloadMatch[1]);
      const activity = acct.activities.get(id);
      if (!activity) return json(404, NOT_FOUND_JSON);
      if (activity.manual || !activity.bytes) {
        if (options.manualDownload500)
          return json(500, { message: 'java.lang.NullPointerException', error: 'NullPointerException' });
        return json(404, NOT_FOUND_JSON);
      }
      const zip = zipSync({ [`${id}_ACTIVITY.${activity.format}`]: activity.bytes });
      return {
        status: 200,
        headers: {
          'Content-Type': 'application/x-zip-compressed',
          'content-disposition': `attachment; filename="${id}.zip"`,
        },
        body: Buffer.from(zip),
      };
    }
    if (req.method === 'POST' && /^\/upload-service\/upload(?:\/\.?fit)?$/.test(path)) {
      counters.uploads++;
      return handleUpload(req, acct, store, hosts.connectapi);
    }
    const statusMatch = /^\/activity-service\/activity\/status\/(\d+)\/([0-9a-f]{32})$/.exec(path);
    if (req.method === 'GET' && statusMatch) {
      const job = store.uploads.get(statusMatch[2]!);
      if (!job || String(job.creationMs) !== statusMatch[1]) return json(404, NOT_FOUND_JSON);
      const result = importResult(job, [], []);
      if (job.pollsLeft > 0) {
        job.pollsLeft--;
        return json(202, result, {
          location: `${hosts.connectapi}${path}`,
          'location-in-milliseconds': String(pollHintMs),
        });
      }
      if (options.uploadStatusStyle === '200') {
        return json(200, importResult(job, [{ internalId: job.activityId, externalId: null, messages: null }], []));
      }
      return json(201, importResult(job, [{ internalId: job.activityId, externalId: null, messages: null }], []), {
        Location: `${hosts.connectapi}/activity-service/activity/${job.activityId}`,
      });
    }
    return json(404, NOT_FOUND_JSON);
  }

  function importResult(
    job:
      | Pick<UploadJob, 'uploadId' | 'uuid' | 'ownerId' | 'fileSize' | 'creationMs' | 'fileName'>
      | { uploadId: ''; uuid: null; ownerId: number; fileSize: number; creationMs: number; fileName: string },
    successes: unknown[],
    failures: unknown[],
  ): Record<string, unknown> {
    return {
      detailedImportResult: {
        uploadId: job.uploadId,
        uploadUuid:
          job.uuid === null ? null : { uuid: job.uuid.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5') },
        owner: job.ownerId,
        fileSize: job.fileSize,
        processingTime: 36,
        creationDate: `${new Date(job.creationMs).toISOString().replace('T', ' ').replace('Z', '')} GMT`,
        ipAddress: null,
        fileName: job.fileName,
        report: null,
        successes,
        failures,
      },
    };
  }

  function handleUpload(req: SandboxRequest, acct: Account, store: RegionStore, connectapi: string): SandboxResponse {
    const parts = parseMultipart(String(req.headers['content-type'] ?? ''), req.body);
    const filePart = parts?.find((part) => part.filename !== undefined);
    if (!filePart) return json(400, { message: 'HTTP 400 Bad Request', error: 'BadRequestException' });
    const fileName = filePart.filename ?? '';
    const creationMs = now();
    const rejected = (content: string): SandboxResponse =>
      json(
        400,
        importResult(
          { uploadId: '', uuid: null, ownerId: acct.profileId, fileSize: 0, creationMs, fileName },
          [],
          [{ internalId: null, externalId: null, messages: [{ code: 415, content }] }],
        ),
      );
    if (!/\.fit$/i.test(fileName)) return rejected('The file is of a type we do not support.');
    let summary: FitSummary;
    try {
      summary = summariseFit(filePart.data);
    } catch {
      return rejected('The file is of a type we do not support.');
    }
    if (!summary.intact || (summary.fileType !== null && summary.fileType !== 'activity'))
      return rejected('The file is of a type we do not support.');
    const duplicate = [...acct.activities.values()].find((activity) => activity.startUtc === summary.startUtc);
    if (duplicate) {
      return json(
        409,
        importResult(
          {
            uploadId: '',
            uuid: null,
            ownerId: acct.profileId,
            fileSize: filePart.data.byteLength,
            creationMs,
            fileName,
          },
          [],
          [
            {
              internalId: duplicate.id,
              externalId: String(Math.floor(Math.random() * 1e9)),
              messages: [{ code: 202, content: 'Duplicate Activity.' }],
            },
          ],
        ),
      );
    }
    const activity = createActivity(
      acct,
      store,
      regionOf(store),
      {
        fitBytes: filePart.data,
        name: `${sportById(summary.sport.id).label}`,
      },
      summary,
    );
    const uuid = randomUUID().replace(/-/g, '');
    const job: UploadJob = {
      activityId: activity.id,
      uploadId: store.nextUploadId++,
      uuid,
      creationMs,
      fileName,
      fileSize: filePart.data.byteLength,
      ownerId: acct.profileId,
      pollsLeft: options.uploadProcessingPolls ?? 1,
    };
    store.uploads.set(uuid, job);
    return json(202, importResult(job, [], []), {
      location: `${connectapi}/activity-service/activity/status/${creationMs}/${uuid}`,
      'location-in-milliseconds': String(pollHintMs),
    });
  }

  function regionOf(store: RegionStore): GarminRegion {
    return store === stores.cn ? 'cn' : 'com';
  }

  function createActivity(
    acct: Account,
    store: RegionStore,
    region: GarminRegion,
    input: SandboxActivityInput,
    summary = summariseFit(input.fitBytes),
  ): SandboxActivity {
    const format = input.format ?? 'fit';
    const typeKey = input.typeKey ?? summary.sport.garminTypeKey;
    if (input.id !== undefined && input.id >= store.nextActivityId) store.nextActivityId = input.id + 1;
    const activity: SandboxActivity = {
      id: input.id ?? store.nextActivityId++,
      name: input.name ?? sportById(summary.sport.id).label,
      typeKey,
      startUtc: summary.startUtc,
      elapsedSec: Math.round(summary.elapsedSec ?? summary.timerSec ?? 0),
      distanceM: summary.distanceM !== null && summary.distanceM > 0 ? summary.distanceM : null,
      manual: input.manual ?? false,
      format,
      manufacturer: input.manual ? null : summary.manufacturer ? summary.manufacturer.toUpperCase() : null,
      deviceId: input.manual ? null : 3400000000 + (summary.startUtc % 100000),
      utcOffsetSec: input.utcOffsetSec ?? (region === 'cn' ? 28800 : 0),
      bytes: input.manual
        ? null
        : format === 'fit'
          ? new Uint8Array(input.fitBytes)
          : new TextEncoder().encode(`<?xml version="1.0"?><${format}/>`),
      sourceFit: new Uint8Array(input.fitBytes),
    };
    acct.activities.set(activity.id, activity);
    return activity;
  }

  // ----- server ------------------------------------------------------------------------------

  function route(req: SandboxRequest): SandboxResponse {
    if (req.role === 'sso') return handleSso(req);
    if (req.role === 'diauth') return handleDiauth(req);
    return handleConnectApi(req);
  }

  function pickFault(host: string): { kind: FaultKind; retryAfterSec: number } | undefined {
    const queuedIndex = queuedFaults.findIndex((fault) =>
      fault.host ? fault.host === host : host.startsWith('connectapi.'),
    );
    if (queuedIndex >= 0) {
      const [fault] = queuedFaults.splice(queuedIndex, 1);
      return fault;
    }
    if (!faults) return undefined;
    const applies = faults.hosts ? faults.hosts.includes(host) : host.startsWith('connectapi.');
    if (!applies) return undefined;
    const retryAfterSec = faults.retryAfterSec ?? 1;
    if (faults.rate429 && dice() < faults.rate429) return { kind: '429', retryAfterSec };
    if (faults.rate5xx && dice() < faults.rate5xx) return { kind: '503', retryAfterSec };
    if (faults.dropRate && dice() < faults.dropRate) return { kind: 'drop', retryAfterSec };
    if (faults.truncateRate && dice() < faults.truncateRate) return { kind: 'truncate', retryAfterSec };
    return undefined;
  }

  async function handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const url = new URL(incoming.url ?? '/', 'http://sandbox.invalid');
    const [, hostSegment = '', ...rest] = url.pathname.split('/');
    const host = HOSTS.find((candidate) => candidate.host === hostSegment.toLowerCase());
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of incoming) {
      size += (chunk as Buffer).byteLength;
      if (size > 64 * 1024 * 1024) {
        outgoing.writeHead(413).end();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    counters.total++;
    if (!host) {
      outgoing.writeHead(404, { 'Content-Type': 'text/plain' }).end('unknown sandbox host');
      return;
    }
    counters.byHost[host.host] = (counters.byHost[host.host] ?? 0) + 1;
    const recordedHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(incoming.headers))
      if (name !== 'authorization' && name !== 'cookie' && typeof value === 'string') recordedHeaders[name] = value;
    requestLog.push({
      method: (incoming.method ?? 'GET').toUpperCase(),
      host: host.host,
      path: '/' + rest.join('/'),
      headers: recordedHeaders,
    });
    if (host.role === 'sso') counters.sso++;

    if (faults?.latencyMs && (faults.hosts ? faults.hosts.includes(host.host) : host.role === 'connectapi')) {
      await new Promise((resolve) => setTimeout(resolve, faults?.latencyMs ?? 0));
    }
    const fault = pickFault(host.host);
    if (fault?.kind === 'drop') {
      incoming.socket.destroy();
      return;
    }
    if (fault?.kind === '403') {
      // A Cloudflare challenge page (§4.7 knob): says nothing about the tokens.
      outgoing.writeHead(403, { 'Content-Type': 'text/html; charset=UTF-8' });
      outgoing.end(cloudflareBlockPage(403));
      return;
    }
    if (fault && (fault.kind === '429' || fault.kind === '500' || fault.kind === '503')) {
      const status = Number(fault.kind);
      outgoing.writeHead(status, {
        'Content-Type': 'application/json',
        ...(status === 500 ? {} : { 'Retry-After': String(fault.retryAfterSec) }),
      });
      outgoing.end(
        JSON.stringify({ message: `HTTP ${status}`, error: status === 429 ? 'TooManyRequests' : 'ServiceUnavailable' }),
      );
      return;
    }

    const request: SandboxRequest = {
      method: (incoming.method ?? 'GET').toUpperCase(),
      host: host.host,
      region: host.region,
      role: host.role,
      path: '/' + rest.join('/'),
      query: url.searchParams,
      rawQuery: url.search.replace(/^\?/, ''),
      headers: incoming.headers,
      body: Buffer.concat(chunks),
      cookies: parseCookies(incoming.headers.cookie),
    };
    let response: SandboxResponse;
    try {
      response = route(request);
    } catch (error) {
      response = json(500, {
        message: error instanceof Error ? error.message : String(error),
        error: 'InternalServerError',
      });
    }
    if (fault?.kind === 'truncate' && response.body.byteLength > 1) {
      outgoing.writeHead(response.status, { ...response.headers, 'Content-Length': String(response.body.byteLength) });
      outgoing.write(response.body.subarray(0, Math.floor(response.body.byteLength / 2)));
      outgoing.socket?.destroy();
      return;
    }
    sendReply(outgoing, response);
  }

  const server = await serveOnLoopback(handle, options.port);
  const baseUrl = server.baseUrl;

  const mint = (
    region: GarminRegion,
    email: string,
    mintOptions: { clientId?: string; accessTtlSec?: number; refreshTtlSec?: number } = {},
  ): DiTokens => {
    const sent = mintOptions.clientId ?? [...clientIds][0]!;
    const clientId = options.jwtClientIdFor ? options.jwtClientIdFor(sent) : sent;
    const body = issueTokens(region, region, email, sent, false, {
      ...(mintOptions.accessTtlSec === undefined ? {} : { access: mintOptions.accessTtlSec }),
      ...(mintOptions.refreshTtlSec === undefined ? {} : { refresh: mintOptions.refreshTtlSec }),
    });
    const issued = nowSec();
    return {
      region,
      clientId,
      accessToken: body.access_token as string,
      refreshToken: body.refresh_token as string,
      expiresAt: issued + (body.expires_in as number),
      refreshExpiresAt: issued + (body.refresh_token_expires_in as number),
    };
  };

  return {
    baseUrl,
    endpointOverrides: () => Object.fromEntries(HOSTS.map(({ host }) => [host, `${baseUrl}/${host}`])),
    addAccount: (region, input) => {
      const store = stores[region];
      const email = input.email.toLowerCase();
      if (store.accounts.has(email)) throw new Error(`sandbox: ${region} account ${input.email} exists`);
      const profileId = store.nextProfileId++;
      store.accounts.set(email, {
        email,
        password: input.password,
        mfa: input.mfa
          ? {
              method: input.mfa.method ?? 'email',
              code: input.mfa.code,
              codeAlreadySent: input.mfa.codeAlreadySent ?? false,
            }
          : undefined,
        guid: randomUUID(),
        profileId,
        displayName: input.displayName ?? `runner${profileId}`,
        activities: new Map(),
        loginAttempts: { mobile: [], widget: [], portal: [] },
        limitedUntil: { mobile: 0, widget: 0, portal: 0 },
      });
    },
    addActivity: (region, email, input) => createActivity(account(region, email), stores[region], region, input),
    activities: (region, email) => sortedActivities(account(region, email)),
    mintTokens: mint,
    mintTokenBlob: (region, email, mintOptions) => encodeTokenBlob(mint(region, email, mintOptions)),
    mintTicket: (region, email, service) =>
      issueTicket(
        region,
        account(region, email).email,
        service ?? garminHosts(region).webService,
        service === garminHosts(region).widgetService,
      ),
    counters: () => ({ ...counters, byHost: { ...counters.byHost } }),
    requests: () => [...requestLog],
    resetCounters: () => {
      counters = freshCounters();
      requestLog = [];
    },
    setFaults: (settings) => {
      faults = settings;
      dice = settings?.seed === undefined ? Math.random : seededRandom(settings.seed);
    },
    failNext: (count, kind, failOptions = {}) => {
      for (let i = 0; i < count; i++)
        queuedFaults.push({ kind, host: failOptions.host, retryAfterSec: failOptions.retryAfterSec ?? 1 });
    },
    blockLogin: (region, block, frontDoor = 'all') => {
      if (frontDoor === 'all' || frontDoor === 'mobile') stores[region].blocks.mobile = block;
      if (frontDoor === 'all' || frontDoor === 'widget') stores[region].blocks.widget = block;
      if (frontDoor === 'all' || frontDoor === 'portal') stores[region].blocks.portal = block;
    },
    redeemInBrowser: (region, ticket) => {
      const found = stores[region].tickets.get(ticket);
      if (found && found.service === garminHosts(region).webService) found.used = true;
    },
    expireAccessTokens: (region) => {
      for (const key of region ? [region] : (['com', 'cn'] as const))
        for (const grant of stores[key].access.values()) grant.expiresAt = nowSec() - 1;
    },
    advanceClock: (seconds) => {
      clockOffsetMs += seconds * 1000;
    },
    now,
    close: () => server.close(),
  };
}
