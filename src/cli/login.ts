import { EndpointMap } from '../core/endpoints.ts';
import { AuthError, ConfigError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { registerSecret } from '../core/secrets.ts';
import { formatLocalDate, formatLocalTime, readTimeZone } from '../core/time-format.ts';
import { readSecret, readText, type Lookup } from '../config/read-values.ts';
import { runGarminLogin, type GarminRegion } from '../platforms/garmin/index.ts';
import { BadCredentialsError } from '../platforms/garmin/garmin-sso.ts';
import { GarminTokenStore } from '../platforms/garmin/garmin-tokens.ts';
import { MemoryPlatformState } from '../store/state-box.ts';
import { loginPlatformState, type StateKeySettings } from '../store/state-key.ts';
import { Store } from '../store/store.ts';
import { stringFlag, booleanFlag, UsageError, type FlagValues } from './args.ts';
import type { CliIo } from './io.ts';
import {
  checkDatabase,
  databasePath,
  ensureLocalKey,
  LOCAL_LOGIN_STATE,
  readLocalKey,
  type LocalLoginMarker,
} from './settings.ts';
import { StoreReader } from './store-reader.ts';

const PAUSE_KEYS = ['login_paused_until', 'login_cooldown_sec', 'login_paused_reason'];

/** Only what signing in needs; the sync settings (SYNC_PLATFORM, COROS_…) are not read at all. */
interface SignInSettings {
  readonly region: GarminRegion;
  readonly consumer: 'action' | 'local';
  readonly email: string | undefined;
  readonly password: string | undefined;
  readonly ticket: string | undefined;
  /** The service a pasted ticket belongs to (--service web|mobile|…, or from a pasted URL). */
  readonly service: string | undefined;
  readonly endpoints: EndpointMap;
  readonly proxyUrl: string | undefined;
  readonly httpsProxy: string | undefined;
  readonly noProxy: string | undefined;
  readonly timeZone: string;
  readonly dbPath: string;
  readonly stateSecret: string | undefined;
}

function readSignInSettings(flags: FlagValues, lookup: Lookup): SignInSettings {
  const consumer = stringFlag(flags, 'for');
  if (consumer === undefined)
    throw new UsageError(
      'say who the token is for: --for action (prints the secret for GitHub) or --for local (keeps it in the ' +
        'local database for `sync` on this computer); each needs its own login',
    );
  if (consumer !== 'action' && consumer !== 'local')
    throw new UsageError(`--for ${consumer} is not a consumer; use --for action or --for local`);
  const regionFlag = stringFlag(flags, 'region') ?? 'com';
  if (regionFlag !== 'com' && regionFlag !== 'cn')
    throw new UsageError(
      `--region ${regionFlag} is not a Garmin region; use --region com (garmin.com) or --region cn (garmin.cn)`,
    );
  const suffix = regionFlag.toUpperCase();
  const ticket = stringFlag(flags, 'ticket');
  registerSecret(ticket);
  const password = stringFlag(flags, 'password');
  registerSecret(password);
  const stateSecret = readSecret(lookup, 'STATE_SECRET');
  if (stateSecret !== undefined && stateSecret.length < 12)
    throw new ConfigError(
      'STATE_SECRET is too short; use at least 12 random characters (e.g. the output of `openssl rand -base64 24`)',
    );
  const proxy = (name: string) => {
    const raw = readText(lookup, name);
    if (raw === undefined) return undefined;
    try {
      const url = new URL(raw);
      if (!['http:', 'https:'].includes(url.protocol)) throw new Error('protocol');
      if (url.username || url.password) registerSecret(raw);
    } catch {
      throw new ConfigError(`${name} is not an http:// or https:// proxy URL; use e.g. http://127.0.0.1:7890`);
    }
    return raw;
  };
  return {
    region: regionFlag,
    consumer,
    email: stringFlag(flags, 'email') ?? readSecret(lookup, `GARMIN_EMAIL_${suffix}`),
    password: password ?? readSecret(lookup, `GARMIN_PASSWORD_${suffix}`),
    ticket,
    service: stringFlag(flags, 'service'),
    endpoints: EndpointMap.fromJson(readText(lookup, 'SPORTS_SYNC_ENDPOINTS')),
    proxyUrl: proxy(`GARMIN_${suffix}_PROXY`),
    httpsProxy: proxy('HTTPS_PROXY') ?? proxy('https_proxy'),
    noProxy: readText(lookup, 'NO_PROXY') ?? readText(lookup, 'no_proxy'),
    timeZone: readTimeZone(lookup),
    dbPath: databasePath(lookup),
    stateSecret,
  };
}

/**
 * `login`: signs in once (password + MFA prompts, or a ticket from a browser) and makes a new token
 * family for exactly one consumer. Two consumers refreshing one rotating refresh token lock each
 * other out, so `--for action` prints the secret and keeps nothing, `--for local` keeps it in the
 * local database only. No database is created before the sign-in succeeded.
 */
export async function runLoginCommand(flags: FlagValues, io: CliIo, lookup: Lookup, log: Logger): Promise<number> {
  const settings = readSignInSettings(flags, lookup);
  const { region } = settings;
  const suffix = region.toUpperCase();
  const id = region === 'com' ? 'garmin_com' : 'garmin_cn';
  const dbState = checkDatabase(lookup, flags);
  if (flags.password !== undefined)
    io.err('warning: a password given as a flag stays in your shell history; prefer the prompt');

  // The login pause lives in the database; read it without writing anything.
  const memory = new MemoryPlatformState();
  if (dbState.kind === 'sqlite') {
    const reader = StoreReader.open(settings.dbPath);
    try {
      for (const [name, value] of reader.plainStates(id)) memory.setPlain(name, value);
    } finally {
      reader.close();
    }
  }
  const pausedUntil = memory.getPlain('login_paused_until');
  if (booleanFlag(flags, 'force') && pausedUntil && Date.parse(pausedUntil) > Date.now()) {
    io.err(
      `warning: ignoring the Garmin ${suffix} login pause until ` +
        `${formatLocalTime(pausedUntil, settings.timeZone)} (--force); another block may pause logins for longer`,
    );
    for (const name of PAUSE_KEYS.slice(0, 1)) memory.setPlain(name, undefined);
  }

  let { email, password } = settings;
  if (!settings.ticket) {
    if (!email) {
      if (!io.isTty)
        throw new ConfigError(
          `no Garmin ${suffix} email: pass --email, set GARMIN_EMAIL_${suffix}, or run login in a terminal to be asked`,
        );
      email = await io.prompt(`Garmin ${suffix} email: `, { secret: false });
      registerSecret(email);
    }
    if (!password) {
      if (!io.isTty)
        throw new ConfigError(
          `no Garmin ${suffix} password: set GARMIN_PASSWORD_${suffix}, or run login in a terminal to be asked`,
        );
      password = await io.prompt(`Garmin ${suffix} password: `, { secret: true });
      registerSecret(password);
    }
    if (!email || !password)
      throw new ConfigError(
        `Garmin ${suffix} login needs an email and a password (or --ticket ST-… from a browser sign-in)`,
      );
  }

  let result;
  try {
    result = await runGarminLogin({
      region,
      endpoints: settings.endpoints,
      email,
      password,
      ticket: settings.ticket,
      serviceUrl: settings.service,
      promptMfaCode: async () => {
        if (!io.isTty)
          throw new AuthError(`Garmin ${suffix} asks for a two-step verification (MFA) code`, {
            hint: 'run login in a terminal, where it can ask for the code',
          });
        const code = await io.prompt('Code from your authenticator app or e-mail: ', { secret: false });
        registerSecret(code);
        return code;
      },
      log,
      proxyUrl: settings.proxyUrl,
      env: { HTTPS_PROXY: settings.httpsProxy, NO_PROXY: settings.noProxy },
      state: memory,
    });
  } catch (error) {
    persistPause(settings, dbState.kind === 'sqlite', id, memory);
    if (error instanceof BadCredentialsError) {
      // Not "run login": that is what the user just did.
      throw new AuthError(`Garmin ${suffix} refused the email or password`, {
        hint:
          `check them by signing in at https://connect.garmin.${region} in a browser, then try again; nothing was ` +
          'saved',
      });
    }
    throw error;
  }

  const validUntil = formatLocalDate(result.expiresAt, settings.timeZone);
  if (settings.consumer === 'action') {
    persistPause(settings, dbState.kind === 'sqlite', id, memory);
    io.err(
      `Signed in to Garmin ${suffix}. This token is for the GitHub Action only: store it as the repository ` +
        `secret ${result.secretName}`,
    );
    io.err(
      '(Settings → Secrets and variables → Actions → New repository secret). It works without a password ' +
        `until ${validUntil}.`,
    );
    io.err(
      'Nothing was saved on this computer; for local runs, sign in again with --for local (one token cannot ' +
        'serve two consumers).',
    );
    // The one place a credential is printed on purpose: stdout holds the token and nothing else.
    io.out(result.tokenBlob);
    return 0;
  }

  const tokens = new GarminTokenStore(memory, region).load();
  if (!tokens) throw new Error('login succeeded but produced no tokens');
  const key = settings.stateSecret ?? ensureLocalKey(settings.dbPath);
  const store = Store.open(settings.dbPath);
  try {
    const state = loginPlatformState(store, keySettings(key), id).state;
    const tokenStore = new GarminTokenStore(state, region);
    tokenStore.save(tokens);
    tokenStore.setBlobFingerprint(undefined);
    for (const name of PAUSE_KEYS) state.setPlain(name, memory.getPlain(name));
    const marker: LocalLoginMarker = {
      signedInAt: new Date().toISOString(),
      validUntil: result.expiresAt.toISOString(),
    };
    state.setPlain(LOCAL_LOGIN_STATE, JSON.stringify(marker));
  } finally {
    store.close();
  }
  io.err(
    `Signed in to Garmin ${suffix} for local runs: the token is kept, encrypted, in ${settings.dbPath} only ` +
      `(valid until ${validUntil}).`,
  );
  const keyNote = settings.stateSecret
    ? 'It is sealed with STATE_SECRET.'
    : `Its key is in ${settings.dbPath}.key (keep both files private).`;
  io.err(`${keyNote} \`node cli.js sync\` here now uses it; GARMIN_TOKEN_${suffix} is not needed locally.`);
  return 0;
}

/** A block during login pauses later logins; a success ends the pause. Only into a database that already exists. */
function persistPause(
  settings: SignInSettings,
  dbExists: boolean,
  id: 'garmin_com' | 'garmin_cn',
  memory: MemoryPlatformState,
): void {
  if (!dbExists) return;
  const store = Store.open(settings.dbPath);
  try {
    const key = settings.stateSecret ?? readLocalKey(settings.dbPath);
    // The pause is plain state: any key opens it (a missing key never seals anything here).
    const state = key
      ? loginPlatformState(store, keySettings(key), id).state
      : store.platformState(id, 'plain-state-only');
    for (const name of PAUSE_KEYS)
      if (state.getPlain(name) !== memory.getPlain(name)) state.setPlain(name, memory.getPlain(name));
  } finally {
    store.close();
  }
}

/** The same key `sync` derives for these runs (STATE_SECRET or the local key file), never a constant. */
function keySettings(key: string): StateKeySettings {
  const none = {
    email: undefined,
    password: undefined,
    tokenBlob: undefined,
    proxyUrl: undefined,
    apiKey: undefined,
    apiKeyExpires: undefined,
    personalDownloadPath: undefined,
  };
  return {
    stateSecret: key,
    garminCom: none,
    garminCn: none,
    coros: { email: undefined, password: undefined, proxyUrl: undefined },
  };
}
