import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  deriveRunStateKey,
  derivationFor,
  keyFromSalt,
  looksGenerated,
  STATE_KEY_DERIVATION_META,
  STATE_KEY_SALT_META,
  type StateKeyChoice,
} from '../../src/store/state-key.ts';
import { Store } from '../../src/store/store.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ssx-kdf-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let databases = 0;
const openStore = () => Store.open(join(tmp, `state-${++databases}.sqlite`));

describe('which secrets count as generated key material', () => {
  it.each([
    ['openssl rand -base64 24', 'q7Hk2ZpXv9LmA0tR4cWn8YbE1sJd6FgU', true],
    ['openssl rand -base64 32 (padded)', 'hT3kP9vQ2mX7cL0aZ8rW5nB1yF6dJ4sG+eU/oI2tKqw=', true],
    ['openssl rand -hex 16', '3f9a1c7e5b2d8046a1f3c9e7b5d20864', true],
    ['base64url', 'Zr4_Tq8-Lm2Xc7Vb0Nk5Hs9Pw3Jd6Fg1', true],
    ['too short', 'q7Hk2ZpXv9LmA0', false],
    ['a passphrase', 'bench-state-secret-not-a-password', false],
    ['camel-case words', 'CorrectHorseBatteryStaple2024', false],
    ['a repeated phrase', 'MyDogRex2015MyDogRex2015Xy', false],
    ['lower case only', 'correcthorsebatterystapleandmore', false],
    ['hex that repeats itself', 'deadbeefdeadbeefdeadbeefdeadbeef', false],
    ['punctuation a person adds', 'Tr0ub4dor&3-and-more-words!!', false],
  ])('%s', (_, secret, generated) => {
    expect(looksGenerated(secret)).toBe(generated);
  });

  it.each([
    ['openssl rand -base64 24', 24, 'base64', 0.97],
    ['openssl rand -base64 32', 32, 'base64', 0.99],
    ['openssl rand -hex 16', 16, 'hex', 0.99],
  ] as const)('%s passes almost always (a miss only costs the slower derivation)', (_, bytes, encoding, share) => {
    // Fixed pseudo-random secrets, so the test gives the same answer on every run.
    const secrets = Array.from({ length: 2000 }, (_, index) =>
      createHash('sha256').update(`secret ${index}`).digest().subarray(0, bytes).toString(encoding),
    );
    expect(secrets.filter(looksGenerated).length / secrets.length).toBeGreaterThan(share);
  });

  it.each<[StateKeyChoice, string]>([
    [{ source: 'credentials', material: 'a@b.c|q7Hk2ZpXv9LmA0tR4cWn8YbE1sJd6FgU' }, 'scrypt'],
    [{ source: 'garmin-token', material: 'eyJ0b2tlbiI6InNob3J0In0' }, 'hkdf-sha256'],
    [{ source: 'state-secret', material: 'q7Hk2ZpXv9LmA0tR4cWn8YbE1sJd6FgU' }, 'hkdf-sha256'],
    [{ source: 'state-secret', material: 'my long pass phrase' }, 'scrypt'],
    [{ source: 'personal-api-key', material: 'short-key' }, 'scrypt'],
  ])('%o derives with %s', (choice, derivation) => {
    expect(derivationFor(choice)).toBe(derivation);
  });
});

describe('the recorded derivation', () => {
  const generated: StateKeyChoice = { source: 'state-secret', material: 'q7Hk2ZpXv9LmA0tR4cWn8YbE1sJd6FgU' };

  it('a new database records its derivation; the same settings give the same key', () => {
    const store = openStore();
    const first = deriveRunStateKey(generated, store);
    expect(store.getMeta(STATE_KEY_DERIVATION_META)).toBe('hkdf-sha256');
    expect(deriveRunStateKey(generated, store).key.equals(first.key)).toBe(true);
    store.close();
  });

  it('a database sealed with scrypt before the choice existed is resealed once, and nothing is lost', () => {
    const store = openStore();
    // As the previous version left it: a salt, boxes sealed with the scrypt key, no derivation recorded.
    store.setMeta(STATE_KEY_SALT_META, 'c2FsdC1vZi10aGUtb2xkLWRi');
    const scryptKey = keyFromSalt(generated, 'c2FsdC1vZi10aGUtb2xkLWRi', undefined);
    store.platformState('coros', scryptKey).setSecret('session', 'the-coros-session');
    store.platformState('garmin_com', scryptKey).setSecret('tokens', 'the-garmin-tokens');

    const runKey = deriveRunStateKey(generated, store);
    expect(runKey.key.equals(scryptKey)).toBe(false);
    expect(store.getMeta(STATE_KEY_DERIVATION_META)).toBe('hkdf-sha256');
    expect(store.platformState('coros', runKey.key).getSecret('session')).toBe('the-coros-session');
    expect(store.platformState('garmin_com', runKey.key).getSecret('tokens')).toBe('the-garmin-tokens');
    expect(store.platformState('coros', scryptKey).getSecret('session')).toBeUndefined();
    store.close();
  });

  it('a passphrase that replaces a generated secret goes back to scrypt', () => {
    const store = openStore();
    deriveRunStateKey(generated, store);
    const phrase: StateKeyChoice = { source: 'state-secret', material: 'my long pass phrase' };
    const runKey = deriveRunStateKey(phrase, store);
    expect(store.getMeta(STATE_KEY_DERIVATION_META)).toBe('scrypt');
    const salt = store.getMeta(STATE_KEY_SALT_META)!;
    expect(runKey.key.equals(keyFromSalt(phrase, salt, 'scrypt'))).toBe(true);
    store.close();
  });
});
