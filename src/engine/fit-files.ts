import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Activity } from '../core/activity.ts';
import { describeError } from '../core/errors.ts';
import { redact } from '../core/secrets.ts';
import { verifyFit } from '../fit/fit-verify.ts';
import type { Platform } from '../platforms/platform.ts';
import type { SourceProblemKind } from '../store/store.ts';

/** A verified original file, or why the source could not give one (never the target's fault). */
export type SourceFile =
  | { readonly kind: 'fit'; readonly bytes: Uint8Array; readonly note?: string }
  | { readonly kind: 'problem'; readonly problem: SourceProblemKind; readonly message: string };

/** Where a record's FIT is kept (downloads, and backups of deleted duplicates). */
export function fitPath(fitDir: string, record: Pick<Activity, 'platform' | 'remoteId'>, folder?: string): string {
  const safeId = record.remoteId.replace(/[^A-Za-z0-9_-]/g, '_');
  return folder
    ? join(fitDir, record.platform, folder, `${safeId}.fit`)
    : join(fitDir, record.platform, `${safeId}.fit`);
}

/**
 * Temp file and rename: a kill mid-write never leaves a truncated file under the final name. Off
 * the main thread: a backfill writes hundreds of files while requests are in flight.
 */
export async function writeFileAtomicAsync(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  await writeFile(temporary, bytes);
  await rename(temporary, path);
}

export interface FitFilesOptions {
  readonly fitDir: string;
  readonly toleranceSec: number;
  /** Downloads of a file that fails its check before the source is blamed (default 2). */
  readonly downloadTries?: number;
}

/**
 * Original files of source records: a cached file is re-checked before reuse, a download is
 * verified before anything is uploaded, and a broken download is tried again before the source is
 * reported. Files written are listed for the FIT artifact.
 */
export class FitFiles {
  readonly written: string[] = [];
  private readonly options: FitFilesOptions;

  constructor(options: FitFilesOptions) {
    this.options = options;
  }

  /** `fresh`: fetch from the platform even when a checked copy is cached (proof the record is there now). */
  async get(record: Activity, platform: Platform, folder?: string, fresh = false): Promise<SourceFile> {
    const path = fitPath(this.options.fitDir, record, folder);
    const cached = fresh ? undefined : this.readCached(path, record);
    if (cached) return cached;
    const tries = this.options.downloadTries ?? 2;
    let last: SourceFile = { kind: 'problem', problem: 'download-failed', message: 'not downloaded' };
    for (let attempt = 1; attempt <= tries; attempt++) {
      last = await this.download(record, platform);
      if (last.kind === 'fit') {
        await writeFileAtomicAsync(path, last.bytes);
        this.remember(path);
        return last;
      }
      if (last.problem !== 'broken-file') return last;
    }
    return last;
  }

  private readCached(path: string, record: Activity): SourceFile | undefined {
    if (!existsSync(path)) return undefined;
    const bytes = new Uint8Array(readFileSync(path));
    const check = verifyFit(bytes, record, this.options.toleranceSec);
    if (!check.ok) {
      // A file left by a killed run or changed on disk: fetch it again.
      rmSync(path, { force: true });
      return undefined;
    }
    this.remember(path);
    return { kind: 'fit', bytes, ...(check.note ? { note: check.note } : {}) };
  }

  private async download(record: Activity, platform: Platform): Promise<SourceFile> {
    try {
      const download = await platform.downloadFit(record);
      if (download.kind === 'no-original') return { kind: 'problem', problem: 'no-original', message: download.reason };
      const check = verifyFit(download.bytes, record, this.options.toleranceSec);
      if (!check.ok) return { kind: 'problem', problem: 'broken-file', message: check.problem };
      return { kind: 'fit', bytes: download.bytes, ...(check.note ? { note: check.note } : {}) };
    } catch (error) {
      return { kind: 'problem', problem: 'download-failed', message: redact(describeError(error)) };
    }
  }

  private remember(path: string): void {
    if (!this.written.includes(path)) this.written.push(path);
  }
}
