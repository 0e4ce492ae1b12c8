import type { PlatformId } from '../core/activity.ts';
import { EndpointMap } from '../core/endpoints.ts';
import { ConfigError } from '../core/errors.ts';
import { parseProxyUrl } from '../core/proxy-url.ts';
import { readTimeZone } from '../core/time-format.ts';
import { parseRoutes, parseSince, routePlatforms, type Route } from '../decide/routes.ts';
import { parseLanguage, type Language } from '../i18n/language.ts';
import { parseNotifyConfigTolerant, type NotifyConfig } from './notify-config.ts';
import { didYouMean, withAliases } from './aliases.ts';
import { parseFlag, parseWholeNumber, readSecret, readText, type Lookup } from './read-values.ts';

export type { Lookup } from './read-values.ts';

export interface GarminAccountConfig {
  readonly email: string | undefined;
  readonly password: string | undefined;
  /** Token blob printed by `node cli.js login --for action` (repository secret GARMIN_TOKEN_COM / _CN). */
  readonly tokenBlob: string | undefined;
  readonly proxyUrl: string | undefined;
  /**
   * Personal API key (GARMIN_API_KEY_COM / _CN): when set, this account is read through Garmin's official
   * Personal API.
   */
  readonly apiKey: string | undefined;
  /** The key's expiry as the user entered it (GARMIN_API_KEY_COM_EXPIRES), when the API does not tell. */
  readonly apiKeyExpires: Date | undefined;
  /** Download path template with {id} tried first (GARMIN_PERSONAL_DOWNLOAD_PATH; the real path is uncertain). */
  readonly personalDownloadPath: string | undefined;
}

export interface CorosAccountConfig {
  readonly email: string | undefined;
  readonly password: string | undefined;
  readonly proxyUrl: string | undefined;
}

export interface SyncConfig {
  /** Platforms to keep in sync, in the user's order. */
  readonly platforms: readonly PlatformId[];
  /** SYNC_ROUTES: the directions copies are made in; null = every direction among the platforms. */
  readonly routes: readonly Route[] | null;
  /** SYNC_SINCE as epoch seconds: only workouts starting at or after it are copied; null = no limit. */
  readonly sinceUtc: number | null;
  /** SYNC_SINCE as the user wrote it (for reports). */
  readonly since: string | undefined;
  /** SYNC_LANGUAGE: reports, job summaries and notifications. */
  readonly language: Language;
  /** "Did you mean" lines for set names that are near misses of ours (shown as warnings). */
  readonly settingHints: readonly string[];
  /** Warnings about the settings that do not stop the run: the hints and bad notification settings. */
  readonly configWarnings: readonly string[];
  readonly garminCom: GarminAccountConfig;
  readonly garminCn: GarminAccountConfig;
  readonly coros: CorosAccountConfig;
  /** How many newest activities per platform a run looks at. */
  readonly newestNum: number;
  /** Start-time tolerance for "the same workout", seconds. */
  readonly sportDiffSecond: number;
  readonly deleteDuplicate: boolean;
  /** Most duplicates deleted in one run (a safety cap). */
  readonly maxDeletesPerRun: number;
  readonly dryRun: boolean;
  readonly fullScan: boolean;
  /** Full re-listing when the last one is this many days old, even without --full-scan (0 = never). */
  readonly fullScanDays: number;
  readonly maxUploadAttempts: number;
  /** Delete a duplicate the first run that finds it (else only when a later run finds it again). */
  readonly confirmDeletes: boolean;
  /** Parallel operations per platform. */
  readonly concurrency: number;
  readonly dbPath: string;
  readonly fitDir: string;
  /** Key material for sealing tokens in the state, when the user gives one. */
  readonly stateSecret: string | undefined;
  /** Minutes after which a run starts no new transfer (SYNC_TIME_BUDGET_MINUTES); the rest waits for the next run. */
  readonly timeBudgetMinutes: number;
  /** Most uploads one run starts (MAX_UPLOADS_PER_RUN); a big backfill continues on the next runs. */
  readonly maxUploadsPerRun: number;
  readonly endpoints: EndpointMap;
  readonly httpsProxy: string | undefined;
  readonly noProxy: string | undefined;
  readonly timeoutMs: number;
  readonly notify: NotifyConfig;
  /** IANA zone every time shown to people is written in (TIMEZONE, else NOTIFY_TIMEZONE; default UTC). */
  readonly timeZone: string;
}

export interface ParseConfigOptions {
  /** Garmin platforms with a token from `login --for local` in the database: no token or password needed. */
  readonly storedLogins?: ReadonlySet<PlatformId>;
  /** Names of every setting the user set (environment, variables, secrets), for "did you mean". */
  readonly setNames?: readonly string[];
}

const PLATFORM_NAMES: Readonly<Record<string, PlatformId>> = {
  GARMINCOM: 'garmin_com',
  GARMIN_COM: 'garmin_com',
  GARMIN: 'garmin_com',
  GARMINCN: 'garmin_cn',
  GARMIN_CN: 'garmin_cn',
  COROS: 'coros',
};

const text = readText;
const secret = readSecret;

function integer(lookup: Lookup, name: string, fallback: number, min: number, max: number, unit: string): number {
  return parseWholeNumber(text(lookup, name), name, { fallback, min, max, unit });
}

function flag(lookup: Lookup, name: string, fallback: boolean): boolean {
  return parseFlag(text(lookup, name), name, fallback);
}

function proxy(lookup: Lookup, name: string): string | undefined {
  const raw = text(lookup, name);
  if (raw === undefined) return undefined;
  parseProxyUrl(raw, name);
  return raw;
}

const ROUTE_PROBLEM = {
  syntax: 'is not SOURCE>TARGET',
  platform: 'names a platform other than GARMINCOM, GARMINCN and COROS',
  same: 'has the same platform on both sides',
} as const;

/** SYNC_ROUTES, checked against the platforms (every route's ends must be among them). */
export function parseRoutesSetting(lookup: Lookup, platforms: readonly PlatformId[] | null): Route[] | null {
  const raw = text(lookup, 'SYNC_ROUTES');
  if (raw === undefined) return null;
  const parsed = parseRoutes(raw, PLATFORM_NAMES);
  if (!parsed.ok)
    throw new ConfigError(
      `SYNC_ROUTES part "${parsed.part}" ${ROUTE_PROBLEM[parsed.problem]}; list one-way routes like ` +
        'SYNC_ROUTES=GARMINCOM>COROS,GARMINCN>GARMINCOM',
    );
  const outside = platforms === null ? [] : routePlatforms(parsed.routes).filter((id) => !platforms.includes(id));
  if (outside.length > 0)
    throw new ConfigError(
      `SYNC_ROUTES uses ${outside.map((id) => id.replace('_', '').toUpperCase()).join(', ')}, which ` +
        'SYNC_PLATFORM does not list; add it to SYNC_PLATFORM or remove that route',
    );
  return parsed.routes;
}

/** SYNC_SINCE as epoch seconds (null when unset). */
export function parseSinceSetting(lookup: Lookup): number | null {
  const raw = text(lookup, 'SYNC_SINCE');
  if (raw === undefined) return null;
  const since = parseSince(raw);
  if (since === undefined)
    throw new ConfigError(
      `SYNC_SINCE="${raw}" is not a date; use YYYY-MM-DD (start of that day, UTC), e.g. SYNC_SINCE=2026-01-01`,
    );
  return since;
}

/** SYNC_PLATFORM (or the platforms SYNC_ROUTES names when it is unset). */
export function parsePlatforms(lookup: Lookup): PlatformId[] {
  const raw = text(lookup, 'SYNC_PLATFORM');
  if (raw === undefined) {
    // Routes alone name the platforms.
    const routes = parseRoutesSetting(lookup, null);
    return routes === null ? [] : routePlatforms(routes);
  }
  const platforms: PlatformId[] = [];
  for (const part of raw.split(/[,;\s]+/).filter(Boolean)) {
    const id = PLATFORM_NAMES[part.toUpperCase()];
    if (!id)
      throw new ConfigError(
        `SYNC_PLATFORM contains "${part}"; use a comma-separated list of GARMINCOM, GARMINCN and COROS, e.g. ` +
          'SYNC_PLATFORM=GARMINCN,COROS',
      );
    if (!platforms.includes(id)) platforms.push(id);
  }
  return platforms;
}

function garminAccount(lookup: Lookup, suffix: 'COM' | 'CN'): GarminAccountConfig {
  return {
    email: secret(lookup, `GARMIN_EMAIL_${suffix}`),
    password: secret(lookup, `GARMIN_PASSWORD_${suffix}`),
    tokenBlob: secret(lookup, `GARMIN_TOKEN_${suffix}`),
    proxyUrl: proxy(lookup, `GARMIN_${suffix}_PROXY`),
    apiKey: secret(lookup, `GARMIN_API_KEY_${suffix}`),
    apiKeyExpires: keyExpiryDate(lookup, `GARMIN_API_KEY_${suffix}_EXPIRES`),
    personalDownloadPath: downloadPathTemplate(lookup, 'GARMIN_PERSONAL_DOWNLOAD_PATH'),
  };
}

function keyExpiryDate(lookup: Lookup, name: string): Date | undefined {
  const raw = text(lookup, name);
  if (raw === undefined) return undefined;
  const date = /^\d{4}-\d{2}-\d{2}$/.test(raw)
    ? new Date(`${raw}T00:00:00Z`)
    : /^\d{4}-\d{2}-\d{2}T/.test(raw)
      ? new Date(raw)
      : new Date(NaN);
  if (Number.isNaN(date.getTime()))
    throw new ConfigError(
      `${name}="${raw}" is not a date; use the expiry shown when the key was created, as YYYY-MM-DD (e.g. 2027-10-31)`,
    );
  return date;
}

function downloadPathTemplate(lookup: Lookup, name: string): string | undefined {
  const raw = text(lookup, name);
  if (raw === undefined) return undefined;
  if (!raw.startsWith('/') || !raw.includes('{id}') || /\s|\?|#/.test(raw))
    throw new ConfigError(
      `${name}="${raw}" must be a path starting with / that contains {id}, e.g. /download-service/files/activity/{id}`,
    );
  return raw;
}

/**
 * Parses every setting once into a readonly object. Pure apart from registering secrets for
 * redaction. Every bad value is a ConfigError whose message is one line naming the variable,
 * the value (never for secrets) and the fix.
 */
export function parseConfig(given: Lookup, options: ParseConfigOptions = {}): SyncConfig {
  // Peer tools' names (GARMIN_EMAIL, GARMIN_USERNAME, …) answer for ours when ours are unset.
  const lookup = withAliases(given);
  const settingHints = didYouMean(options.setNames ?? []);
  const withHints = (message: string) => (settingHints.length > 0 ? `${message}. ${settingHints.join(' ')}` : message);
  const platforms = parsePlatforms(lookup);
  const routes = parseRoutesSetting(lookup, platforms);
  const sinceUtc = parseSinceSetting(lookup);
  const rawLanguage = text(lookup, 'SYNC_LANGUAGE');
  const language = rawLanguage === undefined ? 'en' : parseLanguage(rawLanguage);
  if (language === undefined)
    throw new ConfigError(`SYNC_LANGUAGE="${rawLanguage}" is not recognised; use en or zh-CN`);
  const garminCom = garminAccount(lookup, 'COM');
  const garminCn = garminAccount(lookup, 'CN');
  const coros: CorosAccountConfig = {
    email: secret(lookup, 'COROS_EMAIL'),
    password: secret(lookup, 'COROS_PASSWORD'),
    proxyUrl: proxy(lookup, 'COROS_PROXY'),
  };

  for (const platform of platforms) {
    if (platform === 'coros') {
      if (!coros.email || !coros.password)
        throw new ConfigError(
          withHints(
            `SYNC_PLATFORM includes COROS but ${!coros.email ? 'COROS_EMAIL' : 'COROS_PASSWORD'} is empty; add ` +
              'it as a repository secret (or remove COROS from SYNC_PLATFORM)',
          ),
        );
    } else {
      const suffix = platform === 'garmin_com' ? 'COM' : 'CN';
      const account = platform === 'garmin_com' ? garminCom : garminCn;
      if (
        !account.tokenBlob &&
        !(account.email && account.password) &&
        !account.apiKey &&
        !options.storedLogins?.has(platform)
      ) {
        throw new ConfigError(
          withHints(
            `SYNC_PLATFORM includes GARMIN${suffix} but neither GARMIN_API_KEY_${suffix}, ` +
              `GARMIN_TOKEN_${suffix} nor GARMIN_EMAIL_${suffix} + GARMIN_PASSWORD_${suffix} is set; run \`node ` +
              `cli.js login --for action --region ${suffix.toLowerCase()}\` and store the token as the secret ` +
              `GARMIN_TOKEN_${suffix} (or \`--for local\` for local runs), or create a Personal API key on Garmin ` +
              `Connect web and store it as GARMIN_API_KEY_${suffix} (read-only)`,
          ),
        );
      }
    }
  }

  const stateSecret = secret(lookup, 'STATE_SECRET');
  if (stateSecret !== undefined && stateSecret.length < 12)
    throw new ConfigError(
      'STATE_SECRET is too short; use at least 12 random characters (e.g. the output of `openssl rand -base64 24`)',
    );

  // A bad notification setting never stops the sync: that channel is off and the run says so.
  const notify = parseNotifyConfigTolerant(lookup);
  return {
    platforms,
    routes,
    sinceUtc,
    since: text(lookup, 'SYNC_SINCE'),
    language,
    settingHints,
    configWarnings: [...settingHints, ...notify.problems],
    garminCom,
    garminCn,
    coros,
    newestNum: integer(lookup, 'GARMIN_NEWEST_NUM', 1000, 1, 100_000, 'a number of activities'),
    sportDiffSecond: integer(lookup, 'SPORT_DIFF_SECOND', 60, 1, 3600, 'seconds'),
    deleteDuplicate: flag(lookup, 'DELETE_DUPLICATE', false),
    maxDeletesPerRun: integer(lookup, 'MAX_DELETES_PER_RUN', 10, 0, 1000, 'a number of deletions'),
    dryRun: flag(lookup, 'DRY_RUN', false),
    fullScan: flag(lookup, 'FULL_SCAN', false),
    fullScanDays: integer(lookup, 'FULL_SCAN_DAYS', 7, 0, 3650, 'a number of days'),
    maxUploadAttempts: integer(lookup, 'MAX_UPLOAD_ATTEMPTS', 3, 1, 50, 'a number of attempts'),
    confirmDeletes: flag(lookup, 'CONFIRM_DELETES', false),
    concurrency: integer(lookup, 'SYNC_CONCURRENCY', 2, 1, 8, 'a number of parallel transfers per platform'),
    dbPath: text(lookup, 'SYNC_DB_PATH') ?? 'db/sports_sync.sqlite',
    fitDir: text(lookup, 'FIT_DIR') ?? 'fit',
    stateSecret,
    timeBudgetMinutes: integer(lookup, 'SYNC_TIME_BUDGET_MINUTES', 20, 1, 340, 'a number of minutes'),
    maxUploadsPerRun: integer(lookup, 'MAX_UPLOADS_PER_RUN', 200, 1, 100_000, 'a number of uploads'),
    endpoints: EndpointMap.fromJson(text(lookup, 'SPORTS_SYNC_ENDPOINTS')),
    httpsProxy: proxy(lookup, 'HTTPS_PROXY') ?? proxy(lookup, 'https_proxy'),
    noProxy: text(lookup, 'NO_PROXY') ?? text(lookup, 'no_proxy'),
    timeoutMs: integer(lookup, 'HTTP_TIMEOUT_SECONDS', 60, 30, 600, 'seconds') * 1000,
    notify: { ...notify.config, language },
    timeZone: readTimeZone(lookup),
  };
}

/** Reads a .env file's text: KEY=value lines, # comments, optional quotes, `export ` prefix. */
export function parseDotEnv(source: string, fileName = '.env'): Map<string, string> {
  const values = new Map<string, string>();
  const lines = source.split(/\r?\n/);
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(trimmed);
    if (!match) throw new ConfigError(`${fileName}:${index + 1} is not KEY=value; fix or remove that line`);
    let value = match[2]!;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    values.set(match[1]!, value);
  });
  return values;
}
