import type { Activity } from '../../src/core/activity.ts';
import { RetryableError } from '../../src/core/errors.ts';
import { MemoryPlatform, type MemoryPlatformOptions } from './memory-platform.ts';
import type { FitDownload, FitUpload, Platform, UploadOutcome } from '../../src/platforms/platform.ts';

type Script<T> = Array<(input: T) => Promise<unknown> | unknown>;

/**
 * An in-memory platform whose next answers can be scripted, the way a flaky service answers:
 * an upload that lands but whose answer is lost, a download that breaks off, a phantom listing
 * entry. Unscripted calls behave as MemoryPlatform does.
 */
export class ScriptedPlatform extends MemoryPlatform implements Platform {
  readonly uploadScript: Script<FitUpload> = [];
  readonly downloadScript: Script<Activity> = [];
  readonly checkScript: Array<() => Promise<UploadOutcome> | UploadOutcome> = [];
  /** Extra entries the listing shows on its first page (not real records). */
  phantoms: Activity[] = [];
  noOriginal = new Set<string>();
  /** FIT files held between a download here and the end of an upload (shared by a world's platforms). */
  holding: { now: number; max: number } = { now: 0, max: 0 };
  uploadDelayMs = 0;
  deleted: string[] = [];

  constructor(options: MemoryPlatformOptions) {
    super(options);
  }

  override async *listActivities(): AsyncIterable<readonly Activity[]> {
    let first = true;
    for await (const page of super.listActivities()) {
      yield first ? [...this.phantoms, ...page] : page;
      first = false;
    }
    if (first && this.phantoms.length) yield this.phantoms;
  }

  override async downloadFit(activity: Activity): Promise<FitDownload> {
    const step = this.downloadScript.shift();
    if (step) return (await step(activity)) as FitDownload;
    if (this.noOriginal.has(activity.remoteId)) return { kind: 'no-original', reason: 'GPX import: no original FIT' };
    const download = await super.downloadFit(activity);
    this.holding.now++;
    this.holding.max = Math.max(this.holding.max, this.holding.now);
    return download;
  }

  override async uploadFit(upload: FitUpload): Promise<UploadOutcome> {
    if (this.uploadDelayMs) await new Promise((resolve) => setTimeout(resolve, this.uploadDelayMs));
    try {
      const step = this.uploadScript.shift();
      if (step) return (await step(upload)) as UploadOutcome;
      return await super.uploadFit(upload);
    } finally {
      this.holding.now--;
    }
  }

  /** Lands the upload, then loses the answer (a dropped connection after the server did the work). */
  landThenLose(): void {
    this.uploadScript.push(async (upload) => {
      await super.uploadFit(upload);
      throw new RetryableError('POST upload failed: socket hang up');
    });
  }

  /** Creates a record from bytes as an upload would, without counting an upload call. */
  async seedFrom(bytes: Uint8Array): Promise<Activity> {
    return this.seed(bytes);
  }

  platformFor(): Platform {
    return this;
  }

  override async checkPendingUpload(): Promise<UploadOutcome> {
    const step = this.checkScript.shift();
    if (!step) throw new Error('no pending check scripted');
    return step();
  }

  /** The next delete goes through, then its answer is lost. */
  loseNextDeleteAnswer = false;

  override async deleteActivity(activity: Activity): Promise<void> {
    this.deleted.push(activity.remoteId);
    await super.deleteActivity(activity);
    if (this.loseNextDeleteAnswer) {
      this.loseNextDeleteAnswer = false;
      throw new RetryableError('DELETE failed: socket hang up');
    }
  }
}
