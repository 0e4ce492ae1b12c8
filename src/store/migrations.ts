/** Ordered, append-only: never edit a released migration; add a new one. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        outcome TEXT,
        dry_run INTEGER NOT NULL DEFAULT 0,
        full_scan INTEGER NOT NULL DEFAULT 0,
        counts_json TEXT
      );
      CREATE TABLE activities (
        platform TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        start_utc INTEGER NOT NULL,
        elapsed_sec REAL,
        distance_m REAL,
        sport_id TEXT NOT NULL,
        sport_family TEXT NOT NULL,
        sport_code TEXT NOT NULL,
        name TEXT,
        device TEXT,
        vendor TEXT NOT NULL,
        manual INTEGER NOT NULL DEFAULT 0,
        extra_json TEXT,
        first_seen_run INTEGER NOT NULL,
        last_seen_run INTEGER NOT NULL,
        gone_run INTEGER,
        PRIMARY KEY (platform, remote_id)
      ) WITHOUT ROWID;
      CREATE INDEX activities_by_start ON activities (platform, start_utc);
      CREATE TABLE links (
        platform_a TEXT NOT NULL,
        id_a TEXT NOT NULL,
        platform_b TEXT NOT NULL,
        id_b TEXT NOT NULL,
        reason TEXT NOT NULL,
        run_id INTEGER NOT NULL,
        PRIMARY KEY (platform_a, id_a, platform_b, id_b)
      ) WITHOUT ROWID;
      CREATE TABLE transfers (
        source_platform TEXT NOT NULL,
        source_id TEXT NOT NULL,
        target_platform TEXT NOT NULL,
        outcome TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        target_id TEXT,
        ticket TEXT,
        fit_sha256 TEXT,
        first_run INTEGER,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (source_platform, source_id, target_platform)
      ) WITHOUT ROWID;
      CREATE TABLE duplicate_decisions (
        platform TEXT NOT NULL,
        duplicate_id TEXT NOT NULL,
        kept_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        action TEXT NOT NULL,
        message TEXT,
        run_id INTEGER NOT NULL,
        decided_at TEXT NOT NULL,
        PRIMARY KEY (platform, duplicate_id)
      ) WITHOUT ROWID;
      CREATE TABLE listing_state (
        platform TEXT PRIMARY KEY,
        covered_from_utc INTEGER,
        complete INTEGER NOT NULL DEFAULT 0,
        last_full_scan_run INTEGER
      );
      CREATE TABLE platform_state (
        platform TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        sealed INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (platform, name)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'run metadata (notification heartbeat)',
    sql: `CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);`,
  },
  {
    version: 3,
    name: 'full scans by day (runs that change nothing may not be kept)',
    sql: `ALTER TABLE listing_state ADD COLUMN last_full_scan_day INTEGER;`,
  },
  {
    version: 4,
    name: 'ledger state machine, source problems, first sighting of duplicates, deletion backups',
    sql: `
      UPDATE transfers SET outcome = 'sending' WHERE outcome = 'in-flight';
      CREATE INDEX transfers_by_outcome ON transfers (outcome);
      CREATE TABLE source_problems (
        platform TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        problem TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        last_error TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (platform, remote_id)
      ) WITHOUT ROWID;
      ALTER TABLE duplicate_decisions ADD COLUMN first_run INTEGER;
      UPDATE duplicate_decisions SET first_run = run_id;
      CREATE TABLE deleted_backups (
        platform TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        activity_json TEXT NOT NULL,
        fit_gz BLOB,
        kept_id TEXT,
        run_id INTEGER NOT NULL,
        saved_at TEXT NOT NULL,
        deleted_at TEXT,
        restored_id TEXT,
        PRIMARY KEY (platform, remote_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    name: 'ledger rows found by the record they created; a record written only when it changed',
    sql: `
      CREATE INDEX transfers_by_target ON transfers (target_platform, target_id);
      CREATE INDEX links_by_reason ON links (reason);
      ALTER TABLE activities RENAME COLUMN last_seen_run TO changed_run;
    `,
  },
];
