import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';

/**
 * A digest of what the state files mean, so a run that changed nothing commits (or caches) nothing.
 * Every run appends a row to `runs` and stamps `*_at` times and last-seen run ids; those are
 * bookkeeping, not state. Run-id columns count only as set / not set (an activity that became
 * "gone" is a change; which run saw it last is not). Any other file is hashed byte for byte.
 */
const SKIPPED_TABLES = new Set(['runs']);
/**
 * Tables whose meaning is not their rows. `links` says which records are one workout: a link that
 * follows from existing ones (the two copies of one upload, matched a run later) changes nothing,
 * so the table counts as its groups (connected components), not its pairs or their reasons.
 */
const GROUPED_TABLES: Readonly<Record<string, (db: DatabaseSync) => string[]>> = { links: linkGroups };

/** Each group of linked records as one sorted line, the lines sorted. */
function linkGroups(db: DatabaseSync): string[] {
  const parent = new Map<string, string>();
  const find = (node: string): string => {
    let root = node;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    parent.set(node, root);
    return root;
  };
  const add = (node: string) => {
    if (!parent.has(node)) parent.set(node, node);
  };
  for (const row of db.prepare('SELECT platform_a, id_a, platform_b, id_b FROM links').iterate() as Iterable<
    Record<string, string>
  >) {
    const a = `${row.platform_a}:${row.id_a}`;
    const b = `${row.platform_b}:${row.id_b}`;
    add(a);
    add(b);
    const rootA = find(a);
    const rootB = find(b);
    if (rootA !== rootB) parent.set(rootA, rootB);
  }
  const groups = new Map<string, string[]>();
  for (const node of parent.keys()) {
    const root = find(node);
    groups.set(root, [...(groups.get(root) ?? []), node]);
  }
  return [...groups.values()].map((members) => JSON.stringify(members.sort())).sort();
}
const isTimestamp = (column: string) => /_at$/.test(column);
const isRunId = (column: string) => /(^|_)run(_id)?$/.test(column);
const SKIPPED_COLUMNS = new Set(['changed_run', 'last_seen_run']);
/**
 * Display details each listing refreshes (a platform's own name, device label, extra ids and the
 * device maker it reports for an uploaded copy). They are cache, not ledger: a run that only
 * learned how a platform labels the copies of the previous run has nothing worth a commit.
 */
const CACHE_COLUMNS: Readonly<Record<string, ReadonlySet<string>>> = {
  activities: new Set(['name', 'device', 'vendor', 'extra_json']),
};
/** Columns that only mean something in some rows: the expression that keeps what matters. */
const CONDITIONAL_COLUMNS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  // Once a listing reached the end of a platform's history, how far back it reaches is moot.
  listing_state: { covered_from_utc: 'CASE WHEN "complete" = 1 THEN NULL ELSE "covered_from_utc" END' },
};

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

function sqliteDigest(path: string, hash: ReturnType<typeof createHash>): void {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as Array<{ name: string }>;
    for (const { name } of tables) {
      if (SKIPPED_TABLES.has(name)) continue;
      const grouped = GROUPED_TABLES[name];
      if (grouped) {
        hash.update(`groups ${name}\n`);
        for (const line of grouped(db)) hash.update(line + '\n');
        continue;
      }
      const info = db.prepare(`PRAGMA table_info(${quote(name)})`).all() as Array<{ name: string; pk: number }>;
      const columns = info.map((column) => column.name);
      const selected = columns
        .filter((column) => !isTimestamp(column) && !SKIPPED_COLUMNS.has(column) && !CACHE_COLUMNS[name]?.has(column))
        .map(
          (column) =>
            CONDITIONAL_COLUMNS[name]?.[column] ?? (isRunId(column) ? `(${quote(column)} IS NOT NULL)` : quote(column)),
        );
      if (selected.length === 0) continue;
      hash.update(`table ${name}\n`);
      const statement = db.prepare(
        `SELECT ${selected.join(', ')} FROM ${quote(name)} ORDER BY ${rowOrder(info, selected)}`,
      );
      statement.setReturnArrays(true);
      for (const row of statement.iterate()) hash.update(JSON.stringify(row, bigintAsText) + '\n');
    }
  } finally {
    db.close();
  }
}

const bigintAsText = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);

/**
 * A total order of the rows: the primary key when every key column is hashed (SQLite walks the
 * key's index, no sort), else every hashed column.
 */
function rowOrder(info: ReadonlyArray<{ name: string; pk: number }>, selected: readonly string[]): string {
  const key = info
    .filter((column) => column.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((column) => quote(column.name));
  if (key.length > 0 && key.every((column) => selected.includes(column))) return key.join(', ');
  return selected.map((_column, index) => String(index + 1)).join(', ');
}

/** The 16-byte SQLite header, read without reading the file. */
function isSqlite(path: string): boolean {
  const header = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return header.toString('latin1') === 'SQLite format 3\u0000';
}

/** One digest for a list of state files (missing files count as absent). */
export function stateFingerprint(paths: readonly string[], names: readonly string[] = paths): string {
  const hash = createHash('sha256');
  for (const [index, path] of paths.entries()) {
    // The name, not the location: a snapshot of the database has the fingerprint of the database.
    hash.update(`file ${names[index] ?? path}\n`);
    if (!existsSync(path)) {
      hash.update('absent\n');
      continue;
    }
    if (isSqlite(path)) sqliteDigest(path, hash);
    else hash.update(readFileSync(path));
  }
  return hash.digest('hex');
}
