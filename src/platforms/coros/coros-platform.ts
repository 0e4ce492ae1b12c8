import { readZipEntries } from '../../fit/zip-read.ts';
import { formatUtc, type Activity, type DeviceVendor } from '../../core/activity.ts';
import type { EndpointMap } from '../../core/endpoints.ts';
import { RejectedError, RetryableError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { redactUrl, registerSecret } from '../../core/secrets.ts';
import { sportFromCorosSportType, sportsCompatible } from '../../core/sports.ts';
import { fitLocalOffsetQuarterHours } from '../../fit/fit-local-offset.ts';
import { summariseFit } from '../../fit/fit-summary.ts';
import { HttpClient, type FetchFunction, type HttpResponse } from '../../http/http-client.ts';
import { Semaphore } from '../../http/request-limit.ts';
import { sleep as realSleep, type BackoffPolicy } from '../../http/retry.ts';
import type { PlatformState } from '../../store/state-box.ts';
import type { FitDownload, FitUpload, ListPagesOptions, Platform, UploadOutcome } from '../platform.ts';
import { CorosApi, TokenDeadError } from './coros-api.ts';
import {
  COROS_REGIONS,
  LEGACY_STS_APP_ID,
  LEGACY_STS_URL,
  isAllowedFileHost,
  ossBucketHost,
  s3BucketHost,
  type CorosRegionId,
} from './coros-hosts.ts';
import { decodeStsPayload, zipFitForImport, type StsCredential } from './coros-upload-parts.ts';
import { idString } from './lossless-json.ts';
import { md5Hex, signOssPut, signS3Put } from './storage-signing.ts';
import {
  IMPORT_LIST_SIZE,
  IMPORT_LIST_WIDE_SIZE,
  ImportPoller,
  jobState,
  type ImportJob,
  type ImportWait,
} from './import-poller.ts';

export interface CorosPlatformOptions {
  readonly endpoints: EndpointMap;
  readonly state: PlatformState;
  readonly credentials: { readonly email?: string; readonly password?: string };
  readonly log: Logger;
  readonly fetch?: FetchFunction;
  readonly timeoutMs?: number;
  readonly backoff?: Partial<BackoffPolicy>;
  /** Clock in epoch milliseconds (signing dates, STS expiry, polling deadlines). */
  readonly now?: () => number;
  /** How long one upload waits for COROS to process the import before reporting it pending (default 60 s). */
  readonly importPollTimeoutMs?: number;
  /** Pause between import-list polls (default 3 s). */
  readonly importPollIntervalMs?: number;
  /** Region to log in at first; the login's regionId then picks the home host (default 1, global). */
  readonly regionId?: CorosRegionId;
  /** Pause before each delete; COROS is known to error on bursts (default 1000 ms). */
  readonly deleteSpacingMs?: number;
  /** Uploader's UTC offset in quarter-hours for the import (default: this machine's offset). */
  readonly timezoneQuarterHours?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const PAGE_SIZE = 100;
const MATCH_WINDOW_SEC = 60;
const STS_MIN_REMAINING_MS = 5 * 60_000;
const TICKET_PREFIX = 'coros-import:';
const IMPORT_TIMEOUT_MS = 60_000;
/** The first look at the import list after an import (then doubling up to the poll interval). */
const FIRST_IMPORT_POLL_MS = 500;

const inQuarterRange = (value: number): boolean => Number.isInteger(value) && value >= -48 && value <= 56;

/** The offset the source listing gave: Garmin's local-minus-GMT seconds, or COROS's own quarter hours. */
function sourceOffsetQuarterHours(source: Activity): number | undefined {
  const seconds = source.extra?.utcOffsetSec;
  if (typeof seconds === 'number' && Number.isFinite(seconds)) {
    const quarters = Math.round(seconds / 900);
    if (inQuarterRange(quarters)) return quarters;
  }
  const quarters = source.extra?.startTimezone;
  if (typeof quarters === 'number' && inQuarterRange(quarters)) return quarters;
  return undefined;
}

/**
 * The import `timezone` (coros.md §7.6), pure: FIT local_timestamp, else the source listing's zone,
 * else the configured zone, else 0 ("unknown"). The runner's own zone is never consulted.
 */
export function importTimezone(
  fit: Uint8Array,
  source: Activity,
  configuredQuarterHours: number | undefined,
): { readonly quarterHours: number; readonly origin: 'fit' | 'source' | 'configured' | 'unknown' } {
  const fromFit = fitLocalOffsetQuarterHours(fit);
  if (fromFit !== undefined) return { quarterHours: fromFit, origin: 'fit' };
  const fromSource = sourceOffsetQuarterHours(source);
  if (fromSource !== undefined) return { quarterHours: fromSource, origin: 'source' };
  if (configuredQuarterHours !== undefined && inQuarterRange(configuredQuarterHours))
    return { quarterHours: configuredQuarterHours, origin: 'configured' };
  return { quarterHours: 0, origin: 'unknown' };
}

function toImportJob(value: unknown): ImportJob | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  const id = idString(record.idString) ?? idString(record.id);
  if (!id) return undefined;
  const createTime = Number(record.createTime);
  return {
    id,
    md5: typeof record.md5 === 'string' ? record.md5.toLowerCase() : '',
    status: Number(record.status ?? 0),
    finishSize: Number(record.finishSize ?? 0),
    errorSize: Number(record.errorSize ?? 0),
    createTimeMs: Number.isFinite(createTime) ? createTime : undefined,
  };
}

/** Garmin's device names (watches and bike computers) as COROS lists them. */
const GARMIN_DEVICE = new RegExp(
  'garmin|forerunner|fenix|f[eē]nix|epix|enduro|venu|vivoactive|instinct|' +
    'edge \\d|descent|approach|quatix|tactix|marq',
  'i',
);

/** Maker of the recording device, from the name COROS lists. */
export function corosDeviceVendor(device: string | null): DeviceVendor {
  if (!device) return 'unknown';
  if (/^\s*coros\b/i.test(device)) return 'coros';
  if (GARMIN_DEVICE.test(device)) return 'garmin';
  return 'other';
}

/** Maps one activity/query row into the shared record; undefined for rows without a usable id. */
export function activityFromCorosRow(row: unknown): Activity | undefined {
  if (row === null || typeof row !== 'object') return undefined;
  const record = row as Record<string, unknown>;
  const labelId = idString(record.labelIdStr) ?? idString(record.labelId);
  const startUtc = Number(record.startTime);
  if (!labelId || !Number.isFinite(startUtc)) return undefined;
  const sportType = Number(record.sportType);
  const sport = sportFromCorosSportType(sportType);
  const totalTime = Number(record.totalTime);
  const endTime = Number(record.endTime);
  const elapsedSec =
    Number.isFinite(totalTime) && totalTime > 0
      ? totalTime
      : Number.isFinite(endTime) && endTime > startUtc
        ? endTime - startUtc
        : null;
  const distance = Number(record.distance);
  const device = typeof record.device === 'string' && record.device.trim() ? record.device.trim() : null;
  const timezone = Number(record.startTimezone);
  return {
    platform: 'coros',
    remoteId: labelId,
    startUtc: Math.round(startUtc),
    elapsedSec,
    distanceM: Number.isFinite(distance) && distance > 0 ? distance : null,
    sport: { id: sport.id, family: sport.family, code: Number.isFinite(sportType) ? String(sportType) : '' },
    name: typeof record.name === 'string' && record.name ? record.name : null,
    device,
    vendor: corosDeviceVendor(device),
    manual: false,
    extra: {
      sportType: Number.isFinite(sportType) ? sportType : null,
      startTimezone: Number.isFinite(timezone) ? timezone : null,
    },
  };
}

function yyyymmdd(epochSec: number): string {
  return new Date(epochSec * 1000).toISOString().slice(0, 10).replace(/-/g, '');
}

function xmlCode(text: string): string {
  return /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? '';
}

function xmlMessage(text: string): string {
  return /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '';
}

/** Storage answers after which a fresh STS credential and one more PUT may help (reference §10 #9). */
const CREDENTIAL_CODES = new Set([
  'ExpiredToken',
  'InvalidToken',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'RequestTimeTooSkewed',
  'SecurityTokenExpired',
  'InvalidSecurityToken',
]);

export class CorosPlatform implements Platform {
  readonly id = 'coros' as const;
  private readonly api: CorosApi;
  private readonly http: HttpClient;
  private readonly state: PlatformState;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly pollTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly deleteSpacingMs: number;
  private readonly timezoneQuarterHours: number | undefined;
  private readonly sleep: (ms: number) => Promise<void>;
  private sts: StsCredential | undefined;
  private stsPromise: Promise<StsCredential> | undefined;
  private readonly poller: ImportPoller;
  /** Imports registered and not yet settled: few enough that the wide import list shows them all. */
  private readonly importsInFlight = new Semaphore(IMPORT_LIST_WIDE_SIZE - IMPORT_LIST_SIZE);

  constructor(options: CorosPlatformOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
    this.http = new HttpClient({
      endpoints: options.endpoints,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      sleep: this.sleep,
    });
    this.state = options.state;
    this.log = options.log;
    this.pollTimeoutMs = options.importPollTimeoutMs ?? IMPORT_TIMEOUT_MS;
    this.pollIntervalMs = options.importPollIntervalMs ?? 3000;
    this.deleteSpacingMs = options.deleteSpacingMs ?? 1000;
    this.poller = new ImportPoller({
      readJobs: (size) => this.importJobs(size),
      sleep: this.sleep,
      now: this.now,
      firstIntervalMs: Math.min(FIRST_IMPORT_POLL_MS, this.pollIntervalMs),
      maxIntervalMs: this.pollIntervalMs,
      timeoutMs: this.pollTimeoutMs,
    });
    this.timezoneQuarterHours = options.timezoneQuarterHours;
    this.api = new CorosApi({
      http: this.http,
      state: options.state,
      credentials: options.credentials,
      log: options.log,
      regionId: options.regionId ?? 1,
      now: this.now,
    });
  }

  /** Logins this run performed (for tests and the report). */
  get loginsThisRun(): number {
    return this.api.loginsThisRun;
  }

  async connect(): Promise<void> {
    await this.api.connect();
  }

  // -------------------------------------------------------------------------------------------
  // List

  async *listActivities(options: ListPagesOptions = {}): AsyncIterable<readonly Activity[]> {
    const size = Math.min(PAGE_SIZE, Math.max(1, options.pageSize ?? PAGE_SIZE));
    const seen = new Set<string>();
    let rescans = 0;
    let expectedCount: number | undefined;
    let page = 1;
    for (;;) {
      const data = (await this.api.call({
        path: '/activity/query',
        query: { size, pageNumber: page },
        kind: 'read',
      })) as Record<string, unknown> | undefined;
      const count = Number(data?.count ?? 0);
      if (expectedCount !== undefined && count !== expectedCount && rescans < 2) {
        // Newest first: a record added meanwhile pushes older ones onto later pages (the seen ones
        // repeat and are skipped); one removed pulls them onto earlier pages: step back that far.
        rescans++;
        const back = count < expectedCount ? Math.ceil((expectedCount - count) / size) : 0;
        this.log.debug(`COROS: activity count changed from ${expectedCount} to ${count} while paging`);
        expectedCount = count;
        if (back > 0) {
          page = Math.max(1, page - back);
          continue;
        }
      }
      expectedCount = count;
      const rows = Array.isArray(data?.dataList) ? (data.dataList as unknown[]) : [];
      const activities: Activity[] = [];
      for (const row of rows) {
        const activity = activityFromCorosRow(row);
        if (activity && !seen.has(activity.remoteId)) {
          seen.add(activity.remoteId);
          activities.push(activity);
        }
      }
      if (activities.length > 0) yield activities;
      const totalPage = Number(data?.totalPage ?? 0);
      if (count === 0 || rows.length === 0 || rows.length < size || page >= totalPage || page * size >= count) return;
      page++;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Download

  async downloadFit(activity: Activity): Promise<FitDownload> {
    const sportType =
      typeof activity.extra?.sportType === 'number' ? activity.extra.sportType : Number(activity.sport.code);
    const data = (await this.api.call({
      method: 'POST',
      path: '/activity/detail/download',
      query: { labelId: activity.remoteId, sportType, fileType: 4 },
      emptyForm: true,
      kind: 'read',
      retry: 'idempotent',
    })) as Record<string, unknown> | undefined;
    const fileUrl = typeof data?.fileUrl === 'string' ? data.fileUrl.trim() : '';
    if (!fileUrl) return { kind: 'no-original', reason: 'COROS offers no FIT file for this activity' };
    let url: URL;
    try {
      url = new URL(fileUrl);
    } catch {
      return { kind: 'no-original', reason: 'COROS returned an unusable file URL' };
    }
    const overridden = this.http.endpoints.isOverridden(url.hostname);
    if (!overridden && (url.protocol !== 'https:' || !isAllowedFileHost(url.hostname))) {
      throw new RejectedError(
        `COROS pointed the download at ${redactUrl(url)}, ` +
          'which is not a COROS, Aliyun OSS or AWS S3 host; not followed',
      );
    }
    // A plain GET without any credential: the file URL is pre-authorised (reference §6).
    const response = await this.http.request({ url, accept: [403, 404, 410] });
    // An expired or refused file link, or a body that is no FIT: the file exists, this answer was bad.
    if (response.status >= 400)
      throw new RetryableError(`the COROS file URL answered HTTP ${response.status}; tried again on the next run`, {
        status: response.status,
      });
    const bytes = extractFit(response.body);
    if (!bytes)
      throw new RetryableError(
        `the COROS download is not a FIT file (${response.body.byteLength} bytes: empty, ` +
          `damaged or a zip without a usable FIT); tried again on the next run`,
      );
    return { kind: 'fit', bytes, fileName: `coros-${activity.remoteId}.fit` };
  }

  // -------------------------------------------------------------------------------------------
  // Upload

  async uploadFit(upload: FitUpload): Promise<UploadOutcome> {
    const summary = summariseFit(upload.bytes);
    const md5 = md5Hex(upload.bytes);
    const session = await this.api.connect();

    // The import list is COROS's own "already uploaded" record: identical bytes never import twice.
    // A first attempt has nothing there to find, and saves the request.
    const existing = upload.firstAttempt ? undefined : (await this.importJobs()).find((job) => job.md5 === md5);
    if (existing) {
      this.log.debug(`COROS: these bytes were imported before (job ${existing.id})`);
      const outcome = await this.outcomeOfJob(existing, summary.startUtc, upload.source);
      if (outcome.kind === 'created') return { kind: 'duplicate', existingId: outcome.remoteId };
      return outcome;
    }

    const zip = zipFitForImport(upload.bytes, md5, upload.fileName);
    const key = `fit_zip/${session.userId}/${md5}.zip`;
    const sts = await this.putWithFreshCredentialOnce(key, zip);

    return this.importsInFlight.run(async () => {
      const startedAt = this.now();
      const timezone = this.importTimezone(upload);
      const job = await this.registerImport(sts, key, md5, zip.byteLength, upload.fileName, timezone);
      if (
        job.createTimeMs !== undefined &&
        job.createTimeMs < startedAt - 10 * 60_000 &&
        jobState(job) !== 'processing'
      ) {
        // An older job came back for the same MD5: COROS deduplicated the upload.
        const outcome = await this.outcomeOfJob(job, summary.startUtc, upload.source);
        return outcome.kind === 'created' ? { kind: 'duplicate', existingId: outcome.remoteId } : outcome;
      }
      this.rememberJob(job.id, summary.startUtc, undefined);
      const finished = await this.pollJob(job, md5);
      if (!finished.listed) {
        // The list no longer shows the job (many imports at once): the activity itself answers.
        const labelId = await this.findLabelId(summary.startUtc, upload.source);
        if (labelId) {
          this.rememberJob(job.id, summary.startUtc, labelId);
          return { kind: 'created', remoteId: labelId };
        }
      }
      return this.outcomeOfJob(finished.job, summary.startUtc, upload.source);
    });
  }

  async checkPendingUpload(ticket: string, source: Activity): Promise<UploadOutcome> {
    if (!ticket.startsWith(TICKET_PREFIX)) throw new RejectedError(`not a COROS upload ticket: ${ticket.slice(0, 40)}`);
    const [jobId = '', md5 = '', startText = ''] = ticket.slice(TICKET_PREFIX.length).split(':');
    const startUtc = Number(startText) || source.startUtc;
    await this.api.connect();
    const matches = (candidate: ImportJob): boolean => candidate.id === jobId || (md5 !== '' && candidate.md5 === md5);
    const job = (await this.importJobs()).find(matches) ?? (await this.importJobs(IMPORT_LIST_WIDE_SIZE)).find(matches);
    if (job) return this.outcomeOfJob(job, startUtc, source);
    const labelId = await this.findLabelId(startUtc, source);
    if (labelId) return { kind: 'created', remoteId: labelId };
    return {
      kind: 'pending',
      ticket,
      message: 'COROS no longer lists this import job and no activity has appeared at its start time yet',
    };
  }

  /** The import list as the web app asks for it (`size` 10, §7.7); `size` 50 once when the job is older. */
  private async importJobs(size = IMPORT_LIST_SIZE): Promise<ImportJob[]> {
    const data = await this.api.call({
      method: 'POST',
      path: '/activity/fit/getImportSportList',
      json: { size },
      kind: 'read',
      retry: 'idempotent',
    });
    return (Array.isArray(data) ? data : []).map(toImportJob).filter((job): job is ImportJob => job !== undefined);
  }

  private async outcomeOfJob(job: ImportJob, startUtc: number, source: Activity): Promise<UploadOutcome> {
    const state = jobState(job);
    if (state === 'rejected')
      return { kind: 'rejected', message: 'COROS could not process this activity file (its import job failed)' };
    if (state === 'processing') {
      return {
        kind: 'pending',
        ticket: `${TICKET_PREFIX}${job.id}:${job.md5}:${startUtc}`,
        message: 'COROS is still processing the import; checked again on the next run',
      };
    }
    const labelId = await this.findLabelId(startUtc, source);
    if (labelId) this.rememberJob(job.id, startUtc, labelId);
    return { kind: 'created', remoteId: labelId };
  }

  private rememberJob(jobId: string, startUtc: number, labelId: string | undefined): void {
    this.state.setPlain(`import-job-at:${startUtc}`, jobId);
    if (labelId) this.state.setPlain(`import-job:${labelId}`, jobId);
  }

  private async pollJob(job: ImportJob, md5: string): Promise<ImportWait> {
    if (jobState(job) !== 'processing' && job.finishSize + job.errorSize > 0) return { job, listed: true };
    return this.poller.wait(job, md5);
  }

  /** The new labelId by start time (±60 s, compatible sport); null when absent or ambiguous. */
  private async findLabelId(startUtc: number, source: Activity): Promise<string | null> {
    const data = (await this.api.call({
      path: '/activity/query',
      query: {
        size: PAGE_SIZE,
        pageNumber: 1,
        startDay: yyyymmdd(startUtc - 86_400),
        endDay: yyyymmdd(startUtc + 86_400),
      },
      kind: 'read',
    })) as Record<string, unknown> | undefined;
    const rows = Array.isArray(data?.dataList) ? (data.dataList as unknown[]) : [];
    const candidates = rows
      .map(activityFromCorosRow)
      .filter(
        (activity): activity is Activity =>
          activity !== undefined && Math.abs(activity.startUtc - startUtc) <= MATCH_WINDOW_SEC,
      );
    if (candidates.length === 1) return candidates[0]!.remoteId;
    const compatible = candidates.filter((activity) => sportsCompatible(activity.sport.family, source.sport.family));
    if (compatible.length === 1) return compatible[0]!.remoteId;
    if (candidates.length > 1)
      this.log.warn(
        `COROS: ${candidates.length} activities start within ${MATCH_WINDOW_SEC} s of the upload; ` +
          `not guessing which one is new`,
      );
    return null;
  }

  /**
   * The import's `timezone` (§7.6): the workout's own offset in quarter hours east of UTC: from the
   * FIT's local_timestamp, else the zone the source platform listed, else the configured zone,
   * else 0 (reported). Never the runner's zone (0 on GitHub Actions).
   */
  private importTimezone(upload: FitUpload): number {
    const decided = importTimezone(upload.bytes, upload.source, this.timezoneQuarterHours);
    if (decided.origin === 'unknown')
      this.log.warn(
        `COROS: the workout of ${formatUtc(upload.source.startUtc)} does not tell its time zone; ` +
          `imported with UTC (timezone 0)`,
      );
    return decided.quarterHours;
  }

  private async registerImport(
    sts: StsCredential,
    key: string,
    md5: string,
    size: number,
    fileName: string,
    timezone: number,
  ): Promise<ImportJob> {
    const form = (): FormData => {
      const data = new FormData();
      data.set(
        'jsonParameter',
        JSON.stringify({
          source: 1,
          timezone,
          bucket: sts.bucket,
          md5,
          size,
          object: key,
          serviceName: sts.service,
          oriFileName: fileName,
        }),
      );
      return data;
    };
    const call = { method: 'POST' as const, path: '/activity/fit/import', kind: 'write' as const, timeoutMs: 60_000 };
    let data: unknown;
    try {
      data = await this.api.call({ ...call, form: form() });
    } catch (error) {
      if (!(error instanceof TokenDeadError)) throw error;
      // Logged in again: look before repeating the write (reference §4.4).
      const already = (await this.importJobs()).find((job) => job.md5 === md5);
      if (already) return already;
      data = await this.api.call({ ...call, form: form() });
    }
    const job = toImportJob(data);
    if (!job) throw new RetryableError('COROS accepted the import but returned no job id');
    return job;
  }

  // -------------------------------------------------------------------------------------------
  // STS and storage

  private async putWithFreshCredentialOnce(key: string, zip: Uint8Array): Promise<StsCredential> {
    let sts = await this.credential(false);
    let result = await this.putObject(sts, key, zip);
    if (result.ok) return sts;
    if (CREDENTIAL_CODES.has(result.code)) {
      this.log.debug(`COROS storage refused the credential (${result.code}); fetching a new one`);
      sts = await this.credential(true);
      result = await this.putObject(sts, key, zip);
      if (result.ok) return sts;
    }
    throw new RetryableError(
      `COROS storage refused the upload: ` +
        `HTTP ${result.status} ${result.code}${result.message ? ` (${result.message})` : ''}`,
    );
  }

  private async putObject(
    sts: StsCredential,
    key: string,
    zip: Uint8Array,
  ): Promise<{ ok: boolean; status: number; code: string; message: string }> {
    const now = new Date(this.now());
    let response: HttpResponse;
    if (sts.service === 'aws') {
      const url = new URL(`https://${s3BucketHost(sts.bucket, sts.region)}/${key}`);
      const headers = signS3Put({
        url,
        region: sts.region,
        body: zip,
        contentType: 'application/zip',
        credentials: { accessKeyId: sts.accessKeyId, secretAccessKey: sts.secret, sessionToken: sts.sessionToken },
        now,
      });
      response = await this.http.request({ method: 'PUT', url, headers, body: zip, accept: [400, 403, 404, 409] });
    } else {
      const url = new URL(`https://${ossBucketHost(sts.bucket, sts.region)}/${key}`);
      const headers = signOssPut({
        bucket: sts.bucket,
        key,
        body: zip,
        contentType: 'application/zip',
        credentials: { accessKeyId: sts.accessKeyId, accessKeySecret: sts.secret, securityToken: sts.sessionToken },
        now,
        forbidOverwrite: true,
      });
      response = await this.http.request({ method: 'PUT', url, headers, body: zip, accept: [400, 403, 404, 409] });
    }
    const text = response.text();
    const code = xmlCode(text);
    // Same key means same MD5 means same bytes: an existing object is already what we want.
    if (response.status === 200 || (response.status === 409 && code === 'FileAlreadyExists'))
      return { ok: true, status: response.status, code, message: '' };
    return { ok: false, status: response.status, code: code || 'unknown', message: xmlMessage(text) };
  }

  private async credential(forceNew: boolean): Promise<StsCredential> {
    if (
      !forceNew &&
      this.sts &&
      (this.sts.expiresAtMs === undefined || this.sts.expiresAtMs - this.now() > STS_MIN_REMAINING_MS)
    )
      return this.sts;
    this.stsPromise ??= this.fetchCredential().finally(() => {
      this.stsPromise = undefined;
    });
    this.sts = await this.stsPromise;
    return this.sts;
  }

  /** The Training Hub proxy (cookie channel) first, the legacy faq.coros.com channel as fallback. */
  private async fetchCredential(): Promise<StsCredential> {
    const session = await this.api.connect();
    const region = COROS_REGIONS[session.regionId];
    const failures: string[] = [];
    // §7.1: the account region's Training Hub host first; an HTTP 401 (or a code other than 200)
    // moves to the next host once. No re-login here: every login signs the browser out.
    for (const web of region.web) {
      const url = new URL(`${web}/api/proxy/oss/sts`);
      url.searchParams.set('bucket', region.bucket);
      url.searchParams.set('service', region.service);
      url.searchParams.set('v', '2');
      const response = await this.http.request({
        url,
        headers: {
          ...CorosApi.browserHeaders(),
          cookie: this.api.stsCookie(session),
          accesstoken: session.token,
          origin: web,
          referer: `${web}/`,
        },
        accept: [400, 401, 403, 404],
      });
      const parsed = this.parseSts(response, region.service);
      if (typeof parsed !== 'string') return parsed;
      failures.push(`${new URL(web).hostname}: ${parsed}`);
    }
    if (!region.legacySign)
      throw new RetryableError(`COROS upload credentials (STS) unavailable: ${failures.join('; ')}; nothing uploaded`);
    const legacy = new URL(LEGACY_STS_URL);
    for (const [name, value] of Object.entries({
      bucket: region.bucket,
      service: region.service,
      app_id: LEGACY_STS_APP_ID,
      sign: region.legacySign,
      v: '2',
    }))
      legacy.searchParams.set(name, value);
    const response = await this.http.request({
      url: legacy,
      headers: CorosApi.browserHeaders(),
      accept: [400, 401, 403, 404],
    });
    const parsed = this.parseSts(response, region.service);
    if (typeof parsed !== 'string') {
      this.log.warn('COROS: the Training Hub STS proxy failed; the legacy STS channel answered instead');
      return parsed;
    }
    failures.push(`legacy channel: ${parsed}`);
    throw new RetryableError(`COROS upload credentials (STS) unavailable: ${failures.join('; ')}; nothing uploaded`);
  }

  private parseSts(response: HttpResponse, service: 'aws' | 'aliyun'): StsCredential | string {
    if (response.status >= 400) return `HTTP ${response.status}`;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(response.text()) as Record<string, unknown>;
    } catch {
      return 'not JSON';
    }
    const data = (body.data ?? {}) as Record<string, unknown>;
    if (Number(body.code) !== 200 || typeof data.credentials !== 'string')
      return `code ${String(body.code)} ${typeof body.msg === 'string' ? body.msg : ''}`.trim();
    registerSecret(data.credentials);
    const credential = decodeStsPayload(data.credentials, this.now());
    return { ...credential, service };
  }

  // -------------------------------------------------------------------------------------------
  // Delete

  async deleteActivity(activity: Activity): Promise<void> {
    if (this.deleteSpacingMs > 0) await this.sleep(this.deleteSpacingMs);
    const query = { labelId: activity.remoteId };
    try {
      await this.api.call({ path: '/activity/delete', query, kind: 'write', retry: 'idempotent' });
    } catch (error) {
      if (!(error instanceof TokenDeadError)) throw error;
      // COROS answers 0000 for unknown ids, so repeating a delete is safe.
      await this.api.call({ path: '/activity/delete', query, kind: 'write', retry: 'idempotent' });
    }
    const jobId =
      this.state.getPlain(`import-job:${activity.remoteId}`) ??
      this.state.getPlain(`import-job-at:${activity.startUtc}`);
    if (jobId) {
      // Without this, COROS would silently deduplicate a later re-upload of the same bytes.
      await this.api.call({
        method: 'POST',
        path: '/activity/fit/deleteSportImport',
        json: { importId: jobId },
        kind: 'write',
        retry: 'idempotent',
      });
      this.state.setPlain(`import-job:${activity.remoteId}`, undefined);
      this.state.setPlain(`import-job-at:${activity.startUtc}`, undefined);
    }
  }
}

/** The FIT inside a download (raw FIT, or a zip holding one). */
function extractFit(bytes: Uint8Array): Uint8Array | undefined {
  const isFit = (data: Uint8Array): boolean =>
    data.byteLength >= 12 && data[8] === 0x2e && data[9] === 0x46 && data[10] === 0x49 && data[11] === 0x54;
  if (isFit(bytes)) return bytes;
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
    try {
      // The bounded reader: a zip bomb or a lying size header stops at the limit, never fills memory.
      const entries = readZipEntries(bytes, { maxEntries: 50, maxEntryBytes: 64 * 1024 * 1024 });
      for (const entry of entries) {
        if (!entry.name.toLowerCase().endsWith('.fit')) continue;
        const data = entry.read();
        if (isFit(data)) return data;
      }
      return undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The COROS adapter; nothing is contacted until the first call. */
export function createCorosPlatform(options: CorosPlatformOptions): CorosPlatform {
  return new CorosPlatform(options);
}
