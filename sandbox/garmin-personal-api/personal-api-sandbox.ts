import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { zipSync } from 'fflate';
import type { SandboxActivity } from '../garmin/garmin-sandbox.ts';
import { sendReply, serveOnLoopback } from '../loopback-server.ts';

/**
 * A loopback emulator of Garmin's official Personal API (`../shared/protocols/garmin-personal-api.md`),
 * written from the reference, never from our client: it imports nothing from src/platforms.
 * Each UNCERTAIN point of the reference is a knob; the defaults follow the reference's synthetic
 * examples and its sandbox checklist (§12). Sandbox choices stricter or looser than the evidence
 * are marked "sandbox choice".
 */

export type PersonalRegion = 'com' | 'cn';

/** The hosts, one logical host per region (§2). */
export const PERSONAL_API_HOSTS: Readonly<Record<PersonalRegion, string>> = {
  com: 'personal.connectapi.garmin.com',
  cn: 'personal.connectapi.garmin.cn',
};

export const TOKEN_PATH = '/personalapitoken-service/personal-api/personal-api-key/token';
/** The connectapi download path (garmin.md §5.2); the Personal path is UNCERTAIN (§5.3), hence a knob. */
export const CONNECTAPI_DOWNLOAD_PATH = '/download-service/files/activity/{id}';

/** The documented read-only prefixes (§2). */
const READ_PREFIXES = [
  '/activity-service/',
  '/activitylist-service/',
  '/biometric-service/',
  '/fitnessage-service/',
  '/goal-service/',
  '/hrv-service/',
  '/nutrition-service/',
  '/periodichealth-service/',
  '/sleep-service/',
  '/usersummary-service/',
  '/userprofile-service/',
  '/weight-service/',
  '/wellness-service/',
  '/wellnessactivity-service/',
];

/** One activity as the emulator serves it: the connectapi emulator's record (same account, same ids), without the FIT it was made from. */
export type PersonalApiActivity = Omit<SandboxActivity, 'sourceFit'>;

/** Where an account's activities come from: a live view of another emulator (same account, same ids) or a fixed list. */
export type ActivitySource = () => readonly PersonalApiActivity[];

export interface PersonalApiKnobs {
  /** Token response shape (§3.2, field names UNCERTAIN). */
  tokenShape: 'snake' | 'camel' | 'jwt';
  tokenLifetimeSec: number;
  /** A new exchange revokes the key's older tokens (UNCERTAIN; default off). */
  exchangeRevokesOlder: boolean;
  /** The exchange answer carries the key's expiry as `apiKeyExpiresAt` (no client documents one: default off). */
  exposeKeyExpiry: boolean;
  /** Regions whose token exchange answers 526 TOKEN_EXCHANGE_FAILED (§6; the CN report). */
  exchange526: PersonalRegion[];
  /** Path template of the original-file download, `{id}` replaced (UNCERTAIN, §5.3). */
  downloadPath: string;
  /** zip with `<id>_ACTIVITY.fit` (default), bare FIT body, or a zip with a .gpx only. */
  downloadFormat: 'zip' | 'bare' | 'zip-gpx';
  /** The paging parameter the server honours; the other one is ignored (UNCERTAIN, §5.1). */
  pagingParam: 'start' | 'offset';
  /** `limit` above this → 400 (the real cap is UNCERTAIN; clients cap at 100). */
  maxLimit: number;
  /** Omit `startTimeGMT` from list elements (forces the `beginTimestamp` fallback). */
  omitStartTimeGmt: boolean;
  /** Added to every activity id: distinct id spaces from connectapi (§8 id check). */
  idOffset: number;
  /** More requests in flight than this → 429 (sandbox choice, the observation is "12 parallel → 429"). */
  maxInFlight: number;
  /** More requests than `requests` within `windowSec` → 429 (sustained quota UNCERTAIN; off by default). */
  rateLimit: { readonly requests: number; readonly windowSec: number } | undefined;
  /** Retry-After of a 429 (observed: 14). */
  retryAfterSec: number;
  /** Milliseconds each answer waits (lets tests observe concurrency). */
  latencyMs: number;
  /** 503 for this many next data requests (a backend hiccup). */
  failNext503: number;
}

export interface PersonalApiCounters {
  exchanges: number;
  exchangeRefusals: number;
  dataRequests: number;
  listRequests: number;
  downloads: number;
  refusedWrites: number;
  rateLimited: number;
  maxInFlight: number;
  /** Requests per path (query removed). */
  byPath: Record<string, number>;
}

export interface PersonalApiSandboxOptions {
  readonly knobs?: Partial<PersonalApiKnobs>;
  /** The emulator's clock in milliseconds (shared with the test's clock). */
  readonly now?: () => number;
}

export interface KeyInput {
  /** The key text (random when omitted). */
  readonly key?: string;
  /** Validity in days from now: 30, 90, 180 or 365 on the real site (§3.1). */
  readonly validDays?: number;
  /** Absolute expiry, Unix seconds (wins over validDays). */
  readonly expiresAtSec?: number;
}

export interface PersonalApiSandbox {
  readonly baseUrl: string;
  readonly knobs: PersonalApiKnobs;
  endpointOverrides(): Record<string, string>;
  /** An account whose activities come from `source`, or from its own list when omitted. */
  addAccount(region: PersonalRegion, name: string, source?: ActivitySource): void;
  addActivity(region: PersonalRegion, name: string, activity: PersonalApiActivity): void;
  /** Creates a key for the account and returns it (shown once, as on the real site). */
  createKey(region: PersonalRegion, name: string, input?: KeyInput): string;
  deleteKey(key: string): void;
  keyExpiry(key: string): number | undefined;
  counters(): PersonalApiCounters;
  resetCounters(): void;
  close(): Promise<void>;
}

interface KeyRecord {
  readonly region: PersonalRegion;
  readonly account: string;
  readonly expiresAtSec: number;
  deleted: boolean;
}

interface TokenRecord {
  readonly region: PersonalRegion;
  readonly key: string;
  readonly expiresAtSec: number;
  revoked: boolean;
}

interface Account {
  readonly source: ActivitySource | undefined;
  readonly own: PersonalApiActivity[];
}

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}

const DEFAULT_KNOBS: PersonalApiKnobs = {
  tokenShape: 'snake',
  tokenLifetimeSec: 86_400,
  exchangeRevokesOlder: false,
  exposeKeyExpiry: false,
  exchange526: [],
  downloadPath: CONNECTAPI_DOWNLOAD_PATH,
  downloadFormat: 'zip',
  pagingParam: 'start',
  maxLimit: 100,
  omitStartTimeGmt: false,
  idOffset: 0,
  maxInFlight: 8,
  rateLimit: undefined,
  retryAfterSec: 14,
  latencyMs: 0,
  failNext503: 0,
};

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'Content-Type': 'application/json;charset=UTF-8', ...headers },
  body: Buffer.from(JSON.stringify(body)),
});

const freshCounters = (): PersonalApiCounters => ({
  exchanges: 0,
  exchangeRefusals: 0,
  dataRequests: 0,
  listRequests: 0,
  downloads: 0,
  refusedWrites: 0,
  rateLimited: 0,
  maxInFlight: 0,
  byPath: {},
});

/** "YYYY-MM-DD HH:MM:SS" of a Unix time (UTC). */
function gmt(epochSec: number): string {
  return new Date(epochSec * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

function base64url(value: string): string {
  return Buffer.from(value).toString('base64url');
}

export async function startPersonalApiSandbox(options: PersonalApiSandboxOptions = {}): Promise<PersonalApiSandbox> {
  const knobs: PersonalApiKnobs = { ...DEFAULT_KNOBS, ...options.knobs };
  const now = options.now ?? Date.now;
  const nowSec = () => Math.floor(now() / 1000);
  const accounts: Record<PersonalRegion, Map<string, Account>> = { com: new Map(), cn: new Map() };
  const keys = new Map<string, KeyRecord>();
  const tokens = new Map<string, TokenRecord>();
  let counters = freshCounters();
  let inFlight = 0;
  const recent: number[] = [];

  const activitiesOf = (region: PersonalRegion, name: string): PersonalApiActivity[] => {
    const account = accounts[region].get(name);
    if (!account) return [];
    const list = account.source ? [...account.source()] : [...account.own];
    // Newest first by local start time, as the connectapi list (§5.1).
    return list.sort((a, b) => b.startUtc + b.utcOffsetSec - (a.startUtc + a.utcOffsetSec) || b.id - a.id);
  };

  function exchange(region: PersonalRegion, headers: IncomingMessage['headers']): Reply {
    counters.exchanges++;
    if (knobs.exchange526.includes(region)) {
      counters.exchangeRefusals++;
      return json(526, { error: 'TOKEN_EXCHANGE_FAILED' });
    }
    const key = /^ApiKey\s+(\S+)$/.exec(String(headers.authorization ?? ''))?.[1];
    const record = key ? keys.get(key) : undefined;
    // Missing header, other scheme, unknown, other-region, deleted or expired key: 401 (sandbox choice, §12).
    if (!key || !record || record.region !== region || record.deleted || record.expiresAtSec <= nowSec()) {
      counters.exchangeRefusals++;
      const reason = !record
        ? 'invalid api key'
        : record.deleted
          ? 'api key deleted'
          : record.expiresAtSec <= nowSec()
            ? 'api key expired'
            : 'invalid api key';
      return json(401, { error: 'UNAUTHORIZED', message: reason });
    }
    if (knobs.exchangeRevokesOlder) for (const token of tokens.values()) if (token.key === key) token.revoked = true;
    const expiresAtSec = nowSec() + knobs.tokenLifetimeSec;
    const token =
      knobs.tokenShape === 'jwt'
        ? `${base64url('{"alg":"RS256"}')}.${base64url(JSON.stringify({ exp: expiresAtSec, sub: record.account, n: randomBytes(6).toString('hex') }))}.${randomBytes(24).toString('base64url')}`
        : `pat_${randomBytes(24).toString('base64url')}`;
    tokens.set(token, { region, key, expiresAtSec, revoked: false });
    const expiry = knobs.exposeKeyExpiry ? { apiKeyExpiresAt: new Date(record.expiresAtSec * 1000).toISOString() } : {};
    if (knobs.tokenShape === 'camel')
      return json(200, { accessToken: token, tokenType: 'Bearer', expiresIn: knobs.tokenLifetimeSec, ...expiry });
    if (knobs.tokenShape === 'jwt') return json(200, { token, ...expiry });
    return json(200, { access_token: token, token_type: 'Bearer', expires_in: knobs.tokenLifetimeSec, ...expiry });
  }

  function bearerAccount(region: PersonalRegion, headers: IncomingMessage['headers']): string | Reply {
    const bearer = /^Bearer\s+(\S+)$/.exec(String(headers.authorization ?? ''))?.[1];
    const token = bearer ? tokens.get(bearer) : undefined;
    const key = token ? keys.get(token.key) : undefined;
    if (
      !token ||
      !key ||
      token.region !== region ||
      token.revoked ||
      token.expiresAtSec <= nowSec() ||
      key.deleted ||
      key.expiresAtSec <= nowSec()
    ) {
      return json(
        401,
        { error: 'UNAUTHORIZED', message: 'invalid or expired token' },
        { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      );
    }
    return key.account;
  }

  function listItem(activity: PersonalApiActivity): Record<string, unknown> {
    return {
      activityId: activity.id + knobs.idOffset,
      activityName: activity.name,
      startTimeLocal: gmt(activity.startUtc + activity.utcOffsetSec),
      ...(knobs.omitStartTimeGmt ? {} : { startTimeGMT: gmt(activity.startUtc) }),
      beginTimestamp: activity.startUtc * 1000,
      activityType: { typeId: 1, typeKey: activity.typeKey, parentTypeId: 17 },
      duration: activity.elapsedSec,
      elapsedDuration: activity.elapsedSec,
      movingDuration: activity.elapsedSec,
      ...(activity.distanceM === null ? {} : { distance: activity.distanceM }),
      ...(activity.manufacturer === null ? {} : { manufacturer: activity.manufacturer }),
      ...(activity.deviceId === null ? {} : { deviceId: activity.deviceId }),
      manualActivity: activity.manual,
    };
  }

  function list(region: PersonalRegion, account: string, query: URLSearchParams): Reply {
    counters.listRequests++;
    const offsetText = query.get(knobs.pagingParam) ?? '0';
    const limitText = query.get('limit') ?? '20';
    if (!/^\d+$/.test(offsetText) || !/^\d+$/.test(limitText))
      return json(400, { error: 'BAD_REQUEST', message: 'start/limit must be whole numbers' });
    const offset = Number(offsetText);
    const limit = Number(limitText);
    if (limit > knobs.maxLimit)
      return json(400, { error: 'BAD_REQUEST', message: `limit must be at most ${knobs.maxLimit}` });
    let items = activitiesOf(region, account);
    const localDay = (activity: PersonalApiActivity) => gmt(activity.startUtc + activity.utcOffsetSec).slice(0, 10);
    const startDate = query.get('startDate');
    const endDate = query.get('endDate');
    if (startDate) items = items.filter((activity) => localDay(activity) >= startDate);
    if (endDate) items = items.filter((activity) => localDay(activity) <= endDate);
    const type = query.get('activityType');
    if (type) items = items.filter((activity) => activity.typeKey === type);
    return json(200, items.slice(offset, offset + limit).map(listItem));
  }

  function download(region: PersonalRegion, account: string, id: number): Reply {
    counters.downloads++;
    const activity = activitiesOf(region, account).find((candidate) => candidate.id + knobs.idOffset === id);
    if (!activity || activity.manual || !activity.bytes) return json(404, { error: 'NOT_FOUND' });
    const name = `${id}_ACTIVITY`;
    if (knobs.downloadFormat === 'bare' && activity.format === 'fit')
      return { status: 200, headers: { 'Content-Type': 'application/octet-stream' }, body: activity.bytes };
    const entries =
      knobs.downloadFormat === 'zip-gpx'
        ? { [`${name}.gpx`]: Buffer.from('<gpx/>') }
        : { [`${name}.${activity.format}`]: activity.bytes };
    return {
      status: 200,
      headers: { 'Content-Type': 'application/x-zip-compressed' },
      body: Buffer.from(zipSync(entries)),
    };
  }

  function downloadId(path: string): number | undefined {
    const [head, tail = ''] = knobs.downloadPath.split('{id}');
    if (!head || !path.startsWith(head) || !path.endsWith(tail)) return undefined;
    const id = path.slice(head.length, path.length - tail.length);
    return /^\d+$/.test(id) ? Number(id) : undefined;
  }

  function route(
    region: PersonalRegion,
    method: string,
    path: string,
    query: URLSearchParams,
    headers: IncomingMessage['headers'],
  ): Reply {
    if (path === TOKEN_PATH)
      return method === 'POST' ? exchange(region, headers) : json(405, { error: 'METHOD_NOT_ALLOWED' });
    // No refresh grant exists (§3.2): anything else under the token service is unknown.
    if (path.startsWith('/personalapitoken-service/')) return json(404, { error: 'NOT_FOUND' });
    const readable = READ_PREFIXES.some((prefix) => path.startsWith(prefix)) || downloadId(path) !== undefined;
    if (!readable) {
      if (method !== 'GET') counters.refusedWrites++;
      return json(404, { error: 'NOT_FOUND' });
    }
    if (method !== 'GET') {
      counters.refusedWrites++;
      return json(405, { error: 'METHOD_NOT_ALLOWED', message: 'the Personal API is read-only' });
    }
    counters.dataRequests++;
    const account = bearerAccount(region, headers);
    if (typeof account !== 'string') return account;
    if (knobs.failNext503 > 0) {
      knobs.failNext503--;
      return json(503, { error: 'SERVICE_UNAVAILABLE' });
    }
    if (path === '/activitylist-service/activities/search/activities') return list(region, account, query);
    const id = downloadId(path);
    if (id !== undefined) return download(region, account, id);
    const detail = /^\/activity-service\/activity\/(\d+)$/.exec(path);
    if (detail) {
      const activity = activitiesOf(region, account).find(
        (candidate) => candidate.id + knobs.idOffset === Number(detail[1]),
      );
      return activity ? json(200, listItem(activity)) : json(404, { error: 'NOT_FOUND' });
    }
    return json(404, { error: 'NOT_FOUND' });
  }

  /** 429 when too many requests are in flight or the window quota is used up. */
  function limited(): Reply | undefined {
    const retry = { 'Retry-After': String(knobs.retryAfterSec) };
    if (inFlight > knobs.maxInFlight) return json(429, { error: 'TOO_MANY_REQUESTS' }, retry);
    if (knobs.rateLimit) {
      const from = now() - knobs.rateLimit.windowSec * 1000;
      while (recent.length && recent[0]! <= from) recent.shift();
      if (recent.length >= knobs.rateLimit.requests) return json(429, { error: 'TOO_MANY_REQUESTS' }, retry);
      recent.push(now());
    }
    return undefined;
  }

  async function handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const url = new URL(incoming.url ?? '/', 'http://sandbox.invalid');
    const [, hostSegment = '', ...rest] = url.pathname.split('/');
    const region = (Object.keys(PERSONAL_API_HOSTS) as PersonalRegion[]).find(
      (candidate) => PERSONAL_API_HOSTS[candidate] === hostSegment.toLowerCase(),
    );
    for await (const chunk of incoming) void chunk;
    if (!region) {
      outgoing.writeHead(404, { 'Content-Type': 'text/plain' }).end('unknown sandbox host');
      return;
    }
    const path = '/' + rest.join('/');
    counters.byPath[path] = (counters.byPath[path] ?? 0) + 1;
    inFlight++;
    counters.maxInFlight = Math.max(counters.maxInFlight, inFlight);
    let reply: Reply;
    try {
      if (knobs.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, knobs.latencyMs));
      const refusal = limited();
      if (refusal) counters.rateLimited++;
      reply =
        refusal ?? route(region, (incoming.method ?? 'GET').toUpperCase(), path, url.searchParams, incoming.headers);
    } catch (error) {
      reply = json(500, { error: 'INTERNAL', message: error instanceof Error ? error.message : String(error) });
    } finally {
      inFlight--;
    }
    sendReply(outgoing, reply);
  }

  const server = await serveOnLoopback(handle);
  const baseUrl = server.baseUrl;

  const account = (region: PersonalRegion, name: string): Account => {
    const found = accounts[region].get(name);
    if (!found) throw new Error(`personal sandbox: no ${region} account "${name}"`);
    return found;
  };

  return {
    baseUrl,
    knobs,
    endpointOverrides: () =>
      Object.fromEntries(Object.values(PERSONAL_API_HOSTS).map((host) => [host, `${baseUrl}/${host}`])),
    addAccount: (region, name, source) => {
      if (accounts[region].has(name)) throw new Error(`personal sandbox: ${region} account "${name}" exists`);
      accounts[region].set(name, { source, own: [] });
    },
    addActivity: (region, name, activity) => {
      const target = account(region, name);
      if (target.source) throw new Error('personal sandbox: this account reads its activities from another emulator');
      target.own.push(activity);
    },
    createKey: (region, name, input = {}) => {
      account(region, name);
      const key = input.key ?? `gpa_${createHash('sha256').update(randomBytes(16)).digest('base64url').slice(0, 32)}`;
      const expiresAtSec = input.expiresAtSec ?? nowSec() + (input.validDays ?? 365) * 86_400;
      keys.set(key, { region, account: name, expiresAtSec, deleted: false });
      return key;
    },
    deleteKey: (key) => {
      const record = keys.get(key);
      if (record) record.deleted = true;
    },
    keyExpiry: (key) => keys.get(key)?.expiresAtSec,
    counters: () => ({ ...counters, byPath: { ...counters.byPath } }),
    resetCounters: () => {
      counters = freshCounters();
    },
    close: () => server.close(),
  };
}
