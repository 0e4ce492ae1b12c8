import { ConfigError } from '../core/errors.ts';
import { parseFlag, parseWholeNumber } from '../config/read-values.ts';
import { registerSecret } from '../core/secrets.ts';

export type Env = Readonly<Record<string, string | undefined>>;
export type Lookup = (name: string) => string | undefined;

/**
 * Every Action input that stands for a configuration setting, with the environment-variable name
 * the configuration parser reads. The input wins over the variable; an empty input (a secret that
 * is not set expands to '') counts as absent, so the old environment names keep working.
 */
export interface SettingInput {
  readonly input: string;
  readonly env: string;
  /** Credentials, tokens, keys and webhook addresses: masked before anything is printed. */
  readonly secret: boolean;
}

const setting = (input: string, env: string, secret = false): SettingInput => ({ input, env, secret });

export const SETTING_INPUTS: readonly SettingInput[] = [
  setting('platforms', 'SYNC_PLATFORM'),
  setting('routes', 'SYNC_ROUTES'),
  setting('since', 'SYNC_SINCE'),
  setting('language', 'SYNC_LANGUAGE'),
  setting('garmin-email-com', 'GARMIN_EMAIL_COM', true),
  setting('garmin-password-com', 'GARMIN_PASSWORD_COM', true),
  setting('garmin-token-com', 'GARMIN_TOKEN_COM', true),
  setting('garmin-api-key-com', 'GARMIN_API_KEY_COM', true),
  setting('garmin-api-key-com-expires', 'GARMIN_API_KEY_COM_EXPIRES'),
  setting('garmin-email-cn', 'GARMIN_EMAIL_CN', true),
  setting('garmin-password-cn', 'GARMIN_PASSWORD_CN', true),
  setting('garmin-token-cn', 'GARMIN_TOKEN_CN', true),
  setting('garmin-api-key-cn', 'GARMIN_API_KEY_CN', true),
  setting('garmin-api-key-cn-expires', 'GARMIN_API_KEY_CN_EXPIRES'),
  setting('garmin-personal-download-path', 'GARMIN_PERSONAL_DOWNLOAD_PATH'),
  setting('coros-email', 'COROS_EMAIL', true),
  setting('coros-password', 'COROS_PASSWORD', true),
  setting('garmin-newest-num', 'GARMIN_NEWEST_NUM'),
  setting('sport-diff-second', 'SPORT_DIFF_SECOND'),
  setting('delete-duplicate', 'DELETE_DUPLICATE'),
  setting('max-deletes-per-run', 'MAX_DELETES_PER_RUN'),
  setting('confirm-deletes', 'CONFIRM_DELETES'),
  setting('dry-run', 'DRY_RUN'),
  setting('full-scan', 'FULL_SCAN'),
  setting('full-scan-days', 'FULL_SCAN_DAYS'),
  setting('max-upload-attempts', 'MAX_UPLOAD_ATTEMPTS'),
  setting('sync-concurrency', 'SYNC_CONCURRENCY'),
  setting('sync-time-budget-minutes', 'SYNC_TIME_BUDGET_MINUTES'),
  setting('max-uploads-per-run', 'MAX_UPLOADS_PER_RUN'),
  setting('state-secret', 'STATE_SECRET', true),
  setting('db-path', 'SYNC_DB_PATH'),
  setting('fit-dir', 'FIT_DIR'),
  setting('garmin-com-proxy', 'GARMIN_COM_PROXY', true),
  setting('garmin-cn-proxy', 'GARMIN_CN_PROXY', true),
  setting('coros-proxy', 'COROS_PROXY', true),
  setting('https-proxy', 'HTTPS_PROXY', true),
  setting('http-timeout-seconds', 'HTTP_TIMEOUT_SECONDS'),
  setting('endpoints', 'SPORTS_SYNC_ENDPOINTS'),
  setting('notify-policy', 'NOTIFY_POLICY'),
  setting('notify-heartbeat', 'NOTIFY_HEARTBEAT'),
  setting('notify-timezone', 'NOTIFY_TIMEZONE'),
  setting('notify-expiry-warning-days', 'NOTIFY_EXPIRY_WARNING_DAYS'),
  setting('qywx-bot-key', 'QYWX_BOT_KEY', true),
  setting('qywx-msg-type', 'QYWX_MSG_TYPE'),
  setting('qywx-mention', 'QYWX_MENTION'),
  setting('telegram-bot-token', 'TELEGRAM_BOT_TOKEN', true),
  setting('telegram-chat-id', 'TELEGRAM_CHAT_ID'),
  setting('dingtalk-webhook', 'DINGTALK_WEBHOOK', true),
  setting('dingtalk-token', 'DINGTALK_TOKEN', true),
  setting('dingtalk-secret', 'DINGTALK_SECRET', true),
  setting('feishu-webhook', 'FEISHU_WEBHOOK', true),
  setting('feishu-secret', 'FEISHU_SECRET', true),
  setting('bark-url', 'BARK_URL'),
  setting('bark-key', 'BARK_KEY', true),
  setting('serverchan-sendkey', 'SERVERCHAN_SENDKEY', true),
  setting('ntfy-url', 'NTFY_URL'),
  setting('ntfy-topic', 'NTFY_TOPIC', true),
  setting('ntfy-token', 'NTFY_TOKEN', true),
  setting('slack-webhook-url', 'SLACK_WEBHOOK_URL', true),
  setting('discord-webhook-url', 'DISCORD_WEBHOOK_URL', true),
  setting('notify-webhook-url', 'NOTIFY_WEBHOOK_URL', true),
  setting('notify-webhook-secret', 'NOTIFY_WEBHOOK_SECRET', true),
];

/** Inputs that steer the Action itself rather than the sync. */
export const ACTION_INPUTS = [
  'vars-json',
  'secrets-json',
  'state',
  'cache-key-prefix',
  'fit-artifact',
  'fit-artifact-name',
  'fit-artifact-retention-days',
  'commit-message',
  'push-attempts',
  'push-backoff-seconds',
  'allow-state-none',
  'keepalive',
  'github-token',
] as const;
type ActionInputName = (typeof ACTION_INPUTS)[number];

/**
 * The repository variable (or secret) each of the Action's own inputs is read from when the
 * workflow passes `vars-json` / `secrets-json` but not the input itself.
 */
export const ACTION_INPUT_VARIABLES: Readonly<Record<ActionInputName, string | undefined>> = {
  'vars-json': undefined,
  'secrets-json': undefined,
  state: 'SYNC_STATE',
  'cache-key-prefix': 'SYNC_CACHE_KEY_PREFIX',
  'fit-artifact': 'FIT_ARTIFACT',
  'fit-artifact-name': 'FIT_ARTIFACT_NAME',
  'fit-artifact-retention-days': 'FIT_ARTIFACT_RETENTION_DAYS',
  'commit-message': 'SYNC_COMMIT_MESSAGE',
  'push-attempts': 'SYNC_PUSH_ATTEMPTS',
  'push-backoff-seconds': 'SYNC_PUSH_BACKOFF_SECONDS',
  'allow-state-none': 'SYNC_ALLOW_STATE_NONE',
  keepalive: 'SYNC_KEEPALIVE',
  'github-token': undefined,
};

/** The variable the runner sets for an input: spaces become '_', upper-cased, dashes kept. */
export function inputVariable(input: string): string {
  return `INPUT_${input.replace(/ /g, '_').toUpperCase()}`;
}

/** An input's value, or undefined when absent or blank. */
export function readInput(env: Env, input: string): string | undefined {
  const value = env[inputVariable(input)];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

const blankToUndefined = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value;

/** Repository variables and secrets the workflow passed as `${{ toJSON(vars) }}` / `${{ toJSON(secrets) }}`. */
export interface StoredSettings {
  /** Upper-cased name → value (GitHub names are case-insensitive). */
  readonly vars: ReadonlyMap<string, string>;
  readonly secrets: ReadonlyMap<string, string>;
}

function parseStoredJson(env: Env, input: 'vars-json' | 'secrets-json'): Map<string, string> {
  const raw = readInput(env, input);
  const values = new Map<string, string>();
  if (raw === undefined) return values;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // Never echo the text: it may hold every secret of the repository.
    throw new ConfigError(
      `input ${input} is not JSON; pass it exactly as \${{ toJSON(${input === 'vars-json' ? 'vars' : 'secrets'}) }}`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ConfigError(
      `input ${input} must be a JSON object; pass it exactly as \${{ ` +
        `toJSON(${input === 'vars-json' ? 'vars' : 'secrets'}) }}`,
    );
  for (const [name, value] of Object.entries(parsed)) {
    if (value === null || value === undefined) continue;
    values.set(name.toUpperCase(), typeof value === 'string' ? value : JSON.stringify(value));
  }
  return values;
}

const storedCache = new WeakMap<Env, StoredSettings>();

/** The variables and secrets passed as JSON (parsed once per environment object). */
export function storedSettings(env: Env): StoredSettings {
  const cached = storedCache.get(env);
  if (cached) return cached;
  const stored = { vars: parseStoredJson(env, 'vars-json'), secrets: parseStoredJson(env, 'secrets-json') };
  storedCache.set(env, stored);
  return stored;
}

/** A setting by its documented name: the environment, then a secret, then a variable. */
function storedValue(env: Env, name: string): string | undefined {
  const stored = storedSettings(env);
  const key = name.toUpperCase();
  return (
    blankToUndefined(env[name]) ?? blankToUndefined(stored.secrets.get(key)) ?? blankToUndefined(stored.vars.get(key))
  );
}

/** Names of every repository variable and secret passed as JSON, for "did you mean" hints. */
export function storedSettingNames(env: Env): string[] {
  const stored = storedSettings(env);
  return [...new Set([...stored.vars.keys(), ...stored.secrets.keys()])].filter((name) => name !== 'GITHUB_TOKEN');
}

const BY_ENV = new Map(SETTING_INPUTS.map((entry) => [entry.env, entry]));

/**
 * The configuration lookup for the Action: an input wins; then the environment variable of the
 * same name; then the repository secret, then the repository variable of that name (from
 * `secrets-json` / `vars-json`), so every setting works without editing the workflow and
 * whether the user stored it as a secret or as a variable.
 */
export function actionLookup(env: Env): Lookup {
  return (name) => {
    const entry = BY_ENV.get(name);
    const fromInput = entry ? readInput(env, entry.input) : undefined;
    return fromInput ?? storedValue(env, name) ?? env[name];
  };
}

/** One of the Action's own inputs: the input, else its repository variable or secret. */
function actionInput(env: Env, input: ActionInputName): string | undefined {
  const fromInput = readInput(env, input);
  if (fromInput !== undefined) return fromInput;
  const variable = ACTION_INPUT_VARIABLES[input];
  return variable === undefined ? undefined : storedValue(env, variable)?.trim();
}

function registerLines(value: string | undefined): void {
  if (value === undefined) return;
  registerSecret(value);
  // A multi-line secret is masked line by line by the runner; do the same.
  for (const line of value.split(/\r?\n/)) registerSecret(line);
}

/**
 * Registers every credential-bearing input and variable as a secret (masking starts here), and
 * every value of the secrets JSON: the runner masks only the JSON text it sent, not the values
 * we take out of it.
 */
export function registerSecretInputs(env: Env): void {
  for (const entry of SETTING_INPUTS) {
    if (!entry.secret) continue;
    registerLines(env[inputVariable(entry.input)]);
    registerLines(env[entry.env]);
  }
  let stored: StoredSettings | undefined;
  try {
    stored = storedSettings(env);
  } catch {
    // Unreadable JSON: mask all of it, line by line and every quoted string in it;
    // parseActionOptions reports the error in one line.
    const raw = env[inputVariable('secrets-json')] ?? '';
    registerLines(raw);
    for (const match of raw.matchAll(/"((?:[^"\\]|\\.)*)"/g)) registerLines(match[1]);
  }
  if (stored) {
    for (const value of stored.secrets.values()) registerLines(value);
    // A credential stored as a variable by mistake is still a credential.
    for (const entry of SETTING_INPUTS) if (entry.secret) registerLines(stored.vars.get(entry.env));
  }
  registerSecret(readInput(env, 'github-token'));
  registerSecret(env.ACTIONS_RUNTIME_TOKEN);
}

export type StateMode = 'git' | 'cache' | 'none';

export interface ActionOptions {
  readonly state: StateMode;
  readonly cacheKeyPrefix: string;
  readonly fitArtifact: boolean;
  readonly fitArtifactName: string;
  readonly fitArtifactRetentionDays: number;
  readonly commitMessage: string;
  readonly pushAttempts: number;
  /** Wait before push retry n: n × this many seconds. */
  readonly pushBackoffSeconds: number;
  /** state: none although a Garmin token rotates (the user accepts signing in again). */
  readonly allowStateNone: boolean;
  readonly keepalive: boolean;
  readonly githubToken: string | undefined;
}

function flagInput(env: Env, input: ActionInputName, fallback: boolean): boolean {
  return parseFlag(actionInput(env, input), `input ${input}`, fallback, 'use true or false');
}

function integerInput(
  env: Env,
  input: ActionInputName,
  fallback: number,
  min: number,
  max: number,
  unit: string,
): number {
  return parseWholeNumber(actionInput(env, input), `input ${input}`, { fallback, min, max, unit });
}

/** Artifact names may not contain these (the artifact service refuses them). */
const BAD_ARTIFACT_NAME = /[":<>|*?\r\n\\/]/;
/** Cache keys may not contain commas and are at most 512 characters. */
const BAD_CACHE_PREFIX = /[,\s]/;

/** Parses the Action's own inputs (state mode, artifact, commit, keepalive). */
export function parseActionOptions(env: Env): ActionOptions {
  storedSettings(env);
  const rawState = (actionInput(env, 'state') ?? 'git').toLowerCase();
  if (rawState !== 'git' && rawState !== 'cache' && rawState !== 'none')
    throw new ConfigError(
      `input state="${rawState}" is not recognised; use git (database committed to the repository), cache ` +
        '(Actions cache) or none',
    );
  const cacheKeyPrefix = actionInput(env, 'cache-key-prefix') ?? 'sports-sync-state-v1-';
  if (BAD_CACHE_PREFIX.test(cacheKeyPrefix) || cacheKeyPrefix.length > 200)
    throw new ConfigError(
      `input cache-key-prefix="${cacheKeyPrefix}" may not contain commas or spaces and must be at most 200 characters`,
    );
  const runId = env.GITHUB_RUN_ID ?? 'local';
  const attempt = env.GITHUB_RUN_ATTEMPT ?? '1';
  const fitArtifactName = actionInput(env, 'fit-artifact-name') ?? `fit-files-${runId}-${attempt}`;
  if (BAD_ARTIFACT_NAME.test(fitArtifactName))
    throw new ConfigError(
      `input fit-artifact-name="${fitArtifactName}" contains a character artifacts may not use (" : < > | * ? ` +
        `\\ / or a line break); pick a plain name`,
    );
  return {
    state: rawState,
    cacheKeyPrefix,
    fitArtifact: flagInput(env, 'fit-artifact', true),
    fitArtifactName,
    fitArtifactRetentionDays: integerInput(env, 'fit-artifact-retention-days', 7, 1, 400, 'a number of days'),
    commitMessage: actionInput(env, 'commit-message') ?? 'Update sync state',
    pushAttempts: integerInput(env, 'push-attempts', 3, 1, 10, 'a number of attempts'),
    pushBackoffSeconds: integerInput(env, 'push-backoff-seconds', 2, 0, 60, 'seconds'),
    allowStateNone: flagInput(env, 'allow-state-none', false),
    keepalive: flagInput(env, 'keepalive', true),
    githubToken: readInput(env, 'github-token') ?? env.GITHUB_TOKEN,
  };
}
