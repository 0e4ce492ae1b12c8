import { NOTIFY_VARIABLES } from './notify-config.ts';
import type { Lookup } from './read-values.ts';

/**
 * Setting names of the peer tools accepted where they mean the same as ours, so a user moving from
 * garmin-sync-coros or dailysync renames nothing. Our own name always wins.
 */
export interface SettingAlias {
  /** Our name. */
  readonly ours: string;
  /** The peer tool's name. */
  readonly peer: string;
  readonly tool: 'garmin-sync-coros' | 'dailysync';
  /** When the peer name means ours (e.g. only with GARMIN_AUTH_DOMAIN=CN). */
  readonly when?: (lookup: Lookup) => boolean;
}

const present = (lookup: Lookup, name: string) => (lookup(name)?.trim() ?? '') !== '';
/** garmin-sync-coros: GARMIN_AUTH_DOMAIN=CN means garmin.cn; COM or unset means garmin.com. */
const chinaDomain = (lookup: Lookup) =>
  /^(cn|garmincn|garmin\.cn|china)$/i.test(lookup('GARMIN_AUTH_DOMAIN')?.trim() ?? '');

export const SETTING_ALIASES: readonly SettingAlias[] = [
  // garmin-sync-coros: one Garmin account, its region in GARMIN_AUTH_DOMAIN.
  { ours: 'GARMIN_EMAIL_COM', peer: 'GARMIN_EMAIL', tool: 'garmin-sync-coros', when: (lookup) => !chinaDomain(lookup) },
  {
    ours: 'GARMIN_PASSWORD_COM',
    peer: 'GARMIN_PASSWORD',
    tool: 'garmin-sync-coros',
    when: (lookup) => !chinaDomain(lookup) && present(lookup, 'GARMIN_EMAIL'),
  },
  { ours: 'GARMIN_EMAIL_CN', peer: 'GARMIN_EMAIL', tool: 'garmin-sync-coros', when: chinaDomain },
  {
    ours: 'GARMIN_PASSWORD_CN',
    peer: 'GARMIN_PASSWORD',
    tool: 'garmin-sync-coros',
    when: (lookup) => chinaDomain(lookup) && present(lookup, 'GARMIN_EMAIL'),
  },
  // dailysync: GARMIN_USERNAME/GARMIN_PASSWORD is the garmin.cn account, GARMIN_GLOBAL_* the garmin.com one.
  { ours: 'GARMIN_EMAIL_CN', peer: 'GARMIN_USERNAME', tool: 'dailysync' },
  {
    ours: 'GARMIN_PASSWORD_CN',
    peer: 'GARMIN_PASSWORD',
    tool: 'dailysync',
    when: (lookup) => present(lookup, 'GARMIN_USERNAME') && !present(lookup, 'GARMIN_EMAIL'),
  },
  { ours: 'GARMIN_EMAIL_COM', peer: 'GARMIN_GLOBAL_USERNAME', tool: 'dailysync' },
  { ours: 'GARMIN_PASSWORD_COM', peer: 'GARMIN_GLOBAL_PASSWORD', tool: 'dailysync' },
];

/** Names the peers use that are read here (for "did you mean" and the docs). */
export const ALIAS_NAMES: readonly string[] = [
  ...new Set([...SETTING_ALIASES.map((alias) => alias.peer), 'GARMIN_AUTH_DOMAIN']),
];

/** A lookup that answers our names from the peers' names when ours are not set. */
export function withAliases(lookup: Lookup): Lookup {
  return (name) => {
    const own = lookup(name);
    if (own !== undefined && own.trim() !== '') return own;
    for (const alias of SETTING_ALIASES) {
      if (alias.ours !== name || (alias.when && !alias.when(lookup))) continue;
      const value = lookup(alias.peer);
      if (value !== undefined && value.trim() !== '') return value;
    }
    return own;
  };
}

/** Every setting name this project reads (the Action's own variables included). */
export const KNOWN_SETTINGS: readonly string[] = [
  'SYNC_PLATFORM',
  'SYNC_ROUTES',
  'SYNC_SINCE',
  'SYNC_LANGUAGE',
  'GARMIN_EMAIL_COM',
  'GARMIN_PASSWORD_COM',
  'GARMIN_TOKEN_COM',
  'GARMIN_EMAIL_CN',
  'GARMIN_PASSWORD_CN',
  'GARMIN_TOKEN_CN',
  'COROS_EMAIL',
  'COROS_PASSWORD',
  'GARMIN_NEWEST_NUM',
  'SPORT_DIFF_SECOND',
  'DELETE_DUPLICATE',
  'MAX_DELETES_PER_RUN',
  'DRY_RUN',
  'FULL_SCAN',
  'FULL_SCAN_DAYS',
  'MAX_UPLOAD_ATTEMPTS',
  'SYNC_CONCURRENCY',
  'STATE_SECRET',
  'SYNC_DB_PATH',
  'FIT_DIR',
  'GARMIN_COM_PROXY',
  'GARMIN_CN_PROXY',
  'COROS_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'HTTP_TIMEOUT_SECONDS',
  'SPORTS_SYNC_ENDPOINTS',
  ...NOTIFY_VARIABLES,
  'SYNC_STATE',
  'SYNC_CACHE_KEY_PREFIX',
  'FIT_ARTIFACT',
  'FIT_ARTIFACT_NAME',
  'FIT_ARTIFACT_RETENTION_DAYS',
  'SYNC_COMMIT_MESSAGE',
  'SYNC_PUSH_ATTEMPTS',
  'SYNC_KEEPALIVE',
  'SYNC_PUSH_BACKOFF_SECONDS',
  'SYNC_ALLOW_STATE_NONE',
  'SYNC_TIME_BUDGET_MINUTES',
  'MAX_UPLOADS_PER_RUN',
  'CONFIRM_DELETES',
  'TIMEZONE',
  'GARMIN_API_KEY_COM',
  'GARMIN_API_KEY_CN',
  'GARMIN_API_KEY_COM_EXPIRES',
  'GARMIN_API_KEY_CN_EXPIRES',
  'GARMIN_PERSONAL_DOWNLOAD_PATH',
];

/** Optimal string alignment distance (edits, adjacent swaps), capped for speed. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

const squash = (name: string) => name.toUpperCase().replace(/[^A-Z0-9]/g, '');

/** For a name we do not read, the setting it most likely means; undefined when none is close. */
export function closestSetting(name: string, known: readonly string[] = KNOWN_SETTINGS): string | undefined {
  const upper = name.toUpperCase();
  if (known.includes(upper) || ALIAS_NAMES.includes(upper)) return undefined;
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = squash(candidate) === squash(upper) ? 0 : editDistance(upper, candidate);
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  if (!best) return undefined;
  // One edit for short names, two for long ones: close enough to be a typo, not a different word.
  const allowed = upper.length >= 10 ? 2 : 1;
  return best.distance <= allowed ? best.name : undefined;
}

/** One "did you mean" line per set name that is a near miss of one of ours. */
export function didYouMean(names: readonly string[]): string[] {
  const lines: string[] = [];
  for (const name of names) {
    const suggestion = closestSetting(name);
    if (suggestion) lines.push(`${name} is not a setting Sports Sync X reads; did you mean ${suggestion}?`);
  }
  return lines;
}
