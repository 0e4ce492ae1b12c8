import { randomBytes, scryptSync } from 'node:crypto';
import type { PlatformId } from '../core/activity.ts';
import { ConfigError } from '../core/errors.ts';
import type { SyncConfig } from '../config/config.ts';
import { MemoryPlatformState, type PlatformState } from './state-box.ts';
import type { Store } from './store.ts';

/**
 * The one key policy for sealed platform state (tokens), used by `sync`, the Action and `login`,
 * so the same settings always give the same key. Never a constant: in order of preference
 * STATE_SECRET; a secret the run has anyway that is not a password (the Garmin token, the
 * Personal API key); only then the credentials, and those only outside Actions or in a private
 * repository. The key comes from a strong KDF with a random salt kept in the database, once per run.
 */
export type StateKeySource = 'state-secret' | 'garmin-token' | 'personal-api-key' | 'credentials';

export interface StateKeyChoice {
  readonly source: StateKeySource;
  readonly material: string;
}

export interface StateKeyRefusal {
  readonly source: 'none';
  /** One line: why no key can be used, and the fix. */
  readonly reason: string;
}

export interface StateKeyContext {
  /** Running on GitHub Actions (GITHUB_ACTIONS=true). */
  readonly inActions: boolean;
  /** From the event payload; undefined when unknown. */
  readonly repositoryPrivate: boolean | undefined;
}

export type StateKeySettings = Pick<SyncConfig, 'stateSecret' | 'garminCom' | 'garminCn' | 'coros'>;

export const STATE_SECRET_FIX =
  'add a repository secret STATE_SECRET of at least 12 random characters ' +
  '(e.g. the output of `openssl rand -base64 24`) and pass it as state-secret';

/** The key material to use, or why there is none. Pure. */
export function chooseStateKey(settings: StateKeySettings, context: StateKeyContext): StateKeyChoice | StateKeyRefusal {
  if (settings.stateSecret) return { source: 'state-secret', material: settings.stateSecret };
  const token = settings.garminCom.tokenBlob ?? settings.garminCn.tokenBlob;
  if (token) return { source: 'garmin-token', material: token };
  const apiKey = settings.garminCom.apiKey ?? settings.garminCn.apiKey;
  if (apiKey) return { source: 'personal-api-key', material: apiKey };
  const credentials = [settings.garminCom, settings.garminCn, settings.coros]
    .filter((account) => account.email && account.password)
    .map((account) => `${account.email}|${account.password}`);
  if (credentials.length === 0)
    return {
      source: 'none',
      reason:
        `no key to encrypt saved sign-in tokens with (no STATE_SECRET, no Garmin token, no credentials); ` +
        `${STATE_SECRET_FIX}`,
    };
  if (context.inActions && context.repositoryPrivate !== true) {
    return {
      source: 'none',
      reason:
        `STATE_SECRET is not set and the only other key material are your passwords, ` +
        `which must not guard state that others can read (this repository is ` +
        `${context.repositoryPrivate === false ? 'public' : 'not known to be private'}); ${STATE_SECRET_FIX}`,
    };
  }
  return { source: 'credentials', material: credentials.join('\n') };
}

/** The context of a process: on Actions or not (privacy unknown outside the Action). */
export function processKeyContext(env: Readonly<Record<string, string | undefined>> = process.env): StateKeyContext {
  return { inActions: env.GITHUB_ACTIONS === 'true', repositoryPrivate: undefined };
}

const SALT_META = 'state-key.salt';
const KDF = { N: 1 << 16, r: 8, p: 1, maxmem: 160 * 1024 * 1024 } as const;

export interface RunStateKey {
  readonly source: StateKeySource;
  readonly key: Buffer;
  /**
   * The database predates this key (no salt yet): boxes sealed with the old per-platform keys may
   * be opened once, then resealed.
   */
  readonly migrating: boolean;
}

/** Derives the run's key (scrypt, N=2^16) with the database's random salt, creating the salt on first use. */
export function deriveRunStateKey(choice: StateKeyChoice, store: Store): RunStateKey {
  let salt = store.getMeta(SALT_META);
  const migrating = salt === undefined;
  if (salt === undefined) {
    salt = randomBytes(16).toString('base64url');
    store.setMeta(SALT_META, salt);
  }
  return { source: choice.source, key: keyFromSalt(choice, salt), migrating };
}

/** The run key for a known salt (read-only callers such as `doctor` derive it without writing). */
export function keyFromSalt(choice: StateKeyChoice, salt: string): Buffer {
  return scryptSync(`${choice.source}|${choice.material}`, `sports-sync-x/state-key/v2/${salt}`, 32, KDF);
}

/** The meta entry holding the database's random salt. */
export const STATE_KEY_SALT_META = SALT_META;

/** Key material of the versions before the run key, to open (never to seal) boxes once. */
export function legacyKeyMaterials(settings: StateKeySettings, id: PlatformId): string[] {
  const materials: string[] = [];
  if (settings.stateSecret) materials.push(`state-secret|${settings.stateSecret}`);
  if (id === 'coros') materials.push(`coros|${settings.coros.email ?? ''}|${settings.coros.password ?? ''}`);
  else {
    const account = id === 'garmin_com' ? settings.garminCom : settings.garminCn;
    if (account.email && account.password) materials.push(`${id}|${account.email}|${account.password}`);
    materials.push(`${id}|token|${account.tokenBlob ?? ''}`, `${id}|token|`);
  }
  return materials;
}

export interface SealedStateOptions {
  /** Material of older keys, tried when the run key opens nothing (migration run only). */
  readonly legacyMaterials?: readonly string[];
  /** Called after a sealed value was written (a rotated token): the Action saves the state then. */
  readonly onSealedWrite?: (platform: PlatformId, name: string) => void;
}

/** A platform's state sealed with the run key; legacy boxes are opened lazily and resealed. */
export function sealedPlatformState(
  store: Store,
  platform: PlatformId,
  key: Buffer,
  options: SealedStateOptions = {},
): PlatformState {
  const primary = store.platformState(platform, key);
  let legacy: PlatformState[] | undefined;
  return {
    getPlain: (name) => primary.getPlain(name),
    setPlain: (name, value) => primary.setPlain(name, value),
    getSecret: (name) => {
      const value = primary.getSecret(name);
      if (value !== undefined || !options.legacyMaterials?.length) return value;
      legacy ??= options.legacyMaterials.map((material) => store.platformState(platform, material));
      for (const state of legacy) {
        const old = state.getSecret(name);
        if (old === undefined) continue;
        primary.setSecret(name, old);
        return old;
      }
      return undefined;
    },
    setSecret: (name, value) => {
      primary.setSecret(name, value);
      options.onSealedWrite?.(platform, name);
    },
  };
}

export interface StateKeyRing {
  /** The sealed state of a platform in this store (the key is derived on first use, once per store). */
  platformState(store: Store, platform: PlatformId): PlatformState;
}

/** One key per store for a run, from the settings and the context. */
export function createStateKeyRing(
  settings: StateKeySettings,
  context: StateKeyContext,
  onSealedWrite?: SealedStateOptions['onSealedWrite'],
): StateKeyRing {
  const choice = chooseStateKey(settings, context);
  const keys = new WeakMap<Store, RunStateKey>();
  return {
    platformState(store, platform) {
      if (choice.source === 'none') throw new ConfigError(choice.reason);
      let runKey = keys.get(store);
      if (!runKey) {
        runKey = deriveRunStateKey(choice, store);
        keys.set(store, runKey);
      }
      return sealedPlatformState(store, platform, runKey.key, {
        ...(runKey.migrating ? { legacyMaterials: legacyKeyMaterials(settings, platform) } : {}),
        ...(onSealedWrite ? { onSealedWrite } : {}),
      });
    },
  };
}

/**
 * The state `login` keeps the new tokens in: sealed with the key `sync` derives from the same
 * settings, or, when the policy gives none, only in memory (never under a constant key).
 */
export function loginPlatformState(
  store: Store,
  settings: StateKeySettings,
  platform: PlatformId,
  context: StateKeyContext = processKeyContext(),
): { state: PlatformState; savedLine: string } {
  const choice = chooseStateKey(settings, context);
  if (choice.source === 'none') {
    return {
      state: new MemoryPlatformState(),
      savedLine: `Not saved in ${store.path}: ${choice.reason.replace(/^no key/, 'there is no key')}.`,
    };
  }
  const runKey = deriveRunStateKey(choice, store);
  return {
    state: sealedPlatformState(store, platform, runKey.key),
    savedLine: `Also saved, encrypted, in ${store.path} for local runs.`,
  };
}
