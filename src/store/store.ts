import { mkdirSync, existsSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Activity, DeviceVendor, PlatformId } from '../core/activity.ts';
import type { SportFamily } from '../core/sports.ts';
import type { ListingState } from '../core/listing-state.ts';
import { MIGRATIONS } from './migrations.ts';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  transition,
  type LedgerEntry,
  type LedgerEvent,
  type LedgerRowView,
  type LedgerState,
} from '../decide/ledger.ts';
import { deriveStateKey, seal, unseal, type PlatformState } from './state-box.ts';

export interface TransferRow extends LedgerRowView {
  readonly fitSha256: string | null;
}

export type SourceProblemKind = 'download-failed' | 'no-original' | 'broken-file';

export interface SourceProblemRow {
  readonly platform: PlatformId;
  readonly remoteId: string;
  readonly problem: SourceProblemKind;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly updatedAt: string;
}

export interface DeletionBackup {
  readonly activity: Activity;
  readonly fit: Uint8Array | null;
  readonly keptId: string | null;
  readonly runId: number;
  readonly savedAt: string;
  readonly deletedAt: string | null;
  readonly restoredId: string | null;
  /** A later listing no longer shows the record (the delete went through though its answer was lost). */
  readonly goneFromPlatform: boolean;
}

function toTransferRow(row: Record<string, unknown>): TransferRow {
  return {
    sourcePlatform: row.source_platform as PlatformId,
    sourceId: row.source_id as string,
    targetPlatform: row.target_platform as PlatformId,
    outcome: row.outcome as LedgerState,
    attempts: row.attempts as number,
    lastError: (row.last_error as string | null) ?? null,
    targetId: (row.target_id as string | null) ?? null,
    ticket: (row.ticket as string | null) ?? null,
    fitSha256: (row.fit_sha256 as string | null) ?? null,
    updatedAt: row.updated_at as string,
  };
}

export function entryOf(row: TransferRow): LedgerEntry {
  return {
    state: row.outcome,
    attempts: row.attempts,
    lastError: row.lastError,
    targetId: row.targetId,
    ticket: row.ticket,
    fitSha256: row.fitSha256,
  };
}

export type { ListingState } from '../core/listing-state.ts';

export interface LinkRow {
  readonly a: { readonly platform: PlatformId; readonly remoteId: string };
  readonly b: { readonly platform: PlatformId; readonly remoteId: string };
  readonly reason: string;
}

export interface DuplicateDecisionRow {
  readonly platform: PlatformId;
  readonly duplicateId: string;
  readonly keptId: string;
  readonly reason: string;
  readonly action: string;
  readonly message: string | null;
}

export interface RunRow {
  readonly id: number;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly outcome: string | null;
  readonly dryRun: boolean;
  readonly counts: Record<string, number> | null;
}

interface ActivityDbRow {
  platform: string;
  remote_id: string;
  start_utc: number;
  elapsed_sec: number | null;
  distance_m: number | null;
  sport_id: string;
  sport_family: string;
  sport_code: string;
  name: string | null;
  device: string | null;
  vendor: string;
  manual: number;
  extra_json: string | null;
  gone_run: number | null;
}

function rowToActivity(row: ActivityDbRow): Activity {
  return {
    platform: row.platform as PlatformId,
    remoteId: row.remote_id,
    startUtc: row.start_utc,
    elapsedSec: row.elapsed_sec,
    distanceM: row.distance_m,
    sport: { id: row.sport_id, family: row.sport_family as SportFamily, code: row.sport_code },
    name: row.name,
    device: row.device,
    vendor: row.vendor as DeviceVendor,
    manual: row.manual === 1,
    ...(row.extra_json ? { extra: JSON.parse(row.extra_json) as Activity['extra'] } : {}),
  };
}

// Loaded on first use, not at import: on a Node without node:sqlite the CLI can still say
// "needs Node 24" in one line instead of crashing while loading its modules.
const requireBuiltin = createRequire(import.meta.url);
function openDatabase(path: string): DatabaseSync {
  const sqlite = requireBuiltin('node:sqlite') as typeof import('node:sqlite');
  return new sqlite.DatabaseSync(path);
}

/**
 * Write-ahead logging for the run, where the filesystem allows it (it needs shared memory, which
 * some network and container mounts lack): else the rollback journal, synced on every commit.
 */
function enterWriteAhead(db: DatabaseSync): void {
  try {
    const row = db.prepare('PRAGMA journal_mode = WAL').get() as { journal_mode?: string } | undefined;
    if (row?.journal_mode === 'wal') {
      db.exec('PRAGMA synchronous = NORMAL');
      return;
    }
  } catch {
    // No write-ahead log on this filesystem: the rollback journal below works everywhere.
  }
  db.exec('PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL');
}

/**
 * Folds a write-ahead log into the file and returns it to rollback-journal mode. Another open
 * connection keeps the log (SQLITE_BUSY): its own close folds it in, and nothing is lost either way.
 */
function leaveWriteAhead(db: DatabaseSync): void {
  try {
    db.exec('PRAGMA journal_mode = DELETE');
  } catch {
    // Busy: the file stays in WAL mode until the last connection closes; it is complete then too.
  }
}

/**
 * Makes a database file that a killed process left in WAL mode one self-contained file again,
 * before it is copied, committed or cached (a copy of the file alone would miss the log).
 */
export function settleDatabaseFile(path: string): void {
  // No log, nothing to fold (and a file that is not a database is left alone).
  if (!existsSync(`${path}-wal`)) return;
  const db = openDatabase(path);
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    leaveWriteAhead(db);
  } finally {
    db.close();
  }
}

/** A listed record differs from the stored one (a steady run rewrites nothing: no pages, no log). */
const CHANGED_ACTIVITY = [
  'start_utc',
  'elapsed_sec',
  'distance_m',
  'sport_id',
  'sport_family',
  'sport_code',
  'name',
  'device',
  'vendor',
  'manual',
  'extra_json',
]
  .map((column) => `activities.${column} IS NOT excluded.${column}`)
  .concat('activities.gone_run IS NOT NULL')
  .join(' OR ');

/**
 * Removes the write-ahead log of a database file that is being replaced (restored from the cache,
 * or swapped for a snapshot). SQLite would replay a log left beside a file onto whatever file has
 * that name, so a log must never outlive the file it belongs to.
 */
export function discardWriteAheadLog(path: string): void {
  for (const suffix of ['-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

const ACTIVITY_COLUMNS =
  'platform, remote_id, start_utc, elapsed_sec, distance_m, sport_id, sport_family, sport_code, name, device, ' +
  'vendor, manual, extra_json, first_seen_run, changed_run, gone_run';
const TRANSFER_COLUMNS =
  'source_platform, source_id, target_platform, outcome, attempts, last_error, target_id, ticket, fit_sha256, ' +
  'first_run, updated_at';

/**
 * The SQLite store: a ledger plus a cache, never the only truth. While open it writes ahead (WAL,
 * where the filesystem allows): a commit is one append to the log, not a journal created, synced
 * and deleted, and a run commits before every upload. A commit is in the log before the next line
 * runs, so a killed process loses none; only a power cut can lose the last commits (synced at
 * checkpoints), and the next run's listing reconciles those as it does any lost answer. Closing
 * folds the log back into the file and returns it to rollback-journal mode, so the file at rest is
 * one self-contained file; after a kill the next opener (or `settleDatabaseFile`) replays the log.
 */
export class Store {
  readonly path: string;
  private readonly db: DatabaseSync;
  /** Statements prepared once per open database, reused by every call (preparing costs more than running). */
  private readonly statements = new Map<string, StatementSync>();
  private closed = false;

  private constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.db = db;
  }

  static open(path: string): Store {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = openDatabase(path);
    db.exec('PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
    enterWriteAhead(db);
    const store = new Store(path, db);
    store.migrate();
    return store;
  }

  private migrate(): void {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, ' +
        'applied_at TEXT NOT NULL)',
    );
    const applied = new Set(
      (this.prepared('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map(
        (row) => row.version,
      ),
    );
    const newest = Math.max(0, ...applied);
    const known = Math.max(...MIGRATIONS.map((migration) => migration.version));
    if (newest > known) {
      throw new Error(
        `${this.path} was written by a newer Sports Sync X (schema ${newest} > ${known}); upgrade before running`,
      );
    }
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      this.transaction(() => {
        this.db.exec(migration.sql);
        this.prepared('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          migration.version,
          migration.name,
          new Date().toISOString(),
        );
      });
    }
  }

  private prepared(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  schemaVersion(): number {
    const row = this.prepared('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    return row.v ?? 0;
  }

  /** Runs `body` in one durable commit; inside another transaction it joins that one. */
  transaction<T>(body: () => T): T {
    if (this.db.isTransaction) return body();
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = body();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  // ---- runs

  startRun(options: { dryRun: boolean; fullScan: boolean }): number {
    const result = this.prepared('INSERT INTO runs (started_at, dry_run, full_scan) VALUES (?, ?, ?)').run(
      new Date().toISOString(),
      options.dryRun ? 1 : 0,
      options.fullScan ? 1 : 0,
    );
    return Number(result.lastInsertRowid);
  }

  finishRun(runId: number, outcome: string, counts: Record<string, number>): void {
    this.prepared('UPDATE runs SET finished_at = ?, outcome = ?, counts_json = ? WHERE id = ?').run(
      new Date().toISOString(),
      outcome,
      JSON.stringify(counts),
      runId,
    );
  }

  runs(limit = 20): RunRow[] {
    const rows = this.prepared(
      'SELECT id, started_at, finished_at, outcome, dry_run, counts_json FROM runs ORDER BY id DESC LIMIT ?',
    ).all(limit) as Array<{
      id: number;
      started_at: string;
      finished_at: string | null;
      outcome: string | null;
      dry_run: number;
      counts_json: string | null;
    }>;
    return rows.map((row) => ({
      id: row.id,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      outcome: row.outcome,
      dryRun: row.dry_run === 1,
      counts: row.counts_json ? (JSON.parse(row.counts_json) as Record<string, number>) : null,
    }));
  }

  // ---- activities

  upsertActivities(runId: number, activities: readonly Activity[]): void {
    const statement = this.prepared(`
      INSERT INTO activities (${ACTIVITY_COLUMNS})
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
      ON CONFLICT (platform, remote_id) DO UPDATE SET
        start_utc = excluded.start_utc, elapsed_sec = excluded.elapsed_sec, distance_m = excluded.distance_m,
        sport_id = excluded.sport_id, sport_family = excluded.sport_family, sport_code = excluded.sport_code,
        name = excluded.name, device = excluded.device, vendor = excluded.vendor, manual = excluded.manual,
        extra_json = excluded.extra_json, changed_run = excluded.changed_run, gone_run = NULL
      WHERE ${CHANGED_ACTIVITY}`);
    this.transaction(() => {
      for (const a of activities) {
        statement.run(
          a.platform,
          a.remoteId,
          a.startUtc,
          a.elapsedSec,
          a.distanceM,
          a.sport.id,
          a.sport.family,
          a.sport.code,
          a.name,
          a.device,
          a.vendor,
          a.manual ? 1 : 0,
          a.extra ? JSON.stringify(a.extra) : null,
          runId,
          runId,
        );
      }
    });
  }

  /** Records not seen in a listing that covered their start time: deleted on the platform. */
  markGone(platform: PlatformId, fromUtc: number, seenIds: ReadonlySet<string>, runId: number): Activity[] {
    const rows = this.prepared(
      'SELECT * FROM activities WHERE platform = ? AND start_utc >= ? AND gone_run IS NULL',
    ).all(platform, fromUtc) as unknown as ActivityDbRow[];
    const gone = rows.filter((row) => !seenIds.has(row.remote_id));
    if (gone.length === 0) return [];
    const statement = this.prepared('UPDATE activities SET gone_run = ? WHERE platform = ? AND remote_id = ?');
    this.transaction(() => {
      for (const row of gone) statement.run(runId, platform, row.remote_id);
    });
    return gone.map(rowToActivity);
  }

  markOneGone(platform: PlatformId, remoteId: string, runId: number): void {
    this.prepared('UPDATE activities SET gone_run = ? WHERE platform = ? AND remote_id = ?').run(
      runId,
      platform,
      remoteId,
    );
  }

  /** Present (not gone) records of a platform, newest first, at most `limit`. */
  presentActivities(platform: PlatformId, limit = Number.MAX_SAFE_INTEGER): Activity[] {
    return this.activitiesWhere('gone_run IS NULL ORDER BY start_utc DESC LIMIT ?', platform, limit);
  }

  /** Present records of a platform starting at or after `fromUtc`, newest first (the window, by index). */
  presentActivitiesSince(platform: PlatformId, fromUtc: number): Activity[] {
    return this.activitiesWhere('gone_run IS NULL AND start_utc >= ? ORDER BY start_utc DESC', platform, fromUtc);
  }

  /** Start of the `n`-th newest present record when the platform holds more than `n` (else undefined). */
  windowCut(platform: PlatformId, n: number): number | undefined {
    const rows = this.prepared(
      'SELECT start_utc FROM activities WHERE platform = ? AND gone_run IS NULL ' +
        'ORDER BY start_utc DESC LIMIT 2 OFFSET ?',
    ).all(platform, n - 1) as Array<{ start_utc: number }>;
    return rows.length === 2 ? rows[0]!.start_utc : undefined;
  }

  /** A record by id, present or gone. */
  activityById(platform: PlatformId, remoteId: string): Activity | undefined {
    return this.activitiesWhere('remote_id = ?', platform, remoteId)[0];
  }

  /** Present records of a platform starting between `fromUtc` and `toUtc` (inclusive), by index. */
  presentActivitiesBetween(platform: PlatformId, fromUtc: number, toUtc: number): Activity[] {
    return this.activitiesWhere('gone_run IS NULL AND start_utc BETWEEN ? AND ?', platform, fromUtc, toUtc);
  }

  goneActivities(platform: PlatformId, sinceUtc: number): Activity[] {
    return this.activitiesWhere('gone_run IS NOT NULL AND start_utc >= ?', platform, sinceUtc);
  }

  /** A platform's records that meet `condition` (SQL after the platform, with its parameters). */
  private activitiesWhere(condition: string, platform: PlatformId, ...parameters: Array<string | number>): Activity[] {
    const rows = this.prepared(`SELECT * FROM activities WHERE platform = ? AND ${condition}`).all(
      platform,
      ...parameters,
    ) as unknown as ActivityDbRow[];
    return rows.map(rowToActivity);
  }

  /** Whether a present record is stored, one indexed look-up per id (never all ids of the history). */
  knownIds(platform: PlatformId): { has(remoteId: string): boolean } {
    const lookup = this.prepared('SELECT 1 FROM activities WHERE platform = ? AND remote_id = ? AND gone_run IS NULL');
    return { has: (remoteId) => lookup.get(platform, remoteId) !== undefined };
  }

  activityCount(platform: PlatformId): number {
    const row = this.prepared('SELECT COUNT(*) AS n FROM activities WHERE platform = ? AND gone_run IS NULL').get(
      platform,
    ) as { n: number };
    return row.n;
  }

  // ---- listing state

  listingState(platform: PlatformId): ListingState {
    const row = this.prepared(
      'SELECT covered_from_utc, complete, last_full_scan_run, last_full_scan_day FROM listing_state WHERE platform = ?',
    ).get(platform) as
      | {
          covered_from_utc: number | null;
          complete: number;
          last_full_scan_run: number | null;
          last_full_scan_day: number | null;
        }
      | undefined;
    return {
      platform,
      coveredFromUtc: row?.covered_from_utc ?? null,
      complete: row?.complete === 1,
      lastFullScanRun: row?.last_full_scan_run ?? null,
      lastFullScanDay: row?.last_full_scan_day ?? null,
    };
  }

  setListingState(state: ListingState): void {
    this.prepared(
      `INSERT INTO listing_state (platform, covered_from_utc, complete, last_full_scan_run, last_full_scan_day) ` +
        `VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (platform) DO UPDATE SET ` +
        `covered_from_utc = excluded.covered_from_utc, complete = excluded.complete,
           last_full_scan_run = excluded.last_full_scan_run, last_full_scan_day = excluded.last_full_scan_day`,
    ).run(state.platform, state.coveredFromUtc, state.complete ? 1 : 0, state.lastFullScanRun, state.lastFullScanDay);
  }

  // ---- links

  recordLinks(runId: number, links: readonly LinkRow[]): void {
    const statement = this.prepared(
      // The first reason stays: "uploaded from …" says more than the later start-time match.
      `INSERT INTO links (platform_a, id_a, platform_b, id_b, reason, run_id) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (platform_a, id_a, platform_b, id_b) DO NOTHING`,
    );
    this.transaction(() => {
      for (const link of links) {
        const [first, second] =
          `${link.a.platform}:${link.a.remoteId}` < `${link.b.platform}:${link.b.remoteId}`
            ? [link.a, link.b]
            : [link.b, link.a];
        statement.run(first.platform, first.remoteId, second.platform, second.remoteId, link.reason, runId);
      }
    });
  }

  /** Why a record was linked to others, one reason per link. */
  linkReasons(record: Pick<Activity, 'platform' | 'remoteId'>): string[] {
    const rows = this.prepared(
      'SELECT reason FROM links WHERE (platform_a = ? AND id_a = ?) OR (platform_b = ? AND id_b = ?)',
    ).all(record.platform, record.remoteId, record.platform, record.remoteId) as Array<{ reason: string }>;
    return rows.map((row) => row.reason);
  }

  /** Keys (platform:id) of every record that was once linked as a time-zone suspect (one query a run). */
  suspectLinkKeys(): Set<string> {
    // A range on the indexed reason: the cost follows the suspects, not every link of the history.
    const rows = this.prepared(
      'SELECT platform_a, id_a, platform_b, id_b FROM links ' +
        "WHERE reason >= 'time-zone suspect' AND reason < 'time-zone suspecu'",
    ).all() as Array<Record<string, string>>;
    const keys = new Set<string>();
    for (const row of rows) {
      keys.add(`${row.platform_a}:${row.id_a}`);
      keys.add(`${row.platform_b}:${row.id_b}`);
    }
    return keys;
  }

  linkCount(): number {
    return (this.prepared('SELECT COUNT(*) AS n FROM links').get() as { n: number }).n;
  }

  // ---- transfer ledger

  transfers(): TransferRow[] {
    const rows = this.prepared('SELECT * FROM transfers').all() as Array<Record<string, unknown>>;
    return rows.map(toTransferRow);
  }

  /** Ledger rows that wait for a listing (interrupted or delivered without an id), by index. */
  unsettledTransfers(): TransferRow[] {
    // Both halves by index (outcome; target and id), so the delivered history is never scanned.
    const rows = this.prepared(
      "SELECT * FROM transfers WHERE outcome = 'sending' UNION " +
        'SELECT * FROM transfers INDEXED BY transfers_by_target ' +
        "WHERE target_platform IN ('garmin_com', 'garmin_cn', 'coros') " +
        "AND target_id IS NULL AND outcome IN ('created', 'duplicate')",
    ).all() as Array<Record<string, unknown>>;
    return rows.map(toTransferRow);
  }

  /**
   * The ledger rows a run needs: those whose source or created record is one of `records` (the
   * window), and every unsettled one. Looked up by key, so the cost follows the window, not the history.
   */
  transfersFor(records: Iterable<Pick<Activity, 'platform' | 'remoteId'>>): TransferRow[] {
    const bySource = this.prepared('SELECT * FROM transfers WHERE source_platform = ? AND source_id = ?');
    const byTarget = this.prepared('SELECT * FROM transfers WHERE target_platform = ? AND target_id = ?');
    const found = new Map<string, TransferRow>();
    const add = (rows: readonly TransferRow[]) => {
      for (const row of rows) found.set(`${row.sourcePlatform}:${row.sourceId}>${row.targetPlatform}`, row);
    };
    const read = (statement: StatementSync, record: Pick<Activity, 'platform' | 'remoteId'>) =>
      (statement.all(record.platform, record.remoteId) as Array<Record<string, unknown>>).map(toTransferRow);
    for (const record of records) add([...read(bySource, record), ...read(byTarget, record)]);
    add(this.unsettledTransfers());
    return [...found.values()];
  }

  private transferRow(source: Pick<Activity, 'platform' | 'remoteId'>, target: PlatformId): TransferRow | undefined {
    const row = this.prepared(
      'SELECT * FROM transfers WHERE source_platform = ? AND source_id = ? AND target_platform = ?',
    ).get(source.platform, source.remoteId, target) as Record<string, unknown> | undefined;
    return row ? toTransferRow(row) : undefined;
  }

  /** Applies one ledger event (pure transition) and writes the result durably; returns the new entry. */
  applyLedgerEvent(
    source: Pick<Activity, 'platform' | 'remoteId'>,
    target: PlatformId,
    event: LedgerEvent,
    runId: number,
  ): LedgerEntry {
    return this.transaction(() => {
      const current = this.transferRow(source, target);
      const next = transition(current ? entryOf(current) : null, event);
      this.prepared(
        `INSERT INTO transfers (${TRANSFER_COLUMNS})
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (source_platform, source_id, target_platform) DO UPDATE SET ` +
          `outcome = excluded.outcome, attempts = excluded.attempts,
             last_error = excluded.last_error, target_id = excluded.target_id, ticket = excluded.ticket, ` +
          `fit_sha256 = excluded.fit_sha256,
             updated_at = excluded.updated_at`,
      ).run(
        source.platform,
        source.remoteId,
        target,
        next.state,
        next.attempts,
        next.lastError,
        next.targetId,
        next.ticket,
        next.fitSha256,
        runId,
        new Date().toISOString(),
      );
      return next;
    });
  }

  /** For tests and migrations of old data: writes a ledger row as it is. */
  recordTransferOutcome(
    source: Pick<Activity, 'platform' | 'remoteId'>,
    target: PlatformId,
    outcome: LedgerState,
    details: { targetId?: string | null; ticket?: string | null; error?: string | null; attempts?: number },
  ): void {
    this.prepared(
      `INSERT INTO transfers (${TRANSFER_COLUMNS})
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)
         ON CONFLICT (source_platform, source_id, target_platform) DO UPDATE SET ` +
        `outcome = excluded.outcome, last_error = excluded.last_error,
           attempts = excluded.attempts, target_id = COALESCE(excluded.target_id, transfers.target_id), ` +
        `ticket = excluded.ticket, updated_at = excluded.updated_at`,
    ).run(
      source.platform,
      source.remoteId,
      target,
      outcome,
      details.attempts ?? 1,
      details.error ?? null,
      details.targetId ?? null,
      details.ticket ?? null,
      new Date().toISOString(),
    );
  }

  // ---- source problems (download failures, no original, broken files): never a target's fault

  sourceProblems(): SourceProblemRow[] {
    const rows = this.prepared(
      'SELECT platform, remote_id, problem, attempts, last_error, updated_at FROM source_problems',
    ).all() as Array<Record<string, unknown>>;
    return rows.map((row) => ({
      platform: row.platform as PlatformId,
      remoteId: row.remote_id as string,
      problem: row.problem as SourceProblemKind,
      attempts: row.attempts as number,
      lastError: (row.last_error as string | null) ?? null,
      updatedAt: row.updated_at as string,
    }));
  }

  recordSourceProblem(
    source: Pick<Activity, 'platform' | 'remoteId'>,
    problem: SourceProblemKind,
    message: string,
  ): void {
    this.prepared(
      `INSERT INTO source_problems (platform, remote_id, problem, attempts, last_error, updated_at) ` +
        `VALUES (?, ?, ?, 1, ?, ?)
         ON CONFLICT (platform, remote_id) DO UPDATE SET ` +
        `problem = excluded.problem, attempts = source_problems.attempts + 1,
           last_error = excluded.last_error, updated_at = excluded.updated_at`,
    ).run(source.platform, source.remoteId, problem, message, new Date().toISOString());
  }

  clearSourceProblem(source: Pick<Activity, 'platform' | 'remoteId'>): void {
    this.prepared('DELETE FROM source_problems WHERE platform = ? AND remote_id = ?').run(
      source.platform,
      source.remoteId,
    );
  }

  // ---- deletion backups: the FIT of a deleted duplicate, kept in the state itself

  saveDeletionBackup(activity: Activity, fit: Uint8Array | null, keptId: string, runId: number): void {
    this.prepared(
      `INSERT INTO deleted_backups ` +
        `(platform, remote_id, activity_json, fit_gz, kept_id, run_id, saved_at, deleted_at, restored_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)
         ON CONFLICT (platform, remote_id) DO UPDATE SET ` +
        `activity_json = excluded.activity_json, fit_gz = excluded.fit_gz,
           kept_id = excluded.kept_id, run_id = excluded.run_id, saved_at = excluded.saved_at`,
    ).run(
      activity.platform,
      activity.remoteId,
      JSON.stringify(activity),
      fit ? gzipSync(fit) : null,
      keptId,
      runId,
      new Date().toISOString(),
    );
  }

  markBackupDeleted(platform: PlatformId, remoteId: string): void {
    this.prepared('UPDATE deleted_backups SET deleted_at = ? WHERE platform = ? AND remote_id = ?').run(
      new Date().toISOString(),
      platform,
      remoteId,
    );
  }

  markBackupRestored(platform: PlatformId, remoteId: string, restoredId: string): void {
    this.prepared('UPDATE deleted_backups SET restored_id = ? WHERE platform = ? AND remote_id = ?').run(
      restoredId,
      platform,
      remoteId,
    );
  }

  deletionBackups(): DeletionBackup[] {
    const rows = this.prepared(
      'SELECT b.*, a.gone_run FROM deleted_backups b ' +
        'LEFT JOIN activities a ON a.platform = b.platform AND a.remote_id = b.remote_id ORDER BY b.saved_at DESC',
    ).all() as Array<Record<string, unknown>>;
    return rows.map((row) => ({
      activity: JSON.parse(row.activity_json as string) as Activity,
      fit: row.fit_gz ? new Uint8Array(gunzipSync(row.fit_gz as Uint8Array)) : null,
      keptId: (row.kept_id as string | null) ?? null,
      runId: row.run_id as number,
      savedAt: row.saved_at as string,
      deletedAt: (row.deleted_at as string | null) ?? null,
      restoredId: (row.restored_id as string | null) ?? null,
      goneFromPlatform: row.gone_run !== null && row.gone_run !== undefined,
    }));
  }

  /** Records restored by `undo` (their platform and start): the user wants them, never deleted again. */
  restoredRecords(): Array<{ platform: PlatformId; startUtc: number }> {
    const rows = this.prepared(
      'SELECT activity_json FROM deleted_backups WHERE restored_id IS NOT NULL',
    ).all() as Array<{ activity_json: string }>;
    return rows.map((row) => {
      const activity = JSON.parse(row.activity_json) as Activity;
      return { platform: activity.platform, startUtc: activity.startUtc };
    });
  }

  /** Drops backups older than `days` (and backups of deletions that never happened). */
  pruneDeletionBackups(days: number, now = Date.now()): number {
    const cutoff = new Date(now - days * 86_400_000).toISOString();
    const result = this.prepared('DELETE FROM deleted_backups WHERE saved_at < ?').run(cutoff);
    return Number(result.changes);
  }

  // ---- duplicate decisions

  recordDuplicateDecision(runId: number, decision: DuplicateDecisionRow): void {
    // first_run stays while the same record is kept: a deletion needs a second sighting in a later run.
    this.prepared(
      `INSERT INTO duplicate_decisions ` +
        `(platform, duplicate_id, kept_id, reason, action, message, run_id, decided_at, first_run) ` +
        `VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (platform, duplicate_id) DO UPDATE SET ` +
        `kept_id = excluded.kept_id, reason = excluded.reason, action = excluded.action, message = excluded.message, ` +
        `run_id = excluded.run_id, decided_at = excluded.decided_at,
           first_run = CASE WHEN duplicate_decisions.kept_id = excluded.kept_id ` +
        `THEN duplicate_decisions.first_run ELSE excluded.first_run END`,
    ).run(
      decision.platform,
      decision.duplicateId,
      decision.keptId,
      decision.reason,
      decision.action,
      decision.message,
      runId,
      new Date().toISOString(),
      runId,
    );
  }

  /** The run that first found this record a duplicate of the same kept record, if any. */
  duplicateFirstSeen(platform: PlatformId, duplicateId: string, keptId: string): number | undefined {
    const row = this.prepared(
      'SELECT first_run, kept_id FROM duplicate_decisions WHERE platform = ? AND duplicate_id = ?',
    ).get(platform, duplicateId) as { first_run: number | null; kept_id: string } | undefined;
    return row && row.kept_id === keptId && row.first_run !== null ? row.first_run : undefined;
  }

  duplicateDecisions(): DuplicateDecisionRow[] {
    const rows = this.prepared(
      'SELECT platform, duplicate_id, kept_id, reason, action, message FROM duplicate_decisions',
    ).all() as Array<Record<string, string | null>>;
    return rows.map((row) => ({
      platform: row.platform as PlatformId,
      duplicateId: row.duplicate_id!,
      keptId: row.kept_id!,
      reason: row.reason!,
      action: row.action!,
      message: row.message ?? null,
    }));
  }

  // ---- run metadata

  getMeta(name: string): string | undefined {
    const row = this.prepared('SELECT value FROM meta WHERE name = ?').get(name) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(name: string, value: string | undefined): void {
    if (value === undefined) this.prepared('DELETE FROM meta WHERE name = ?').run(name);
    else
      this.prepared(
        'INSERT INTO meta (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) ' +
          'DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      ).run(name, value, new Date().toISOString());
  }

  // ---- platform state (plain and sealed)

  platformState(platform: PlatformId, keyMaterial: string | Buffer): PlatformState {
    const key = typeof keyMaterial === 'string' ? deriveStateKey(keyMaterial) : keyMaterial;
    const read = this.prepared('SELECT value, sealed FROM platform_state WHERE platform = ? AND name = ?');
    const write = this.prepared(
      `INSERT INTO platform_state (platform, name, value, sealed, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (platform, name) DO UPDATE SET ` +
        `value = excluded.value, sealed = excluded.sealed, updated_at = excluded.updated_at`,
    );
    const remove = this.prepared('DELETE FROM platform_state WHERE platform = ? AND name = ?');
    const aad = (name: string) => `${platform}/${name}`;
    return {
      getPlain: (name) => {
        const row = read.get(platform, name) as { value: string; sealed: number } | undefined;
        return row && row.sealed === 0 ? row.value : undefined;
      },
      setPlain: (name, value) => {
        if (value === undefined) remove.run(platform, name);
        else write.run(platform, name, value, 0, new Date().toISOString());
      },
      getSecret: (name) => {
        const row = read.get(platform, name) as { value: string; sealed: number } | undefined;
        return row && row.sealed === 1 ? unseal(key, row.value, aad(name)) : undefined;
      },
      setSecret: (name, value) => {
        if (value === undefined) remove.run(platform, name);
        else write.run(platform, name, seal(key, value, aad(name)), 1, new Date().toISOString());
      },
    };
  }

  /** Every sealed value's platform and name (to reseal them under a new key). */
  sealedStateNames(): { platform: PlatformId; name: string }[] {
    const rows = this.prepared(
      'SELECT platform, name FROM platform_state WHERE sealed = 1 ORDER BY platform, name',
    ).all();
    return rows as unknown as { platform: PlatformId; name: string }[];
  }

  /** Closes the database; the file left behind is complete on its own. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    leaveWriteAhead(this.db);
    this.db.close();
  }

  /** Writes a compacted standalone copy (VACUUM INTO) and moves it over `destination`. */
  writeCompactCopy(destination: string): void {
    const temporary = `${destination}.tmp-${process.pid}`;
    if (existsSync(temporary)) rmSync(temporary);
    this.prepared('VACUUM INTO ?').run(temporary);
    renameSync(temporary, destination);
  }
}
