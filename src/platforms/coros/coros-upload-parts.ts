import { zipSync } from 'fflate';
import { RetryableError } from '../../core/errors.ts';
import { registerSecret } from '../../core/secrets.ts';
import { STS_SALT } from './coros-hosts.ts';

/** Decoded STS credential (reference §7.2); every key, secret and token is registered as a secret. */
export interface StsCredential {
  readonly service: 'aws' | 'aliyun';
  readonly accessKeyId: string;
  readonly secret: string;
  readonly sessionToken: string;
  /** S3 region (us-east-1) or OSS region (oss-cn-beijing), from the payload. */
  readonly region: string;
  readonly bucket: string;
  /** Expiry in epoch milliseconds, when the payload tells (Aliyun payloads may not). */
  readonly expiresAtMs: number | undefined;
}

/** Strips the web app's salt (a suffix; else its single occurrence), base64-decodes, parses. */
export function decodeStsPayload(credentials: string, nowMs: number): StsCredential {
  registerSecret(credentials);
  let encoded = credentials.trim();
  if (encoded.endsWith(STS_SALT)) encoded = encoded.slice(0, -STS_SALT.length);
  else if (encoded.split(STS_SALT).length === 2) encoded = encoded.replace(STS_SALT, '');
  let payload: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
    if (parsed === null || typeof parsed !== 'object') throw new Error('not an object');
    payload = parsed as Record<string, unknown>;
  } catch {
    throw new RetryableError('COROS STS credential could not be decoded (the web app may have changed its encoding)');
  }
  const text = (name: string): string => (typeof payload[name] === 'string' ? (payload[name] as string) : '');
  const accessKeyId = text('AccessKeyId');
  const secret = text('SecretAccessKey') || text('AccessKeySecret');
  const sessionToken = text('SessionToken') || text('SecurityToken');
  const region = text('Region');
  const bucket = text('Bucket');
  for (const value of [accessKeyId, secret, sessionToken]) registerSecret(value);
  if (!accessKeyId || !secret || !sessionToken || !region || !bucket) {
    throw new RetryableError(
      'COROS STS credential is incomplete (needs AccessKeyId, secret, token, Region and Bucket)',
    );
  }
  const service: StsCredential['service'] =
    text('SecurityToken') || accessKeyId.startsWith('STS.') || region.includes('cn-') ? 'aliyun' : 'aws';
  let expiresAtMs: number | undefined;
  const expiration = Date.parse(text('Expiration'));
  if (Number.isFinite(expiration)) expiresAtMs = expiration;
  else if (typeof payload.TokenExpireTime === 'number') expiresAtMs = nowMs + payload.TokenExpireTime * 1000;
  return { service, accessKeyId, secret, sessionToken, region, bucket, expiresAtMs };
}

/** Encodes a payload the way the STS proxy does (used by the sandbox and tests). */
export function encodeStsPayload(payload: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64') + STS_SALT;
}

/** A fixed DOS timestamp so the same FIT always gives the same zip bytes. */
const ZIP_ENTRY_TIME = new Date(1980, 0, 1, 0, 0, 0);

/**
 * The web app's layout (reference §7.3): a directory entry `<md5>/` and the FIT as
 * `<md5>/<fileName>`, STORED; `md5` is the lowercase hex MD5 of the FIT bytes.
 */
export function zipFitForImport(fit: Uint8Array, md5: string, fileName: string): Uint8Array {
  const safeName = fileName.replace(/[\\/]/g, '_') || `${md5}.fit`;
  return zipSync(
    {
      [`${md5}/`]: [new Uint8Array(0), { level: 0, mtime: ZIP_ENTRY_TIME }],
      [`${md5}/${safeName}`]: [fit, { level: 0, mtime: ZIP_ENTRY_TIME }],
    },
    { level: 0, mtime: ZIP_ENTRY_TIME },
  );
}
