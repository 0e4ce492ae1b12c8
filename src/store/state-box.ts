import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

/**
 * State that a platform adapter keeps between runs: plain values (a circuit breaker's deadline,
 * which login form worked) and sealed values (tokens), which are only ever written encrypted.
 */
export interface PlatformState {
  getPlain(name: string): string | undefined;
  setPlain(name: string, value: string | undefined): void;
  /** Decrypted value, or undefined when absent or sealed with another key. */
  getSecret(name: string): string | undefined;
  /** Encrypts and persists immediately (a rotated refresh token must never be lost). */
  setSecret(name: string, value: string | undefined): void;
}

/** A state in memory, for tests and one-off CLI calls. */
export class MemoryPlatformState implements PlatformState {
  readonly plain = new Map<string, string>();
  readonly sealed = new Map<string, string>();
  getPlain(name: string): string | undefined {
    return this.plain.get(name);
  }
  setPlain(name: string, value: string | undefined): void {
    if (value === undefined) this.plain.delete(name);
    else this.plain.set(name, value);
  }
  getSecret(name: string): string | undefined {
    return this.sealed.get(name);
  }
  setSecret(name: string, value: string | undefined): void {
    if (value === undefined) this.sealed.delete(name);
    else this.sealed.set(name, value);
  }
}

const SALT = 'sports-sync-x/state-key/v1';

/** A 256-bit key from the user's state secret, or else from the platform's configured credentials. */
export function deriveStateKey(material: string): Buffer {
  return scryptSync(material, SALT, 32, { N: 1 << 14, r: 8, p: 1 });
}

/** AES-256-GCM; the output is `v1.<iv>.<tag>.<ciphertext>` in base64url. */
export function seal(key: Buffer, plaintext: string, associatedData: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return ['v1', iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
}

/** Undefined when the box was sealed with another key or tampered with. */
export function unseal(key: Buffer, box: string, associatedData: string): string | undefined {
  const parts = box.split('.');
  if (parts.length !== 4 || parts[0] !== 'v1') return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parts[1]!, 'base64url'));
    decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(Buffer.from(parts[2]!, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(parts[3]!, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
