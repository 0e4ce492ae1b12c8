import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import bcrypt from 'bcryptjs';
import { unzipSync, zipSync } from 'fflate';
import { sportFromFit } from '../../src/core/sports.ts';
import { summariseFit } from '../../src/fit/fit-summary.ts';
import {
  encodeStsCredentials as encodeStsPayload,
  GENERIC_TRAINING_HOST,
  LEGACY_APP_ID as LEGACY_STS_APP_ID,
  LEGACY_STS_HOST,
  ossHost as ossBucketHost,
  s3Host as s3BucketHost,
  SANDBOX_REGIONS,
  type SandboxRegionId as CorosRegionId,
} from './coros-reference.ts';
import {
  storageErrorXml,
  storageKind,
  verifyOssRequest,
  verifyS3Request,
  type BucketInfo,
  type IssuedCredential,
  type StorageContext,
} from './storage-verify.ts';
import { seededRandom } from '../seeded-random.ts';

/**
 * A loopback emulator of the COROS web API (reference §11): team API of the four regions, the STS
 * proxy and legacy channel, an S3 and an OSS endpoint that verify signatures and tokens, the
 * asynchronous import pipeline, FIT file hosting and fault injection. Every real host is served
 * under `/h/<host>/…` of one server; `endpointOverrides()` maps each host there.
 */

export interface CorosSandboxKnobs {
  /** Delay before every answer. */
  latencyMs: number;
  /** Share of requests answered 429 with Retry-After (0..1). */
  rate429: number;
  retryAfterSec: number;
  /** Share of requests answered 500/503. */
  rate5xx: number;
  /** Share of requests whose connection is dropped before processing. */
  rateDrop: number;
  /** Share of responses cut short after processing. */
  rateTruncate: number;
  /** Which login forms the service accepts (reference §4.1; the legacy `pwd` is off by default, §11). */
  acceptBcryptLogin: boolean;
  acceptLegacyLogin: boolean;
  /** Region whose accounts `t.coros.com` serves ("visitor geography", §11; default global). */
  genericHostRegion: CorosRegionId;
  /** Lifetime of STS credentials. */
  stsTtlSec: number;
  /** The Training Hub STS proxy; false → 404 HTML like a moved endpoint. */
  stsProxyOnline: boolean;
  /** The legacy faq.coros.com channel (offline since 2026-10-03 by default). */
  legacyStsOnline: boolean;
  /** Import processing delay (status 1 → 2). */
  importDelayMs: number;
  /** Imports never finish (client time-out path). */
  importNeverFinishes: boolean;
  /** FIT primary sports (decoder names, e.g. "snorkeling") rejected after processing. */
  rejectedFitSports: string[];
  /** Freshly imported activities stay out of unscoped activity/query results this long. */
  staleUnscopedMs: number;
  /** Host of the download fileUrl (a foreign host tests the client's allowlist). */
  fileHost: string;
  /** The next N file downloads answer garbage instead of the FIT (a broken storage answer). */
  brokenFiles: { count: number; body: 'empty' | 'zip-bomb' | 'html' };
}

const DEFAULT_KNOBS: CorosSandboxKnobs = {
  latencyMs: 0,
  rate429: 0,
  retryAfterSec: 1,
  rate5xx: 0,
  rateDrop: 0,
  rateTruncate: 0,
  acceptBcryptLogin: true,
  acceptLegacyLogin: false,
  genericHostRegion: 1,
  stsTtlSec: 3600,
  stsProxyOnline: true,
  legacyStsOnline: false,
  importDelayMs: 0,
  importNeverFinishes: false,
  rejectedFitSports: [],
  staleUnscopedMs: 0,
  fileHost: 's3.coros.com',
  brokenFiles: { count: 0, body: 'empty' },
};

/** `kill-token`: another web login replaces the caller's token just before the request is processed. */
export type FaultKind = '429' | '5xx' | 'drop' | 'truncate' | 'kill-token';

export interface CorosSandboxOptions {
  readonly knobs?: Partial<CorosSandboxKnobs>;
  /** Seed of the fault dice. */
  readonly seed?: number;
  /** S3 region of the global bucket (the reference does not know it; clients must read STS). */
  readonly globalS3Region?: string;
  /** OSS region of coros-sg-prod (UNCERTAIN in the reference; default oss-ap-southeast-1). */
  readonly singaporeOssRegion?: string;
}

export interface SandboxAccountInput {
  readonly email: string;
  readonly password: string;
  /** 1–4; any other number is a region the login answers but no host serves (unknown-region tests). */
  readonly regionId: CorosRegionId | number;
  readonly twoFactor?: boolean;
  /** Fixed 18-digit userId (default: generated above 2^53). */
  readonly userId?: string;
}

export interface SandboxActivityInput {
  readonly fitBytes: Uint8Array;
  readonly sportType?: number;
  readonly name?: string;
  readonly labelId?: string;
  readonly device?: string;
  /** Quarter-hours east of UTC (default 0). */
  readonly timezone?: number;
  /** COROS has no file for it (entered by hand): the download answers without a fileUrl (reference §download). */
  readonly withoutFile?: boolean;
}

export interface SandboxActivity {
  readonly labelId: string;
  readonly sportType: number;
  readonly name: string | null;
  readonly date: number;
  readonly startTime: number;
  readonly endTime: number;
  readonly startTimezone: number;
  readonly endTimezone: number;
  readonly distance: number;
  readonly totalTime: number;
  readonly workoutTime: number;
  readonly device: string | null;
  readonly calorie: number;
  readonly fit: Uint8Array;
  readonly importedAtMs: number | undefined;
  readonly withoutFile?: boolean;
}

export interface SandboxImportJob {
  id: string;
  md5: string;
  status: number;
  finishSize: number;
  errorSize: number;
  originalFilename: string;
  size: number;
  fileUrl: string;
  createTimeMs: number;
  updateTimeMs: number;
  timezone: number;
  readyAtMs: number;
  bucket: string;
  object: string;
  labelId: string | undefined;
}

interface Account {
  readonly email: string;
  readonly md5: string;
  readonly regionId: number;
  readonly twoFactor: boolean;
  readonly userId: string;
  token: string | undefined;
  readonly activities: Map<string, SandboxActivity>;
  jobs: SandboxImportJob[];
}

export interface CorosSandbox {
  readonly baseUrl: string;
  /** Every real host the client uses → this sandbox. */
  endpointOverrides(): Record<string, string>;
  addAccount(input: SandboxAccountInput): { userId: string };
  addActivity(email: string, input: SandboxActivityInput): SandboxActivity;
  /** Newest first. */
  activities(email: string): SandboxActivity[];
  importJobs(email: string): SandboxImportJob[];
  /** `bucket/key` of every stored object. */
  storedObjects(): string[];
  /** The current web token of an account (tests simulate a browser login with `loginElsewhere`). */
  loginElsewhere(email: string): void;
  /** Every token, key, secret and password this sandbox knows (tests assert none leaks). */
  secretsIssued(): string[];
  /** Requests processed per route (faults counted apart as `fault:<kind>`), e.g. `login`, `activity/query`, `s3:put`, `oss:put`, `sts`, `file`. */
  readonly counters: Record<string, number>;
  /** Every storage refusal code, in order. */
  readonly storageRejections: string[];
  /** The `size` of every getImportSportList POST, in order (the web app asks for 10, §7.7). */
  readonly importListSizes: number[];
  /** The `timezone` of every registered import, in order. */
  readonly importTimezones: number[];
  /** File GETs that carried a token or cookie (the client must send none). */
  fileRequestsWithCredentials: number;
  readonly knobs: CorosSandboxKnobs;
  failNext(kind: FaultKind, count?: number, route?: string): void;
  /** The sandbox clock (epoch ms); `advanceClock` moves it for expiry tests. */
  now(): number;
  advanceClock(ms: number): void;
  /** Makes every STS credential issued so far expire now. */
  expireStorageCredentials(): void;
  close(): Promise<void>;
}

const LEGACY_SIGNS: Readonly<Record<string, string | undefined>> = Object.fromEntries(
  Object.values(SANDBOX_REGIONS).map((region) => [region.bucket, region.legacySign]),
);

/** The web hosts whose STS proxy serves each region's accounts (t.coros.com: by visitor geography). */
function webHostRegions(host: string, genericRegion: CorosRegionId): readonly number[] {
  if (host === GENERIC_TRAINING_HOST) return [genericRegion];
  // pelocore uses training.coros.com for EU accounts too (§7.1).
  if (host === 'training.coros.com') return [1, 3];
  return Object.values(SANDBOX_REGIONS)
    .filter((region) => region.trainingHost === host)
    .map((region) => region.regionId);
}

const API_CODES: Readonly<Record<string, string>> = {
  login: '41C2B95C',
  'account/query': '5A1B2C3D',
  'activity/query': 'C33BB719',
  download: 'D755ECA8',
  delete: '2B3C4D5E',
  import: '7E8F9A0B',
  importList: '3C4D5E6F',
  deleteImport: '6A7B8C9D',
};

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** JSON where ids wrapped by `rawNumber` are written as bare (unsafe) integers, as COROS does. */
const RAW_PREFIX = '\u0000raw:';
function rawNumber(digits: string): string {
  return RAW_PREFIX + digits;
}
function toJson(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0000raw:(\d+)"/g, '$1');
}

function json(value: unknown, status = 200): Reply {
  return { status, headers: { 'content-type': 'application/json;charset=UTF-8' }, body: Buffer.from(toJson(value)) };
}

function html(status: number, text: string): Reply {
  return {
    status,
    headers: { 'content-type': 'text/html' },
    body: Buffer.from(`<!DOCTYPE html><html><body><h1>${text}</h1></body></html>`),
  };
}

function localDate(startTime: number, timezone: number): number {
  const local = new Date((startTime + timezone * 15 * 60) * 1000).toISOString().slice(0, 10);
  return Number(local.replace(/-/g, ''));
}

function tlogId(): string {
  return randomBytes(8).toString('hex');
}

function envelope(route: string, data?: unknown): unknown {
  const base: Record<string, unknown> = { result: '0000', message: 'OK', apiCode: API_CODES[route] ?? '00000000' };
  if (data !== undefined) base.data = data;
  return base;
}

function failure(result: string, message: string): unknown {
  return { result, message, tlogId: tlogId() };
}

const TOKEN_INVALID = (): unknown => failure('1019', 'Access token is invalid');
const PARAMETER_ERROR = (): unknown => failure('1001', 'Parameter input error');
const CREDENTIALS_MISMATCH = (): unknown =>
  failure('1030', 'The login credentials you entered do not match our records.');

function corosSportTypeOfFit(fitSport: string | null): number {
  // COROS categorises by the primary FIT sport only; `training` always lands as Strength (§7.7).
  if (fitSport === 'training') return 402;
  return sportFromFit(fitSport ?? undefined, undefined).corosSportType ?? 98;
}

export async function startCorosSandbox(options: CorosSandboxOptions = {}): Promise<CorosSandbox> {
  const knobs: CorosSandboxKnobs = {
    ...DEFAULT_KNOBS,
    ...options.knobs,
    rejectedFitSports: [...(options.knobs?.rejectedFitSports ?? [])],
  };
  const dice = seededRandom(options.seed ?? 20261003);
  const queuedFaults: Array<{ kind: FaultKind; route: string | undefined }> = [];
  const counters: Record<string, number> = {};
  const storageRejections: string[] = [];
  const importListSizes: number[] = [];
  const importTimezones: number[] = [];
  const accounts = new Map<string, Account>();
  const credentials = new Map<string, IssuedCredential>();
  const objects = new Map<string, Uint8Array>();
  const passwords: string[] = [];
  const newWebToken = (): string => {
    const token = randomBytes(16).toString('hex');
    passwords.push(token);
    return token;
  };
  let clockOffsetMs = 0;
  let nextUserId = 412_345_678_901_234_567n;
  let nextLabelId = 476_543_210_987_654_321n;
  let nextJobId = 1_203_456_789_012_345_678n;
  const now = (): number => Date.now() + clockOffsetMs;
  const globalS3Region = options.globalS3Region ?? 'us-east-1';
  const buckets: Record<string, BucketInfo> = {
    'coros-s3': { service: 'aws', region: globalS3Region },
    'eu-coros': { service: 'aws', region: 'eu-central-1' },
    'coros-oss': { service: 'aliyun', region: 'oss-cn-beijing' },
    'coros-sg-prod': { service: 'aliyun', region: options.singaporeOssRegion ?? 'oss-ap-southeast-1' },
  };
  const storage: StorageContext = {
    credential: (id) => credentials.get(id),
    bucket: (name) => buckets[name],
    objectExists: (bucket, key) => objects.has(`${bucket}/${key}`),
  };

  const count = (route: string): void => {
    counters[route] = (counters[route] ?? 0) + 1;
  };

  const accountByToken = (token: string | undefined): Account | undefined => {
    if (!token) return undefined;
    for (const account of accounts.values()) if (account.token === token) return account;
    return undefined;
  };

  const bucketOfRegion = (regionId: number): { bucket: string; info: BucketInfo } => {
    const bucket = SANDBOX_REGIONS[regionId as CorosRegionId].bucket;
    return { bucket, info: buckets[bucket]! };
  };

  function newActivity(
    account: Account,
    fit: Uint8Array,
    input: Omit<SandboxActivityInput, 'fitBytes'>,
    importedAtMs: number | undefined,
  ): SandboxActivity {
    const summary = summariseFit(fit);
    // A restored world keeps its ids; later ids continue after the largest one.
    if (input.labelId !== undefined && /^\d+$/.test(input.labelId) && BigInt(input.labelId) >= nextLabelId)
      nextLabelId = BigInt(input.labelId) + 1n;
    const labelId = input.labelId ?? String(nextLabelId++);
    const timezone = input.timezone ?? 0;
    const elapsed = Math.round(summary.elapsedSec ?? 0);
    const device = input.device ?? summary.productName ?? (summary.manufacturer === 'coros' ? 'COROS PACE 3' : null);
    const activity: SandboxActivity = {
      labelId,
      sportType: input.sportType ?? corosSportTypeOfFit(summary.fitSport),
      name: input.name ?? null,
      date: localDate(summary.startUtc, timezone),
      startTime: summary.startUtc,
      endTime: summary.startUtc + elapsed,
      startTimezone: timezone,
      endTimezone: timezone,
      distance: Math.round((summary.distanceM ?? 0) * 100) / 100,
      totalTime: elapsed,
      workoutTime: Math.round(summary.timerSec ?? elapsed),
      device,
      calorie: 0,
      fit,
      importedAtMs,
      ...(input.withoutFile ? { withoutFile: true } : {}),
    };
    account.activities.set(labelId, activity);
    return activity;
  }

  /** Finishes import jobs whose processing time has come (lazily, on every read). */
  function settleJobs(account: Account): void {
    const at = now();
    for (const job of account.jobs) {
      if (job.status !== 1 || knobs.importNeverFinishes || at < job.readyAtMs) continue;
      job.status = 2;
      job.updateTimeMs = at;
      const zip = objects.get(`${job.bucket}/${job.object}`);
      let fit: Uint8Array | undefined;
      try {
        const entries = zip ? unzipSync(zip) : {};
        fit = Object.entries(entries).find(([name]) => /\.fit$/i.test(name))?.[1];
      } catch {
        fit = undefined;
      }
      let summary: ReturnType<typeof summariseFit> | undefined;
      try {
        summary = fit ? summariseFit(fit) : undefined;
      } catch {
        summary = undefined;
      }
      if (!fit || !summary || knobs.rejectedFitSports.includes(summary.fitSport ?? '')) {
        job.errorSize = 1;
        job.finishSize = 0;
        continue;
      }
      const activity = newActivity(account, fit, { timezone: job.timezone }, at);
      job.finishSize = 1;
      job.labelId = activity.labelId;
    }
  }

  function jobView(job: SandboxImportJob, userId: string): Record<string, unknown> {
    const view: Record<string, unknown> = {
      id: job.id,
      idString: job.id,
      status: job.status,
      md5: job.md5,
      originalFilename: job.originalFilename,
      size: job.size,
      fileUrl: job.fileUrl,
      finishSize: job.finishSize,
      createTime: String(job.createTimeMs),
      updateTime: String(job.updateTimeMs),
      userId,
      timezone: job.timezone,
      source: 1,
      taskImportPredicateSeconds: job.status === 1 ? 5 : 0,
      taskImportRemainSeconds: job.status === 1 ? 5 : 0,
      unzipPredicateSeconds: job.status === 1 ? 1 : 0,
    };
    if (job.errorSize > 0) view.errorSize = job.errorSize;
    return view;
  }

  function activityView(activity: SandboxActivity): Record<string, unknown> {
    return {
      labelId: activity.labelId,
      sportType: activity.sportType,
      name: activity.name,
      date: activity.date,
      startTime: activity.startTime,
      endTime: activity.endTime,
      startTimezone: activity.startTimezone,
      endTimezone: activity.endTimezone,
      distance: activity.distance,
      totalTime: activity.totalTime,
      workoutTime: activity.workoutTime,
      device: activity.device,
      calorie: activity.calorie,
      avgHr: 140,
    };
  }

  const sorted = (account: Account): SandboxActivity[] =>
    [...account.activities.values()].sort(
      (a, b) => b.startTime - a.startTime || (BigInt(b.labelId) > BigInt(a.labelId) ? 1 : -1),
    );

  // -------------------------------------------------------------------------------------------
  // Team API

  async function teamRoute(
    regionId: CorosRegionId,
    method: string,
    path: string,
    url: URL,
    headers: IncomingMessage['headers'],
    body: Buffer,
  ): Promise<Reply> {
    if (path === '/account/login') {
      count('login');
      if (method !== 'POST') return html(405, 'Method Not Allowed');
      let request: Record<string, unknown>;
      try {
        request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        return json(PARAMETER_ERROR());
      }
      if (Number(request.accountType) !== 2 || typeof request.account !== 'string') return json(PARAMETER_ERROR());
      const account = accounts.get(request.account.trim().toLowerCase());
      let verified: boolean;
      if (typeof request.p1 === 'string' || typeof request.p2 === 'string') {
        if (!knobs.acceptBcryptLogin) return json(PARAMETER_ERROR());
        const p1 = String(request.p1 ?? '');
        const p2 = String(request.p2 ?? '');
        if (!/^\$2[ab]\$10\$[./A-Za-z0-9]{22}$/.test(p2) || p1.length !== 60 || !p1.startsWith(p2))
          return json(PARAMETER_ERROR());
        verified = account !== undefined && bcrypt.hashSync(account.md5, p2) === p1;
      } else if (typeof request.pwd === 'string') {
        if (!knobs.acceptLegacyLogin) return json(CREDENTIALS_MISMATCH());
        verified = account !== undefined && request.pwd === account.md5;
      } else {
        return json(PARAMETER_ERROR());
      }
      if (!account || !verified) return json(CREDENTIALS_MISMATCH());
      if (account.twoFactor) {
        return json(
          envelope('login', {
            loginTicket: `lt-${randomBytes(6).toString('hex')}`,
            appKey: `ak-${randomBytes(2).toString('hex')}`,
            account: account.email,
            accountType2fa: 2,
            twoFactorRequired: true,
          }),
        );
      }
      // One web session per account: this login kills the previous token.
      account.token = newWebToken();
      return json(
        envelope('login', {
          accessToken: account.token,
          userId: rawNumber(account.userId),
          regionId: account.regionId,
          nickname: account.email.split('@')[0],
          email: account.email,
          headPic: '',
          countryCode: account.regionId === 2 ? 'CN' : 'US',
          birthday: 19900101,
        }),
      );
    }

    const account = accountByToken(typeof headers.accesstoken === 'string' ? headers.accesstoken : undefined);
    // A token works only on its home team host (reference §3).
    const authorised = account && account.regionId === regionId ? account : undefined;

    switch (path) {
      case '/account/query': {
        count('account/query');
        if (!authorised) return json(TOKEN_INVALID());
        return json(
          envelope('account/query', {
            userId: authorised.userId,
            nickname: authorised.email.split('@')[0],
            email: authorised.email,
            headPic: '',
            countryCode: 'US',
            birthday: 19900101,
            userProfile: { region: authorised.regionId === 3 ? 2 : authorised.regionId },
          }),
        );
      }
      case '/activity/query': {
        count('activity/query');
        if (method !== 'GET') return json(failure('5000', 'Service exceptions'));
        if (!authorised) return json(TOKEN_INVALID());
        settleJobs(authorised);
        const size = Number(url.searchParams.get('size') ?? '20');
        const pageNumber = Number(url.searchParams.get('pageNumber') ?? '1');
        if (!Number.isInteger(size) || size < 1 || size > 200 || !Number.isInteger(pageNumber) || pageNumber < 1)
          return json(PARAMETER_ERROR());
        const startDay = url.searchParams.get('startDay');
        const endDay = url.searchParams.get('endDay');
        const scoped = Boolean(startDay || endDay);
        const at = now();
        const matching = sorted(authorised).filter((activity) => {
          if (startDay && activity.date < Number(startDay)) return false;
          if (endDay && activity.date > Number(endDay)) return false;
          if (!scoped && activity.importedAtMs !== undefined && at - activity.importedAtMs < knobs.staleUnscopedMs)
            return false;
          return true;
        });
        if (matching.length === 0) return json(envelope('activity/query', { count: 0 }));
        const totalPage = Math.ceil(matching.length / size);
        const dataList = matching.slice((pageNumber - 1) * size, pageNumber * size).map(activityView);
        return json(envelope('activity/query', { count: matching.length, totalPage, pageNumber, dataList }));
      }
      case '/activity/detail/download': {
        count('download');
        if (method !== 'POST') return html(405, 'Method Not Allowed');
        if (!authorised) return json(TOKEN_INVALID());
        const labelId = url.searchParams.get('labelId') ?? '';
        const activity = authorised.activities.get(labelId);
        // Without the activity's own sportType (or for another file type) there is no fileUrl.
        if (
          !activity ||
          activity.withoutFile ||
          url.searchParams.get('sportType') !== String(activity.sportType) ||
          url.searchParams.get('fileType') !== '4'
        )
          return json(envelope('download', {}));
        return json(
          envelope('download', { fileUrl: `https://${knobs.fileHost}/fit/${authorised.userId}/${labelId}.fit` }),
        );
      }
      case '/activity/delete': {
        count('delete');
        if (!authorised) return json(TOKEN_INVALID());
        authorised.activities.delete(url.searchParams.get('labelId') ?? '');
        return json(envelope('delete'));
      }
      case '/activity/fit/import':
        count('import');
        if (method !== 'POST') return html(405, 'Method Not Allowed');
        if (!authorised) return json(TOKEN_INVALID());
        return importFit(authorised, headers, body);
      case '/activity/fit/getImportSportList': {
        count('importList');
        if (method !== 'POST') return html(405, 'Method Not Allowed');
        if (!authorised) return json(TOKEN_INVALID());
        settleJobs(authorised);
        let size: number;
        try {
          size = Number((JSON.parse(body.toString('utf8') || '{}') as { size?: unknown }).size ?? 10);
        } catch {
          return json(PARAMETER_ERROR());
        }
        if (!Number.isInteger(size) || size < 1) return json(PARAMETER_ERROR());
        importListSizes.push(size);
        const jobs = [...authorised.jobs]
          .sort((a, b) => b.createTimeMs - a.createTimeMs)
          .slice(0, Math.max(1, Math.min(100, size)));
        return json(
          envelope(
            'importList',
            jobs.map((job) => jobView(job, authorised.userId)),
          ),
        );
      }
      case '/activity/fit/deleteSportImport': {
        count('deleteImport');
        if (method !== 'POST') return html(405, 'Method Not Allowed');
        if (!authorised) return json(TOKEN_INVALID());
        let importId = '';
        try {
          importId = String((JSON.parse(body.toString('utf8') || '{}') as { importId?: unknown }).importId ?? '');
        } catch {
          return json(PARAMETER_ERROR());
        }
        authorised.jobs = authorised.jobs.filter((job) => job.id !== importId);
        return json(
          envelope(
            'deleteImport',
            authorised.jobs.map((job) => jobView(job, authorised.userId)),
          ),
        );
      }
      default:
        return html(404, 'Not Found');
    }
  }

  function recordTimezone(value: number): number {
    importTimezones.push(value);
    return value;
  }

  async function importFit(account: Account, headers: IncomingMessage['headers'], body: Buffer): Promise<Reply> {
    const contentType = headers['content-type'] ?? '';
    if (!contentType.startsWith('multipart/form-data')) return json(PARAMETER_ERROR());
    let parameter: Record<string, unknown>;
    try {
      const form = await new Request('http://sandbox/import', {
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
      }).formData();
      const raw = form.get('jsonParameter');
      if (typeof raw !== 'string') return json(PARAMETER_ERROR());
      parameter = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return json(PARAMETER_ERROR());
    }
    const { bucket: homeBucket, info } = bucketOfRegion(account.regionId);
    const md5 = String(parameter.md5 ?? '').toLowerCase();
    const object = String(parameter.object ?? '');
    if (
      Number(parameter.source) !== 1 ||
      parameter.bucket !== homeBucket ||
      parameter.serviceName !== info.service ||
      !/^[0-9a-f]{32}$/.test(md5) ||
      typeof parameter.oriFileName !== 'string'
    ) {
      return json(PARAMETER_ERROR());
    }
    // §7.6, §11: quarter hours east of UTC, an integer in −48…+56.
    if (
      typeof parameter.timezone !== 'number' ||
      !Number.isInteger(parameter.timezone) ||
      parameter.timezone < -48 ||
      parameter.timezone > 56
    ) {
      return json(PARAMETER_ERROR());
    }
    if (!object.startsWith(`fit_zip/${account.userId}/`)) return json(PARAMETER_ERROR());
    const zip = objects.get(`${homeBucket}/${object}`);
    if (!zip) return json(failure('5101', 'File does not exist'));
    let fitMd5s: string[];
    try {
      fitMd5s = Object.entries(unzipSync(zip))
        .filter(([name]) => /\.(fit|tcx)$/i.test(name))
        .map(([, bytes]) => createHash('md5').update(bytes).digest('hex'));
    } catch {
      fitMd5s = [];
    }
    const zipMd5 = createHash('md5').update(zip).digest('hex');
    if (md5 !== zipMd5 && !fitMd5s.includes(md5)) return json(failure('5102', 'File verification failed'));
    // Identical bytes: the same job, no second activity, until the job is removed (§7.7).
    const existing = account.jobs.find((job) => job.md5 === md5);
    if (existing) return json(envelope('import', jobView(existing, account.userId)));
    const at = now();
    const host =
      info.service === 'aws' ? s3BucketHost(homeBucket, info.region) : ossBucketHost(homeBucket, info.region);
    const job: SandboxImportJob = {
      id: String(nextJobId++),
      md5,
      status: 1,
      finishSize: 0,
      errorSize: 0,
      originalFilename: parameter.oriFileName,
      size: Number(parameter.size ?? 0),
      fileUrl: `https://${host}/${object}`,
      createTimeMs: at,
      updateTimeMs: at,
      timezone: recordTimezone(parameter.timezone),
      readyAtMs: at + knobs.importDelayMs,
      bucket: homeBucket,
      object,
      labelId: undefined,
    };
    account.jobs.push(job);
    return json(envelope('import', jobView(job, account.userId)));
  }

  // -------------------------------------------------------------------------------------------
  // STS

  function issueCredential(bucket: string, userId: string | undefined): string {
    const info = buckets[bucket]!;
    const secret = randomBytes(30).toString('base64').replace(/[+/=]/g, 'x');
    const token = randomBytes(48).toString('base64');
    const expiresAtMs = now() + knobs.stsTtlSec * 1000;
    const accessKeyId =
      info.service === 'aws'
        ? `ASIA${randomBytes(8).toString('hex').toUpperCase()}`
        : `STS.N${randomBytes(10).toString('hex')}`;
    credentials.set(accessKeyId, { accessKeyId, secret, token, expiresAtMs, bucket, service: info.service, userId });
    const expiration = new Date(expiresAtMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const payload =
      info.service === 'aws'
        ? {
            AccessKeyId: accessKeyId,
            SecretAccessKey: secret,
            SessionToken: token,
            Expiration: expiration,
            TokenExpireTime: knobs.stsTtlSec,
            Region: info.region,
            Bucket: bucket,
            SessionName: 'coros-th-uploader',
            AccessKeySecret: secret,
          }
        : {
            AccessKeyId: accessKeyId,
            AccessKeySecret: secret,
            SecurityToken: token,
            Expiration: expiration,
            Region: info.region,
            Bucket: bucket,
          };
    return encodeStsPayload(payload);
  }

  function stsProxy(webHost: string, url: URL, headers: IncomingMessage['headers']): Reply {
    count('sts');
    if (!knobs.stsProxyOnline) return html(404, '404 Not Found');
    const cookie = String(headers.cookie ?? '');
    const token = /(?:^|;\s*)CPL-coros-token=([^;]+)/.exec(cookie)?.[1];
    const account = accountByToken(token);
    // A token of another region (or none) is HTTP 401 (garmin2coros's Actions runs, §7.1, §11).
    if (!account || !webHostRegions(webHost, knobs.genericHostRegion).includes(account.regionId))
      return json({ code: 401, msg: 'unauthorized' }, 401);
    const { bucket, info } = bucketOfRegion(account.regionId);
    if (
      url.searchParams.get('bucket') !== bucket ||
      url.searchParams.get('service') !== info.service ||
      url.searchParams.get('v') !== '2'
    ) {
      return json({ code: 400, msg: 'bucket or service not allowed' });
    }
    return json({ code: 200, msg: 'success', data: { credentials: issueCredential(bucket, account.userId), v: '2' } });
  }

  function legacySts(url: URL): Reply {
    count('sts-legacy');
    if (!knobs.legacyStsOnline) return html(404, '404 Not Found');
    const bucket = url.searchParams.get('bucket') ?? '';
    const info = buckets[bucket];
    if (!info || url.searchParams.get('service') !== info.service)
      return json({ code: 400, msg: 'bucket not allowed' });
    const sign = LEGACY_SIGNS[bucket];
    if (!sign || url.searchParams.get('app_id') !== LEGACY_STS_APP_ID || url.searchParams.get('sign') !== sign)
      return json({ code: 401, msg: 'signature error' });
    return json({ code: 200, msg: 'success', data: { credentials: issueCredential(bucket, undefined), v: '2' } });
  }

  // -------------------------------------------------------------------------------------------
  // Object stores and file host

  function storageRoute(
    host: string,
    method: string,
    rawPath: string,
    rawQuery: string,
    headers: IncomingMessage['headers'],
    body: Buffer,
  ): Reply {
    const kind = storageKind(host)!;
    count(kind === 'aws' ? 's3:put' : 'oss:put');
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (
        value === undefined ||
        name === 'host' ||
        name === 'connection' ||
        name === 'content-length' ||
        name === 'transfer-encoding'
      )
        continue;
      flat[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const request = { method, host, rawPath, rawQuery, headers: flat, body, nowMs: now() };
    const verdict = kind === 'aws' ? verifyS3Request(request, storage) : verifyOssRequest(request, storage);
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    if (!verdict.ok) {
      storageRejections.push(verdict.code);
      const xml = method === 'HEAD' ? '' : storageErrorXml(verdict, kind, requestId);
      return {
        status: verdict.status,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
        body: Buffer.from(xml),
      };
    }
    objects.set(`${verdict.bucket}/${verdict.key}`, new Uint8Array(body));
    const etag = `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`;
    return { status: 200, headers: { etag }, body: Buffer.alloc(0) };
  }

  function fileRoute(method: string, path: string, headers: IncomingMessage['headers']): Reply {
    count('file');
    if (headers.accesstoken || headers.cookie || headers.authorization) sandbox.fileRequestsWithCredentials++;
    const match = /^\/fit\/(\d+)\/(\d+)\.fit$/.exec(path);
    if (method !== 'GET' || !match)
      return {
        status: 403,
        headers: { 'content-type': 'application/xml' },
        body: Buffer.from('<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>'),
      };
    const account = [...accounts.values()].find((candidate) => candidate.userId === match[1]);
    const activity = account?.activities.get(match[2]!);
    if (!activity)
      return {
        status: 404,
        headers: { 'content-type': 'application/xml' },
        body: Buffer.from('<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>'),
      };
    if (knobs.brokenFiles.count > 0) {
      knobs.brokenFiles.count--;
      return {
        status: 200,
        headers: { 'content-type': 'application/octet-stream' },
        body: brokenBody(knobs.brokenFiles.body),
      };
    }
    return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(activity.fit) };
  }

  // -------------------------------------------------------------------------------------------
  // Server, routing and faults

  const teamHosts = new Map<string, CorosRegionId>(
    Object.values(SANDBOX_REGIONS).map((region) => [region.teamHost, region.regionId]),
  );
  const webHosts = new Set<string>([
    GENERIC_TRAINING_HOST,
    ...Object.values(SANDBOX_REGIONS).map((region) => region.trainingHost),
  ]);

  function routeName(host: string, path: string): string {
    if (teamHosts.has(host)) return path.replace(/^\//, '');
    if (webHosts.has(host)) return 'sts';
    if (host === LEGACY_STS_HOST) return 'sts-legacy';
    if (host === 's3.coros.com') return 'file';
    const kind = storageKind(host);
    return kind === 'aws' ? 's3:put' : kind === 'aliyun' ? 'oss:put' : 'unknown';
  }

  function takeFault(route: string): FaultKind | undefined {
    const index = queuedFaults.findIndex((fault) => fault.route === undefined || fault.route === route);
    if (index >= 0) return queuedFaults.splice(index, 1)[0]!.kind;
    const roll = dice();
    let edge = knobs.rate429;
    if (roll < edge) return '429';
    edge += knobs.rate5xx;
    if (roll < edge) return '5xx';
    edge += knobs.rateDrop;
    if (roll < edge) return 'drop';
    edge += knobs.rateTruncate;
    if (roll < edge) return 'truncate';
    return undefined;
  }

  async function handle(req: IncomingMessage): Promise<Reply | 'drop' | { truncate: Reply }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const rawUrl = req.url ?? '/';
    const match = /^\/h\/([^/]+)(\/[^?]*)?(?:\?(.*))?$/.exec(rawUrl);
    if (!match) return html(404, 'Not Found');
    const host = match[1]!.toLowerCase();
    const rawPath = match[2] ?? '/';
    const rawQuery = match[3] ?? '';
    const url = new URL(`https://${host}${rawPath}${rawQuery ? `?${rawQuery}` : ''}`);
    const method = (req.method ?? 'GET').toUpperCase();
    const route = routeName(host, url.pathname);
    if (knobs.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, knobs.latencyMs));
    const fault = takeFault(route);
    if (fault) count(`fault:${fault}`);
    if (fault === 'drop') return 'drop';
    if (fault === '429')
      return {
        status: 429,
        headers: { 'content-type': 'text/plain', 'retry-after': String(knobs.retryAfterSec) },
        body: Buffer.from('Too Many Requests'),
      };
    if (fault === '5xx')
      return {
        status: dice() < 0.5 ? 500 : 503,
        headers: { 'content-type': 'text/html' },
        body: Buffer.from('<html><body>Service Unavailable</body></html>'),
      };
    if (fault === 'kill-token') {
      const victim = accountByToken(typeof req.headers.accesstoken === 'string' ? req.headers.accesstoken : undefined);
      if (victim) victim.token = newWebToken();
    }
    const reply = await dispatch(host, method, url, rawPath, rawQuery, req.headers, body);
    return fault === 'truncate' ? { truncate: reply } : reply;
  }

  async function dispatch(
    host: string,
    method: string,
    url: URL,
    rawPath: string,
    rawQuery: string,
    headers: IncomingMessage['headers'],
    body: Buffer,
  ): Promise<Reply> {
    const regionId = teamHosts.get(host);
    if (regionId !== undefined) return teamRoute(regionId, method, url.pathname, url, headers, body);
    if (webHosts.has(host)) {
      if (url.pathname === '/api/proxy/oss/sts' && method === 'GET') return stsProxy(host, url, headers);
      return html(404, 'Not Found');
    }
    if (host === 'faq.coros.com') {
      if (url.pathname === '/openapi/oss/sts') return legacySts(url);
      return html(404, 'Not Found');
    }
    if (host === 's3.coros.com') return fileRoute(method, url.pathname, headers);
    if (storageKind(host)) return storageRoute(host, method, rawPath, rawQuery, headers, body);
    return html(404, 'Unknown host');
  }

  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    handle(req).then(
      (outcome) => {
        if (outcome === 'drop') {
          req.socket.destroy();
          return;
        }
        if ('truncate' in outcome) {
          const reply = outcome.truncate;
          res.writeHead(reply.status, { ...reply.headers, 'content-length': String(Math.max(reply.body.length, 2)) });
          res.write(reply.body.subarray(0, Math.floor(reply.body.length / 2)));
          setImmediate(() => req.socket.destroy());
          return;
        }
        res.writeHead(outcome.status, { ...outcome.headers, 'content-length': String(outcome.body.length) });
        res.end(outcome.body);
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`sandbox error: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;

  const requireAccount = (email: string): Account => {
    const account = accounts.get(email.trim().toLowerCase());
    if (!account) throw new Error(`sandbox has no COROS account ${email}`);
    return account;
  };

  const sandbox: CorosSandbox = {
    baseUrl,
    endpointOverrides() {
      const hosts = [
        ...teamHosts.keys(),
        ...webHosts,
        LEGACY_STS_HOST,
        's3.coros.com',
        ...Object.entries(buckets).map(([bucket, info]) =>
          info.service === 'aws' ? s3BucketHost(bucket, info.region) : ossBucketHost(bucket, info.region),
        ),
      ];
      return Object.fromEntries(hosts.map((host) => [host, `${baseUrl}/h/${host}`]));
    },
    addAccount(input) {
      const userId = input.userId ?? String(nextUserId++);
      const email = input.email.trim().toLowerCase();
      passwords.push(input.password);
      accounts.set(email, {
        email,
        md5: createHash('md5').update(input.password, 'utf8').digest('hex'),
        regionId: input.regionId,
        twoFactor: input.twoFactor ?? false,
        userId,
        token: undefined,
        activities: new Map(),
        jobs: [],
      });
      return { userId };
    },
    addActivity(email, input) {
      const { fitBytes, ...rest } = input;
      return newActivity(requireAccount(email), fitBytes, rest, undefined);
    },
    activities(email) {
      const account = requireAccount(email);
      settleJobs(account);
      return sorted(account);
    },
    importJobs(email) {
      const account = requireAccount(email);
      settleJobs(account);
      return [...account.jobs];
    },
    storedObjects: () => [...objects.keys()],
    secretsIssued() {
      const values: string[] = [...passwords];
      for (const account of accounts.values()) {
        values.push(account.md5);
        if (account.token) values.push(account.token);
      }
      for (const credential of credentials.values()) values.push(credential.secret, credential.token);
      return values;
    },
    loginElsewhere(email) {
      requireAccount(email).token = newWebToken();
    },
    counters,
    storageRejections,
    importListSizes,
    importTimezones,
    fileRequestsWithCredentials: 0,
    knobs,
    failNext(kind, times = 1, route) {
      for (let i = 0; i < times; i++) queuedFaults.push({ kind, route });
    },
    now,
    advanceClock(ms) {
      clockOffsetMs += ms;
    },
    expireStorageCredentials() {
      const at = now();
      for (const [id, credential] of credentials) credentials.set(id, { ...credential, expiresAtMs: at });
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return sandbox;
}

/** Garbage a storage host may answer: nothing, HTML, or a zip whose one entry inflates to 200 MB. */
function brokenBody(kind: 'empty' | 'zip-bomb' | 'html'): Buffer {
  if (kind === 'empty') return Buffer.alloc(0);
  if (kind === 'html') return Buffer.from('<html><body>Service Unavailable</body></html>');
  return Buffer.from(zipSync({ 'bomb.fit': [new Uint8Array(200 * 1024 * 1024), { level: 9 }] }));
}
