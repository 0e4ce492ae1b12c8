/** Values shorter than this are not treated as secrets (redacting "1" would shred every log). */
const MIN_SECRET_LENGTH = 4;
/** Shorter values are only replaced where they stand alone, never inside an ordinary word. */
const WHOLE_WORD_BELOW = 8;
/** Values that are settings, not secrets, wherever they come from (a cookie, a query value). */
const NOT_SECRETS = new Set([
  'true',
  'false',
  'null',
  'none',
  'undefined',
  'yes',
  'no',
  'on',
  'off',
  'debug',
  'json',
  'text',
  'html',
  'markdown',
  'utf-8',
  'en-us',
  'en_us',
  'zh-cn',
  'zh_cn',
  'https',
  'http',
]);

/** Whether a value is worth registering: long enough, not a plain setting word. */
export function isSecretCandidate(value: string): boolean {
  return value.length >= MIN_SECRET_LENGTH && !NOT_SECRETS.has(value.toLowerCase()) && !/^\d{1,5}$/.test(value);
}

/**
 * Secret values (passwords, tokens, tickets, keys) and what replaces them in text. A value once
 * registered is never forgotten: nothing can take it out again, so nothing shown later can leak it.
 */
export class SecretRegistry {
  readonly #secrets = new Set<string>();
  readonly #listeners: Array<(value: string) => void> = [];

  register(value: string | undefined | null): void {
    if (value === undefined || value === null) return;
    const trimmed = value.trim();
    if (!isSecretCandidate(trimmed) || this.#secrets.has(trimmed)) return;
    this.#secrets.add(trimmed);
    // URL-encoded and base64 forms leak through query strings and headers just as easily.
    const variants = [encodeURIComponent(trimmed), Buffer.from(trimmed).toString('base64')];
    for (const variant of variants) if (variant !== trimmed && isSecretCandidate(variant)) this.#secrets.add(variant);
    for (const listener of this.#listeners) listener(trimmed);
  }

  /** Calls the listener with every value registered so far and every one registered later. */
  onRegistered(listener: (value: string) => void): void {
    this.#listeners.push(listener);
    for (const value of this.#secrets) listener(value);
  }

  /** Replaces every registered secret, and well-known secret shapes, with `***`. */
  redact(text: string): string {
    let out = text;
    // Longest first so a secret containing another is replaced whole.
    const ordered = [...this.#secrets].sort((a, b) => b.length - a.length);
    for (const secret of ordered) {
      if (!out.includes(secret)) continue;
      if (secret.length >= WHOLE_WORD_BELOW) out = out.split(secret).join('***');
      else out = out.replace(wholeWord(secret), '***');
    }
    return redactPatterns(out);
  }

  /**
   * A copy of a plain value (a report) with every string redacted, so it can be serialised: JSON
   * literals, numbers and keys are never touched and the result is always valid JSON.
   */
  redactValue<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((item: unknown) => this.redactValue(item)) as T;
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) out[key] = this.redactValue(item);
      return out as T;
    }
    return value;
  }

  /** A URL safe to show: query values of secret-looking parameters and user info removed, secrets redacted. */
  redactUrl(url: string | URL): string {
    let parsed: URL;
    try {
      parsed = new URL(String(url));
    } catch {
      return this.redact(String(url));
    }
    parsed.username = '';
    parsed.password = '';
    for (const key of [...parsed.searchParams.keys()]) {
      if (SECRET_QUERY_KEYS.test(key)) parsed.searchParams.set(key, '***');
    }
    return this.redact(parsed.toString().replace(/%2A%2A%2A/g, '***'));
  }
}

/**
 * The process's registry. Every credential and every derived token is registered the moment it is
 * known; all log output and every error message stored or printed passes through `redact`. The
 * Action registers `core.setSecret` as a listener so the runner masks them too.
 */
const processSecrets = new SecretRegistry();

export const registerSecret = (value: string | undefined | null): void => processSecrets.register(value);
export const onSecretRegistered = (listener: (value: string) => void): void => processSecrets.onRegistered(listener);
export const redact = (text: string): string => processSecrets.redact(text);
export const redactValue = <T>(value: T): T => processSecrets.redactValue(value);
export const redactUrl = (url: string | URL): string => processSecrets.redactUrl(url);

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A short value as a whole word: not preceded or followed by a letter, digit or underscore. */
const wholeWord = (secret: string) =>
  new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRegExp(secret)}(?![\\p{L}\\p{N}_])`, 'gu');

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // Garmin/CAS service tickets.
  [/\bST-\d+-[A-Za-z0-9]+-(?:sso|cas)\b/g, 'ST-***'],
  // Bearer / Basic credentials in headers or messages.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 ***'],
  // JWTs.
  [/\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}/g, '***'],
];

function redactPatterns(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

const SECRET_QUERY_KEYS = new RegExp(
  '^(?:token|access_?token|refresh_?token|ticket|key|sign|signature|password|pwd|secret|code|' +
    'x-amz-[a-z-]+|x-oss-[a-z-]+|accesskeyid|security-token|sendkey|logintoken|sessionid|client_secret)$',
  'i',
);

/** Whether a query parameter's value is a credential (token=, key=, sign= …) rather than a setting. */
export function isSecretQueryKey(key: string): boolean {
  return SECRET_QUERY_KEYS.test(key);
}
