import { hkdfSync, randomBytes, scryptSync } from 'node:crypto';
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
 * repository. The key comes from a KDF with a random salt kept in the database, once per run: scrypt
 * for anything a person may have chosen, HKDF for material that is random by construction (a
 * generated STATE_SECRET, a Garmin token), where stretching adds nothing but 150–200 ms of CPU.
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
const KDF_META = 'state-key.kdf';
const SCRYPT = { N: 1 << 16, r: 8, p: 1, maxmem: 160 * 1024 * 1024 } as const;

/** How the run key is derived from its material; recorded per database so the key stays the same. */
export type KeyDerivation = 'scrypt' | 'hkdf-sha256';

/**
 * True when `secret` has the form of generated key material with at least 128 bits in it: the
 * output of `openssl rand -base64 N` (N ≥ 16) or `-hex N` (N ≥ 16). A chosen phrase is refused by
 * the tests a random string passes almost always: mixed classes, as many capitals as chance says,
 * no repeated run. A random secret refused here only costs the slower derivation. Pure.
 */
export function looksGenerated(secret: string): boolean {
  if (/^[0-9a-f]{32,}$/i.test(secret)) return /\d/.test(secret) && /[a-f]/i.test(secret) && !repeatsRun(secret, 6);
  if (!/^[A-Za-z0-9+/_-]{22,}={0,2}$/.test(secret)) return false;
  const body = secret.replace(/=+$/, '');
  if (!/[A-Z]/.test(body) || !/[a-z]/.test(body) || !/\d/.test(body) || repeatsRun(body, 4)) return false;
  const capitals = capitalShare(body);
  return capitals >= 0.25 && capitals <= 0.75;
}

function repeatsRun(text: string, length: number): boolean {
  const seen = new Set<string>();
  for (let index = 0; index + length <= text.length; index++) {
    const run = text.slice(index, index + length).toLowerCase();
    if (seen.has(run)) return true;
    seen.add(run);
  }
  return false;
}

/** The share of capitals among the letters (about 1/2 for random text, little for words). */
function capitalShare(text: string): number {
  const letters = text.replace(/[^A-Za-z]/g, '');
  return letters.replace(/[^A-Z]/g, '').length / Math.max(1, letters.length);
}

/** The derivation the material deserves: scrypt for anything a person may have chosen. Pure. */
export function derivationFor(choice: StateKeyChoice): KeyDerivation {
  if (choice.source === 'garmin-token') return 'hkdf-sha256';
  if (choice.source === 'credentials') return 'scrypt';
  return looksGenerated(choice.material) ? 'hkdf-sha256' : 'scrypt';
}

export interface RunStateKey {
  readonly source: StateKeySource;
  readonly key: Buffer;
  /**
   * The database predates this key (no salt yet): boxes sealed with the old per-platform keys may
   * be opened once, then resealed.
   */
  readonly migrating: boolean;
}

/**
 * Derives the run's key with the database's random salt, creating the salt on first use. When the
 * material now deserves another derivation than the database records, every box the old key opens
 * is resealed with the new key in one transaction (a kill before the commit leaves the old state).
 */
export function deriveRunStateKey(choice: StateKeyChoice, store: Store): RunStateKey {
  let salt = store.getMeta(SALT_META);
  // Old per-platform boxes can only exist where something is sealed already.
  const migrating = salt === undefined && store.sealedStateNames().length > 0;
  const wanted = derivationFor(choice);
  if (salt === undefined) {
    salt = randomBytes(16).toString('base64url');
    store.transaction(() => {
      store.setMeta(SALT_META, salt!);
      store.setMeta(KDF_META, wanted);
    });
    return { source: choice.source, key: deriveKey(choice, salt, wanted), migrating };
  }
  const recorded = recordedDerivation(store.getMeta(KDF_META));
  const key = deriveKey(choice, salt, wanted);
  if (recorded !== wanted) rekey(store, () => deriveKey(choice, salt, recorded), key, wanted);
  return { source: choice.source, key, migrating };
}

function rekey(store: Store, oldKey: () => Buffer, newKey: Buffer, derivation: KeyDerivation): void {
  const names = store.sealedStateNames();
  const old = names.length > 0 ? oldKey() : newKey;
  store.transaction(() => {
    for (const { platform, name } of names) {
      const value = store.platformState(platform, old).getSecret(name);
      if (value !== undefined) store.platformState(platform, newKey).setSecret(name, value);
    }
    store.setMeta(KDF_META, derivation);
  });
}

/** Databases from before the choice was recorded used scrypt. */
function recordedDerivation(value: string | undefined): KeyDerivation {
  return value === 'hkdf-sha256' ? 'hkdf-sha256' : 'scrypt';
}

function deriveKey(choice: StateKeyChoice, salt: string, derivation: KeyDerivation): Buffer {
  const material = `${choice.source}|${choice.material}`;
  if (derivation === 'scrypt') return scryptSync(material, `sports-sync-x/state-key/v2/${salt}`, 32, SCRYPT);
  return Buffer.from(hkdfSync('sha256', material, salt, 'sports-sync-x/state-key/v3', 32));
}

/** The run key for a known salt and recorded derivation (read-only callers such as `doctor`). */
export function keyFromSalt(choice: StateKeyChoice, salt: string, recorded: string | undefined): Buffer {
  return deriveKey(choice, salt, recordedDerivation(recorded));
}

/** The meta entry recording the derivation. */
export const STATE_KEY_DERIVATION_META = KDF_META;

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
