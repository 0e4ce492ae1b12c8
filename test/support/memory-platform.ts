import type { Activity, DeviceVendor, PlatformId } from '../../src/core/activity.ts';
import { AuthError, RejectedError, RetryableError } from '../../src/core/errors.ts';
import { platformSportCode, sportById } from '../../src/core/sports.ts';
import { summariseFit } from '../../src/fit/fit-summary.ts';
import type {
  FitDownload,
  FitUpload,
  ListPagesOptions,
  Platform,
  UploadOutcome,
} from '../../src/platforms/platform.ts';

interface StoredRecord {
  activity: Activity;
  fit: Uint8Array | null;
}

export type MemoryOperation = 'list' | 'download' | 'upload' | 'delete';

export interface MemoryPlatformOptions {
  readonly id: PlatformId;
  /** Start-time window in which an upload counts as a duplicate (Garmin: same start; COROS: none). */
  readonly duplicateWindowSec?: number | null;
  readonly pageSize?: number;
  /** Number of operations that fail with a RetryableError before succeeding (fault injection). */
  failNext?: number;
  /** Operations the injected faults apply to (default: all). */
  readonly failOperations?: readonly MemoryOperation[];
  /** connect() refuses the credentials (an AuthError), as a real service does for a wrong password. */
  readonly refuseCredentials?: boolean;
}

const sportCode = platformSportCode;

/**
 * The reference implementation of `Platform`, in memory: what every adapter must behave like,
 * used by engine tests. Uploads decode the FIT like the real services do.
 */
export class MemoryPlatform implements Platform {
  readonly id: PlatformId;
  private readonly records = new Map<string, StoredRecord>();
  private nextId: bigint;
  private readonly duplicateWindowSec: number | null;
  private readonly pageSize: number;
  failNext: number;
  /** While set, uploads stay 'pending' (the service is still processing) until checked after it clears. */
  slowProcessing = false;
  private readonly failOperations: ReadonlySet<MemoryOperation>;
  private readonly refuseCredentials: boolean;
  private readonly processing = new Map<string, FitUpload>();
  readonly calls = { list: 0, download: 0, upload: 0, delete: 0 };

  constructor(options: MemoryPlatformOptions) {
    this.id = options.id;
    this.duplicateWindowSec =
      options.duplicateWindowSec === undefined ? (options.id === 'coros' ? null : 0) : options.duplicateWindowSec;
    this.pageSize = options.pageSize ?? 100;
    this.failNext = options.failNext ?? 0;
    this.failOperations = new Set(options.failOperations ?? ['list', 'download', 'upload', 'delete']);
    this.refuseCredentials = options.refuseCredentials ?? false;
    this.nextId =
      options.id === 'coros'
        ? 476_543_210_987_654_321n
        : options.id === 'garmin_cn'
          ? 310_000_000_000n
          : 21_400_000_000n;
  }

  /** Seeds a record as if recorded by a device (bytes may be null for manual entries). */
  seed(fit: Uint8Array | null, overrides: Partial<Activity> & { vendor?: DeviceVendor } = {}): Activity {
    const id = String(this.nextId++);
    let activity: Activity;
    if (fit) {
      const summary = summariseFit(fit);
      activity = {
        platform: this.id,
        remoteId: id,
        startUtc: summary.startUtc,
        elapsedSec: summary.elapsedSec,
        distanceM: summary.distanceM,
        sport: { id: summary.sport.id, family: summary.sport.family, code: sportCode(this.id, summary.sport) },
        name: null,
        device: summary.productName,
        vendor: summary.manufacturer === 'garmin' ? 'garmin' : summary.manufacturer === 'coros' ? 'coros' : 'other',
        manual: false,
        ...overrides,
      };
    } else {
      const sport = sportById('run');
      activity = {
        platform: this.id,
        remoteId: id,
        startUtc: 0,
        elapsedSec: null,
        distanceM: null,
        sport: { id: sport.id, family: sport.family, code: sportCode(this.id, sport) },
        name: null,
        device: null,
        vendor: 'unknown',
        manual: true,
        ...overrides,
      };
    }
    this.records.set(id, { activity, fit });
    return activity;
  }

  all(): Activity[] {
    return [...this.records.values()].map((record) => record.activity).sort((a, b) => b.startUtc - a.startUtc);
  }

  async connect(): Promise<void> {
    if (this.refuseCredentials) throw new AuthError(`${this.id}: the credentials were refused`, { status: 401 });
  }

  private maybeFail(operation: MemoryOperation): void {
    if (this.failNext > 0 && this.failOperations.has(operation)) {
      this.failNext--;
      throw new RetryableError(`${this.id} ${operation} failed (injected fault)`, { status: 503 });
    }
  }

  async *listActivities(options: ListPagesOptions = {}): AsyncIterable<readonly Activity[]> {
    const size = options.pageSize ?? this.pageSize;
    let offset = 0;
    for (;;) {
      this.calls.list++;
      this.maybeFail('list');
      const page = this.all().slice(offset, offset + size);
      if (page.length === 0) return;
      yield page;
      if (page.length < size) return;
      offset += size;
    }
  }

  async downloadFit(activity: Activity): Promise<FitDownload> {
    this.calls.download++;
    this.maybeFail('download');
    const record = this.records.get(activity.remoteId);
    if (!record) throw new RejectedError(`${this.id} activity ${activity.remoteId} not found`, { status: 404 });
    if (!record.fit) return { kind: 'no-original', reason: 'manual activity: no original file' };
    return { kind: 'fit', bytes: record.fit, fileName: `${activity.remoteId}.fit` };
  }

  async uploadFit(upload: FitUpload): Promise<UploadOutcome> {
    this.calls.upload++;
    this.maybeFail('upload');
    let summary;
    try {
      summary = summariseFit(upload.bytes);
    } catch (error) {
      return { kind: 'rejected', message: error instanceof Error ? error.message : String(error) };
    }
    // Every service knows bytes it already holds (COROS by the import list's MD5, Garmin by start time).
    const same = [...this.records.values()].find(
      (record) => record.fit !== null && Buffer.from(record.fit).equals(Buffer.from(upload.bytes)),
    );
    if (same) return { kind: 'duplicate', existingId: same.activity.remoteId };
    if (this.duplicateWindowSec !== null) {
      const existing = this.all().find(
        (activity) => Math.abs(activity.startUtc - summary.startUtc) <= this.duplicateWindowSec!,
      );
      if (existing) return { kind: 'duplicate', existingId: existing.remoteId };
    }
    if (this.slowProcessing) {
      const ticket = `memory-upload-${this.processing.size + 1}`;
      this.processing.set(ticket, upload);
      return { kind: 'pending', ticket, message: 'still processing' };
    }
    const created = this.seed(upload.bytes, { name: upload.source.name });
    return { kind: 'created', remoteId: created.remoteId };
  }

  async checkPendingUpload(ticket: string): Promise<UploadOutcome> {
    const upload = this.processing.get(ticket);
    if (!upload) throw new RejectedError(`${this.id}: no upload ${ticket}`, { status: 404 });
    if (this.slowProcessing) return { kind: 'pending', ticket, message: 'still processing' };
    this.processing.delete(ticket);
    const created = this.seed(upload.bytes, { name: upload.source.name });
    return { kind: 'created', remoteId: created.remoteId };
  }

  async deleteActivity(activity: Activity): Promise<void> {
    this.calls.delete++;
    this.maybeFail('delete');
    if (!this.records.delete(activity.remoteId))
      throw new RejectedError(`${this.id} activity ${activity.remoteId} not found`, { status: 404 });
  }
}
