import type { Activity } from '../../core/activity.ts';
import { RejectedError, describeError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { PlatformState } from '../../store/state-box.ts';
import type {
  FitDownload,
  FitUpload,
  ListPagesOptions,
  Platform,
  PlatformCapabilities,
  UploadOutcome,
} from '../platform.ts';
import { garminLabel, garminTokenSecretName, type GarminRegion } from './garmin-hosts.ts';
import { GarminRegionPlatform } from './garmin-region-platform.ts';
import {
  PersonalApiUnavailableError,
  personalApiKeyPage,
  personalApiKeySetting,
  type PersonalApiClient,
} from './personal-api-client.ts';

/**
 * garmin.com / garmin.cn read through the official Personal API; uploads and deletes (which that
 * API cannot do, §9) through the DI-token adapter when one is configured. Without it the platform
 * is a read-only source: `capabilities` says so and the engine plans nothing onto it.
 */
export interface PersonalApiPlatformOptions {
  readonly region: GarminRegion;
  readonly client: PersonalApiClient;
  /** The DI adapter when GARMIN_TOKEN_* or a password is configured. */
  readonly di?: Platform | undefined;
  readonly state: PlatformState;
  readonly log: Logger;
  readonly now?: (() => number) | undefined;
  /** Days before the key's expiry that every run warns (default 7). */
  readonly expiryWarningDays?: number | undefined;
}

const ID_CHECK_STATE = 'personal.idCheck';
/** Plain state name under which the key's expiry is kept for `status`. */
export const KEY_EXPIRY_FOR_STATUS = 'personal.keyExpiry';
const ID_MAP_PREFIX = 'personal.diId.';
/** How many newest activities the one-time id check compares (§8). */
const ID_CHECK_COUNT = 10;
const DAY = 86_400;

export function createPersonalApiPlatform(options: PersonalApiPlatformOptions): Platform {
  return new PersonalApiPlatform(options);
}

class PersonalApiPlatform extends GarminRegionPlatform<PersonalApiPlatformOptions> implements Platform {
  private readVia: 'personal' | 'di' = 'personal';
  private diFailure: unknown;
  private readonly warnings: string[] = [];

  get capabilities(): PlatformCapabilities {
    const writable = this.options.di !== undefined;
    return {
      upload: writable,
      delete: writable,
      readOnlyReason: writable
        ? undefined
        : `the Personal API is read-only; add ${garminTokenSecretName(this.options.region)} to copy workouts there`,
    };
  }

  async connect(): Promise<void> {
    const { client, di, log, region } = this.options;
    const until = client.unavailableUntil();
    if (until !== undefined) {
      // At most one probe a day while Garmin's side is broken (§11).
      const since =
        `${this.label} Personal API answered HTTP 526 at the last token exchange; ` +
        `it is tried again after ${new Date(until * 1000).toISOString()}`;
      if (!di)
        throw new PersonalApiUnavailableError(
          `${since}; no ${garminTokenSecretName(region)} is configured to read ${this.label} another way`,
          {
            status: 526,
            hint:
              `Set ${garminTokenSecretName(region)} (node cli.js login --for action --region ${region}) ` +
              `to read ${this.label} while its Personal API is down.`,
          },
        );
      log.info(`${since}; reading through ${garminTokenSecretName(region)}`);
      await this.useDiForReading();
      return;
    }
    try {
      await client.connect();
    } catch (error) {
      if (!(error instanceof PersonalApiUnavailableError)) throw error;
      if (!di) {
        throw new PersonalApiUnavailableError(
          `${error.message}; no ${garminTokenSecretName(region)} is configured to read ${this.label} another way`,
          {
            status: 526,
            hint:
              `Set ${garminTokenSecretName(region)} (node cli.js login --for action --region ${region}) ` +
              `to read ${this.label} while its Personal API is down.`,
          },
        );
      }
      log.warn(`${error.message}; reading through ${garminTokenSecretName(region)} instead`);
      await this.useDiForReading();
      return;
    }
    if (di) {
      try {
        await di.connect();
        await this.checkIdsOnce(di);
      } catch (failure) {
        // Reading still works through the key; the DI failure shows on each upload or delete.
        this.diFailure = failure;
        log.warn(
          `${this.label}: ${describeError(failure)}; reading goes on through the Personal API, ` +
            `uploads and deletes on ${this.label} fail this run`,
        );
      }
    }
    // For `status`, which reads the database without the settings.
    this.options.state.setPlain(KEY_EXPIRY_FOR_STATUS, this.options.client.keyExpiry()?.toISOString());
    this.warnIfKeyExpiresSoon();
  }

  private async useDiForReading(): Promise<void> {
    this.readVia = 'di';
    await this.options.di!.connect();
  }

  private warnIfKeyExpiresSoon(): void {
    const expiry = this.options.client.keyExpiry();
    if (!expiry) return;
    const days = Math.floor((expiry.getTime() - this.now()) / (DAY * 1000));
    if (days >= (this.options.expiryWarningDays ?? 7)) return;
    const setting = personalApiKeySetting(this.options.region);
    const when =
      days < 0
        ? `expired on ${expiry.toISOString().slice(0, 10)}`
        : `expires on ${expiry.toISOString().slice(0, 10)} (in ${days} day${days === 1 ? '' : 's'})`;
    const line =
      `${setting} ${when}: create a new key at ${personalApiKeyPage(this.options.region)} and ` +
      `update the secret (a program cannot renew it)`;
    this.warnings.push(line);
    this.options.log.warn(line);
  }

  notices(): readonly string[] {
    return this.warnings;
  }

  async credentialExpiry(): Promise<Date | undefined> {
    const key = this.readVia === 'personal' ? this.options.client.keyExpiry() : undefined;
    const di = this.options.di ? await this.options.di.credentialExpiry?.().catch(() => undefined) : undefined;
    if (key && di) return key < di ? key : di;
    return key ?? di;
  }

  listActivities(options: ListPagesOptions = {}): AsyncIterable<readonly Activity[]> {
    if (this.readVia === 'di') return this.options.di!.listActivities(options);
    return this.options.client.listActivities(options.pageSize ?? 100);
  }

  downloadFit(activity: Activity): Promise<FitDownload> {
    if (this.readVia === 'di') return this.options.di!.downloadFit(activity);
    return this.options.client.downloadFit(activity);
  }

  private writer(action: string): Platform {
    const di = this.options.di;
    if (!di) throw new RejectedError(`cannot ${action} on ${this.label}: ${this.capabilities.readOnlyReason}`);
    if (this.diFailure) throw this.diFailure;
    return di;
  }

  async uploadFit(upload: FitUpload): Promise<UploadOutcome> {
    const outcome = await this.writer('upload').uploadFit(upload);
    // Ids of the two paths differ: the DI id would not be listed here; the next listing brings the Personal id.
    if (this.idsDiffer() && outcome.kind === 'created') return { kind: 'created', remoteId: null };
    return outcome;
  }

  async checkPendingUpload(ticket: string, source: Activity): Promise<UploadOutcome> {
    const di = this.writer('check an upload');
    if (!di.checkPendingUpload)
      return { kind: 'pending', ticket, message: `${this.label} cannot check pending uploads` };
    const outcome = await di.checkPendingUpload(ticket, source);
    if (this.idsDiffer() && outcome.kind === 'created') return { kind: 'created', remoteId: null };
    return outcome;
  }

  async deleteActivity(activity: Activity): Promise<void> {
    const di = this.writer('delete');
    if (this.readVia === 'di' || !this.idsDiffer()) return di.deleteActivity(activity);
    const diId = await this.diIdByStart(di, activity);
    if (!diId)
      throw new RejectedError(
        `${this.label}: no activity starting at ${new Date(activity.startUtc * 1000).toISOString()} ` +
          'in the connectapi listing; not deleted',
      );
    return di.deleteActivity({ ...activity, remoteId: diId });
  }

  private idsDiffer(): boolean {
    return this.options.state.getPlain(ID_CHECK_STATE) === 'different';
  }

  /**
   * Once per state (§8): compares the newest activities of both listings. Equal ids → trusted;
   * different ids → matched by start time from then on and both ids kept, never by file hash.
   */
  private async checkIdsOnce(di: Platform): Promise<void> {
    if (this.options.state.getPlain(ID_CHECK_STATE)) return;
    const personal = await firstPage(this.options.client.listActivities(ID_CHECK_COUNT));
    const connect = await firstPage(di.listActivities({ pageSize: ID_CHECK_COUNT }));
    let same = 0;
    let different = 0;
    for (const record of personal) {
      const twin = connect.find((candidate) => Math.abs(candidate.startUtc - record.startUtc) <= 1);
      if (!twin) continue;
      if (twin.remoteId === record.remoteId) same++;
      else {
        different++;
        this.options.state.setPlain(ID_MAP_PREFIX + record.remoteId, twin.remoteId);
      }
    }
    if (same + different === 0) return; // nothing to compare yet: check again next run
    const verdict = different === 0 ? 'same' : 'different';
    this.options.state.setPlain(ID_CHECK_STATE, verdict);
    if (verdict === 'same')
      this.options.log.info(
        `${this.label}: Personal API ids equal the connectapi ids (${same} of the newest compared)`,
      );
    else
      this.options.log.warn(
        `${this.label}: Personal API ids differ from the connectapi ids (${different} of ${same + different}); ` +
          `uploads and deletes are matched by start time from now on`,
      );
  }

  /** The connectapi id of a record listed through the Personal API, by start time (±1 s) and kept in the state. */
  private async diIdByStart(di: Platform, activity: Activity): Promise<string | undefined> {
    const known = this.options.state.getPlain(ID_MAP_PREFIX + activity.remoteId);
    if (known) return known;
    for await (const page of di.listActivities({ pageSize: 100 })) {
      const twin = page.find(
        (candidate) =>
          Math.abs(candidate.startUtc - activity.startUtc) <= 1 && candidate.sport.family === activity.sport.family,
      );
      if (twin) {
        this.options.state.setPlain(ID_MAP_PREFIX + activity.remoteId, twin.remoteId);
        return twin.remoteId;
      }
      // Pages are newest first: once they are a day older than the record, it is not there.
      if (page.every((candidate) => candidate.startUtc < activity.startUtc - DAY)) return undefined;
    }
    return undefined;
  }
}

async function firstPage(pages: AsyncIterable<readonly Activity[]>): Promise<readonly Activity[]> {
  for await (const page of pages) return page;
  return [];
}

/**
 * "Garmin COM Personal API key (GARMIN_API_KEY_COM): valid until 2027-10-31 (in 334 days)", with
 * the fix from 7 days before.
 */
export function personalKeyExpiryLine(
  id: 'garmin_com' | 'garmin_cn',
  expiryIso: string,
  nowMs: number,
  warnDays = 7,
): string {
  const region: GarminRegion = id === 'garmin_cn' ? 'cn' : 'com';
  const days = Math.floor((Date.parse(expiryIso) - nowMs) / (DAY * 1000));
  const head = `${garminLabel(region)} Personal API key (${personalApiKeySetting(region)}): `;
  const date = expiryIso.slice(0, 10);
  if (days < 0) return `${head}expired on ${date} — create a new key at ${personalApiKeyPage(region)}`;
  const text = `${head}valid until ${date} (in ${days} day${days === 1 ? '' : 's'})`;
  return days < warnDays ? `${text} — create a new key at ${personalApiKeyPage(region)} before then` : text;
}
