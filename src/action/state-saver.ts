import { existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describeError, isSyncError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/secrets.ts';
import { discardWriteAheadLog, settleDatabaseFile } from '../store/store.ts';
import { saveStateToCache, type CacheStateOptions } from './cache-state.ts';
import { commitAndPushState } from './git-state.ts';
import { stateFingerprint } from './state-fingerprint.ts';

/** Why the state is saved now: the end of the run, a renewed token, a cancel signal, the post step. */
export type SaveReason = 'end' | 'token' | 'signal' | 'post';

export interface StateSaverOptions {
  readonly mode: 'git' | 'cache';
  readonly workspace: string;
  /** The database, relative to the workspace (the only state file). */
  readonly dbRelative: string;
  readonly commitMessage: string;
  readonly pushAttempts: number;
  readonly backoffMs: (retry: number) => number;
  readonly fallbackBranch: string | undefined;
  readonly cache: CacheStateOptions;
  readonly log: Logger;
  /** Fingerprint of what is saved already (the restored state); undefined when nothing is (a first run). */
  readonly savedFingerprint: string | undefined;
  /** Saves made before (the post step continues the main step's count). */
  readonly savesBefore?: number;
  /** Called after each save that stored something, for the post step. */
  readonly onSaved?: (fingerprint: string, saves: number) => void;
}

export type SaveResult =
  | { readonly status: 'unchanged'; readonly line: string }
  /** A cache save while the database is still in use cannot copy it aside: it waits for the end. */
  | { readonly status: 'deferred'; readonly line: string }
  | { readonly status: 'saved'; readonly line: string; readonly sizeBytes: number }
  | { readonly status: 'failed'; readonly line: string; readonly message: string };

export const formatSize = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KB`
      : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * VACUUM a closed database when a fifth or more of its pages are free (deleted rows, rewritten
 * tokens), so the copy committed on every change stays small. Returns the size afterwards.
 */
export function compactIfGrown(path: string): number {
  const db = new DatabaseSync(path);
  try {
    const pages = (db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count;
    const free = (db.prepare('PRAGMA freelist_count').get() as { freelist_count: number }).freelist_count;
    if (free > 0 && free * 5 >= pages) db.exec('VACUUM');
  } finally {
    db.close();
  }
  return statSync(path).size;
}

/** A consistent, compacted copy of a database another connection may be writing (VACUUM INTO reads one snapshot). */
export function snapshotDatabase(path: string): { file: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ssx-snapshot-'));
  const file = join(dir, 'state.sqlite');
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    db.prepare('VACUUM INTO ?').run(file);
  } finally {
    db.close();
  }
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Saves the state (commit+push or cache) whenever asked, one save at a time, and only when its
 * meaning changed since the last save. `live` means the engine still has the database open: then
 * a snapshot is saved and the working file is left alone.
 */
export class StateSaver {
  private savedFingerprint: string | undefined;
  private saves: number;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly dbPath: string;
  private readonly options: StateSaverOptions;

  constructor(options: StateSaverOptions) {
    this.options = options;
    this.savedFingerprint = options.savedFingerprint;
    this.saves = options.savesBefore ?? 0;
    this.dbPath = join(options.workspace, options.dbRelative);
  }

  /** Whether the database differs (in meaning) from what was saved last. */
  pending(): boolean {
    return (
      existsSync(this.dbPath) && stateFingerprint([this.dbPath], [this.options.dbRelative]) !== this.savedFingerprint
    );
  }

  save(reason: SaveReason, live: boolean): Promise<SaveResult> {
    const next = this.queue.then(() => this.saveNow(reason, live));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async saveNow(reason: SaveReason, live: boolean): Promise<SaveResult> {
    const { dbRelative } = this.options;
    if (!existsSync(this.dbPath))
      return { status: 'unchanged', line: `No database at \`${dbRelative}\`: nothing to save.` };
    if (live && this.options.mode === 'cache' && reason === 'token')
      return {
        status: 'deferred',
        line: 'A renewed sign-in token waits for the end of the run to be saved to the cache.',
      };
    // A main step that was killed leaves its log beside the file: fold it in before reading or copying.
    if (!live) settleDatabaseFile(this.dbPath);
    const snapshot = live ? snapshotDatabase(this.dbPath) : undefined;
    try {
      const file = snapshot?.file ?? this.dbPath;
      const fingerprint = stateFingerprint([file], [dbRelative]);
      if (fingerprint === this.savedFingerprint)
        return {
          status: 'unchanged',
          line:
            this.options.mode === 'git'
              ? `Database \`${dbRelative}\` unchanged: nothing committed.`
              : 'State unchanged: no new cache entry saved (the restored entry stays the newest).',
        };
      // A cancelled run saves to the cache from the copy: the engine's later writes are abandoned with the process.
      if (snapshot && this.options.mode === 'cache') {
        renameSync(snapshot.file, this.dbPath);
        // The engine's log belongs to the file just replaced: left beside the copy it would be replayed onto it.
        discardWriteAheadLog(this.dbPath);
      }
      const size = live
        ? statSync(snapshot && this.options.mode === 'git' ? snapshot.file : this.dbPath).size
        : compactIfGrown(this.dbPath);
      const line = await this.store(reason, snapshot && this.options.mode === 'git' ? snapshot.file : undefined, size);
      if (line === undefined)
        return { status: 'unchanged', line: `Database \`${dbRelative}\` unchanged: nothing committed.` };
      this.savedFingerprint = fingerprint;
      this.saves++;
      this.options.onSaved?.(fingerprint, this.saves);
      return { status: 'saved', line, sizeBytes: size };
    } catch (error) {
      const message = redact(describeError(error)) + (isSyncError(error) && error.hint ? ` ${redact(error.hint)}` : '');
      return { status: 'failed', line: `❌ The state was not saved: ${message}`, message };
    } finally {
      snapshot?.dispose();
    }
  }

  /** Stores the state; the summary line, or undefined when git found nothing to commit. */
  private async store(reason: SaveReason, snapshotFile: string | undefined, size: number): Promise<string | undefined> {
    const { dbRelative, log } = this.options;
    const why =
      reason === 'end'
        ? ''
        : reason === 'token'
          ? ' (a renewed sign-in token, saved at once)'
          : reason === 'signal'
            ? ' (the job was cancelled)'
            : ' (by the post step: the main step could not)';
    if (this.options.mode === 'git') {
      const result = await commitAndPushState({
        workspace: this.options.workspace,
        paths: [dbRelative],
        message: this.options.commitMessage,
        attempts: this.options.pushAttempts,
        fallbackBranch: this.options.fallbackBranch,
        backoffMs: this.options.backoffMs,
        log,
        ...(snapshotFile ? { snapshot: { path: dbRelative, file: snapshotFile } } : {}),
      });
      if (result.status === 'unchanged') return undefined;
      const rebased = result.rebased ? ` after rebasing onto newer commits (${result.attempts} attempts)` : '';
      return (
        `Database \`${dbRelative}\` (${formatSize(size)}) committed and pushed to ` +
        `\`${result.branch}\` (${result.sha.slice(0, 7)})${rebased}${why}.`
      );
    }
    const suffix = reason === 'post' ? `-post${this.saves}` : this.saves === 0 ? '' : `-${this.saves + 1}`;
    const result = await saveStateToCache(this.options.cache, suffix);
    if (result.status === 'failed') throw new Error(`saving the state to the cache failed: ${result.detail}`);
    return `State (${formatSize(size)}) saved to the cache as \`${result.key}\`${why}.`;
  }
}
