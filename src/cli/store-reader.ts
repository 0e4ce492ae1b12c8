import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { PlatformId } from '../core/activity.ts';
import { ConfigError } from '../core/errors.ts';
import { MIGRATIONS } from '../store/migrations.ts';
import type { RunRow } from '../store/store.ts';

/**
 * Read-only access to the database for `status`, `doctor` and the checks before a run: opened
 * with readOnly, never migrated, so looking never writes (a run may be writing at the same time).
 */

const SQLITE_MAGIC = 'SQLite format 3\u0000';
const requireBuiltin = createRequire(import.meta.url);

export const NEWEST_SCHEMA = Math.max(...MIGRATIONS.map((migration) => migration.version));

/** What is at the database path, decided before anything opens or creates it. */
export type DatabaseFileState = { readonly kind: 'absent' } | { readonly kind: 'sqlite'; readonly schema: number };

/**
 * Checks the database path as a setting: a folder, a file that is not SQLite, a schema newer than
 * this version, or a parent that is a file are settings errors naming `setting`; nothing is written.
 */
export function checkDatabasePath(path: string, setting: string): DatabaseFileState {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    stats = undefined;
  }
  if (!stats) {
    const parent = parentProblem(path);
    if (parent)
      throw new ConfigError(
        `${setting}="${path}": ${parent}; give a file path in a folder, e.g. db/sports_sync.sqlite`,
      );
    return { kind: 'absent' };
  }
  if (stats.isDirectory())
    throw new ConfigError(
      `${setting}="${path}" is a folder, not a database file; use a file inside it, e.g. ` +
        `${setting === '--db' ? '--db ' : 'SYNC_DB_PATH='}${path.replace(/\/$/, '')}/sports_sync.sqlite`,
    );
  if (!stats.isFile())
    throw new ConfigError(`${setting}="${path}" is not a regular file; point it at a SQLite database file`);
  if (stats.size === 0) return { kind: 'absent' };
  const head = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1') !== SQLITE_MAGIC)
    throw new ConfigError(
      `${setting}="${path}" is not a Sports Sync X database (not SQLite); point it at another file or move that ` +
        'file away',
    );
  const reader = StoreReader.open(path);
  try {
    const schema = reader.schemaVersion();
    if (schema > NEWEST_SCHEMA)
      throw new ConfigError(
        `${setting}="${path}" was written by a newer Sports Sync X (schema ${schema}, this one knows ` +
          `${NEWEST_SCHEMA}); fetch the newest cli.js, or use another database file`,
      );
    return { kind: 'sqlite', schema };
  } finally {
    reader.close();
  }
}

function parentProblem(path: string): string | undefined {
  let folder = dirname(path);
  for (let depth = 0; depth < 64; depth++) {
    try {
      const stats = statSync(folder);
      return stats.isDirectory() ? undefined : `"${folder}" is a file, so no folder can be made there`;
    } catch {
      const up = dirname(folder);
      if (up === folder) return undefined;
      folder = up;
    }
  }
  return undefined;
}

/** A run as the store records it. */
export type RunSummaryRow = RunRow;

export interface TransferSummaryRow {
  readonly sourcePlatform: PlatformId;
  readonly sourceId: string;
  readonly targetPlatform: PlatformId;
  readonly outcome: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly updatedAt: string;
  readonly startUtc: number | null;
  readonly sportId: string | null;
}

export class StoreReader {
  private readonly db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.db = db;
  }

  static open(path: string): StoreReader {
    const sqlite = requireBuiltin('node:sqlite') as typeof import('node:sqlite');
    try {
      return new StoreReader(new sqlite.DatabaseSync(path, { readOnly: true }));
    } catch (error) {
      throw new ConfigError(
        `the database "${path}" cannot be opened (${(error as Error).message}); check the path and its permissions`,
      );
    }
  }

  private hasTable(name: string): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  }

  schemaVersion(): number {
    if (!this.hasTable('schema_migrations')) return 0;
    const row = this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    return row.v ?? 0;
  }

  activityCount(platform: PlatformId): number {
    if (!this.hasTable('activities')) return 0;
    return (
      this.db.prepare('SELECT COUNT(*) AS n FROM activities WHERE platform = ? AND gone_run IS NULL').get(platform) as {
        n: number;
      }
    ).n;
  }

  listedBackTo(platform: PlatformId): { coveredFromUtc: number | null; complete: boolean } {
    if (!this.hasTable('listing_state')) return { coveredFromUtc: null, complete: false };
    const row = this.db
      .prepare('SELECT covered_from_utc, complete FROM listing_state WHERE platform = ?')
      .get(platform) as { covered_from_utc: number | null; complete: number } | undefined;
    return { coveredFromUtc: row?.covered_from_utc ?? null, complete: row?.complete === 1 };
  }

  runs(limit: number): RunSummaryRow[] {
    if (!this.hasTable('runs')) return [];
    const rows = this.db
      .prepare('SELECT id, started_at, finished_at, outcome, dry_run, counts_json FROM runs ORDER BY id DESC LIMIT ?')
      .all(limit) as Array<Record<string, unknown>>;
    return rows.map((row) => ({
      id: Number(row.id),
      startedAt: String(row.started_at),
      finishedAt: (row.finished_at as string | null) ?? null,
      outcome: (row.outcome as string | null) ?? null,
      dryRun: row.dry_run === 1,
      counts: typeof row.counts_json === 'string' ? (JSON.parse(row.counts_json) as Record<string, number>) : null,
    }));
  }

  /** Transfers with the source activity's sport and start, for plain descriptions. */
  transfers(): TransferSummaryRow[] {
    if (!this.hasTable('transfers')) return [];
    const rows = this.db
      .prepare(
        'SELECT t.source_platform, t.source_id, t.target_platform, t.outcome, t.attempts, t.last_error, ' +
          `t.updated_at, a.start_utc, a.sport_id
         FROM transfers t LEFT JOIN activities a ON a.platform = t.source_platform AND a.remote_id = t.source_id`,
      )
      .all() as Array<Record<string, unknown>>;
    return rows.map((row) => ({
      sourcePlatform: row.source_platform as PlatformId,
      sourceId: String(row.source_id),
      targetPlatform: row.target_platform as PlatformId,
      outcome: String(row.outcome),
      attempts: Number(row.attempts),
      lastError: (row.last_error as string | null) ?? null,
      updatedAt: String(row.updated_at),
      startUtc:
        typeof row.start_utc === 'number' ? row.start_utc : row.start_utc == null ? null : Number(row.start_utc),
      sportId: (row.sport_id as string | null) ?? null,
    }));
  }

  /** One platform state value as stored, plain or sealed. */
  private stateValue(platform: PlatformId, name: string, sealed: boolean): string | undefined {
    if (!this.hasTable('platform_state')) return undefined;
    const row = this.db
      .prepare('SELECT value FROM platform_state WHERE platform = ? AND name = ? AND sealed = ?')
      .get(platform, name, sealed ? 1 : 0) as { value: string } | undefined;
    return row?.value;
  }

  /** A plain (unsealed) platform state value: login pauses, the local-login marker. */
  plainState(platform: PlatformId, name: string): string | undefined {
    return this.stateValue(platform, name, false);
  }

  /** Every plain value of one platform (copied into a login's in-memory state). */
  plainStates(platform: PlatformId): Map<string, string> {
    if (!this.hasTable('platform_state')) return new Map();
    const rows = this.db
      .prepare('SELECT name, value FROM platform_state WHERE platform = ? AND sealed = 0')
      .all(platform) as Array<{ name: string; value: string }>;
    return new Map(rows.map((row) => [row.name, row.value]));
  }

  /** The sealed box as stored (the caller unseals it with the key it has). */
  sealedState(platform: PlatformId, name: string): string | undefined {
    return this.stateValue(platform, name, true);
  }

  hasSealed(platform: PlatformId, name: string): boolean {
    return this.sealedState(platform, name) !== undefined;
  }

  /** Source records that could not give their file (schema 4 on). */
  sourceProblems(): Array<{
    platform: PlatformId;
    remoteId: string;
    problem: string;
    attempts: number;
    lastError: string | null;
    updatedAt: string;
  }> {
    if (!this.hasTable('source_problems')) return [];
    const rows = this.db
      .prepare('SELECT platform, remote_id, problem, attempts, last_error, updated_at FROM source_problems')
      .all() as Array<Record<string, unknown>>;
    return rows.map((row) => ({
      platform: row.platform as PlatformId,
      remoteId: String(row.remote_id),
      problem: String(row.problem),
      attempts: Number(row.attempts),
      lastError: (row.last_error as string | null) ?? null,
      updatedAt: String(row.updated_at),
    }));
  }

  meta(name: string): string | undefined {
    try {
      const row = this.db.prepare('SELECT value FROM meta WHERE name = ?').get(name) as { value: string } | undefined;
      return row?.value;
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.db.close();
  }
}
