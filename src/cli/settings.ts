import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { PlatformId } from '../core/activity.ts';
import { parseDotEnv, type Lookup } from '../config/config.ts';
import { ConfigError } from '../core/errors.ts';
import { registerSecret } from '../core/secrets.ts';
import { booleanFlag, stringFlag, type FlagValues } from './args.ts';
import { checkDatabasePath, StoreReader, type DatabaseFileState } from './store-reader.ts';

export interface SettingsSource {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** Settings lookup: command-line flags, then the environment, then the settings file (.env by default). */
export function buildLookup(source: SettingsSource, flags: FlagValues): Lookup {
  const fileFlag = stringFlag(flags, 'settings-file');
  let fileValues = new Map<string, string>();
  const defaultFile = resolve(source.cwd, '.env');
  const file =
    fileFlag !== undefined ? resolve(source.cwd, fileFlag) : existsSync(defaultFile) ? defaultFile : undefined;
  if (file !== undefined) {
    if (!existsSync(file)) throw new ConfigError(`--settings-file ${fileFlag} does not exist; check the path`);
    if (statSync(file).isDirectory())
      throw new ConfigError(`--settings-file ${fileFlag ?? '.env'} is a folder; give the settings file itself`);
    fileValues = parseDotEnv(readFileSync(file, 'utf8'), fileFlag ?? '.env');
  }
  const yesNo = (name: string) => {
    const value = booleanFlag(flags, name);
    return value === undefined ? undefined : value ? '1' : '0';
  };
  const dbFlag = stringFlag(flags, 'db');
  const fromFlags: Record<string, string | undefined> = {
    DRY_RUN: yesNo('dry-run'),
    FULL_SCAN: yesNo('full-scan'),
    CONFIRM_DELETES: yesNo('confirm-deletes'),
    SYNC_DB_PATH: dbFlag === undefined ? undefined : resolve(source.cwd, dbFlag),
  };
  // Paths are relative to where the command runs (the defaults too), not to where Node was started.
  const paths: Record<string, string> = { SYNC_DB_PATH: 'db/sports_sync.sqlite', FIT_DIR: 'fit' };
  return (name) => {
    const value = fromFlags[name] ?? source.env[name] ?? fileValues.get(name);
    const fallback = paths[name];
    if (fallback === undefined) return value;
    const path = value !== undefined && value.trim() !== '' ? value.trim() : fallback;
    return isAbsolute(path) ? path : resolve(source.cwd, path);
  };
}

/** Which setting named the database, for messages. */
export function databaseSetting(flags: FlagValues): string {
  return stringFlag(flags, 'db') !== undefined ? '--db' : 'SYNC_DB_PATH';
}

export function databasePath(lookup: Lookup): string {
  const raw = lookup('SYNC_DB_PATH')?.trim();
  return raw ? raw : 'db/sports_sync.sqlite';
}

/** Checks the database path before anything is sent or written. */
export function checkDatabase(lookup: Lookup, flags: FlagValues): DatabaseFileState {
  return checkDatabasePath(databasePath(lookup), databaseSetting(flags));
}

// ---- the local key: seals the tokens of `login --for local` when no STATE_SECRET is set

/** Beside the database: `<db>.key`, readable only by the user. */
export function localKeyPath(dbPath: string): string {
  return `${dbPath}.key`;
}

export function readLocalKey(dbPath: string): string | undefined {
  const path = localKeyPath(dbPath);
  if (!existsSync(path)) return undefined;
  const key = readFileSync(path, 'utf8').trim();
  if (key.length < 32)
    throw new ConfigError(`${path} is damaged (too short); delete it and run \`node cli.js login --for local\` again`);
  registerSecret(key);
  return key;
}

/** Creates the local key once (atomically, mode 0600) and returns it. */
export function ensureLocalKey(dbPath: string): string {
  const existing = readLocalKey(dbPath);
  if (existing) return existing;
  const path = localKeyPath(dbPath);
  mkdirSync(dirname(path), { recursive: true });
  const key = randomBytes(32).toString('base64url');
  registerSecret(key);
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, key + '\n', { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
  return key;
}

// ---- the marker a local login leaves (plain, so it is readable without the key)

export const LOCAL_LOGIN_STATE = 'local_login';

export interface LocalLoginMarker {
  readonly signedInAt: string;
  readonly validUntil: string;
}

export function readLocalLogins(dbPath: string, state: DatabaseFileState): Map<PlatformId, LocalLoginMarker> {
  const found = new Map<PlatformId, LocalLoginMarker>();
  if (state.kind !== 'sqlite') return found;
  const reader = StoreReader.open(dbPath);
  try {
    for (const id of ['garmin_com', 'garmin_cn'] as const) {
      const raw = reader.plainState(id, LOCAL_LOGIN_STATE);
      if (!raw) continue;
      try {
        const marker = JSON.parse(raw) as LocalLoginMarker;
        if (typeof marker.validUntil === 'string') found.set(id, marker);
      } catch {
        // A damaged marker is as good as none: the run then asks for a login.
      }
    }
  } finally {
    reader.close();
  }
  return found;
}
