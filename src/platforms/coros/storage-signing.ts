import { createHash, createHmac } from 'node:crypto';

/**
 * Request signing for the one PutObject the COROS upload needs: AWS Signature Version 4 for S3
 * (reference §7.4) and the Aliyun OSS V1 header signature (§7.5). Hand-written on node:crypto to
 * keep the bundle free of cloud SDKs, which also make forbidden List/HEAD calls (§10 #7).
 */

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function md5Hex(data: Uint8Array | string): string {
  return createHash('md5').update(data).digest('hex');
}

export function md5Base64(data: Uint8Array | string): string {
  return createHash('md5').update(data).digest('base64');
}

/** RFC 3986 encoding of one path segment, as S3 canonicalises it (`/` stays a separator). */
export function awsEncodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Canonical URI of an object path (decoded segments, each encoded once). */
export function s3CanonicalUri(path: string): string {
  return path
    .split('/')
    .map((segment) => awsEncodeSegment(safeDecode(segment)))
    .join('/');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `YYYYMMDDTHHMMSSZ` */
export function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

export function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

export interface SigV4Input {
  readonly method: string;
  /** Canonical URI (already encoded). */
  readonly canonicalUri: string;
  /** Canonical query string (empty for PutObject). */
  readonly canonicalQuery: string;
  /** Every signed header, lower-case name → value. */
  readonly headers: Readonly<Record<string, string>>;
  readonly payloadHash: string;
  readonly amzDate: string;
  readonly region: string;
  readonly service: string;
  readonly secretAccessKey: string;
}

export interface SigV4Parts {
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signedHeaders: string;
  readonly scope: string;
  readonly signature: string;
}

/** The SigV4 algorithm itself, from already-canonical parts; the S3 emulator reuses it to verify. */
export function sigV4(input: SigV4Input): SigV4Parts {
  const names = Object.keys(input.headers)
    .map((name) => name.toLowerCase())
    .sort();
  const lowered = Object.fromEntries(Object.entries(input.headers).map(([name, value]) => [name.toLowerCase(), value]));
  const canonicalHeaders = names.map((name) => `${name}:${canonicalHeaderValue(lowered[name] ?? '')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    input.method,
    input.canonicalUri,
    input.canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    input.payloadHash,
  ].join('\n');
  const dateStamp = input.amzDate.slice(0, 8);
  const scope = `${dateStamp}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', input.amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const kDate = hmac('AWS4' + input.secretAccessKey, dateStamp);
  const kRegion = hmac(kDate, input.region);
  const kService = hmac(kRegion, input.service);
  const kSigning = hmac(kService, 'aws4_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign).digest('hex');
  return { canonicalRequest, stringToSign, signedHeaders, scope, signature };
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

export interface S3PutRequest {
  /** The real object URL, https://<bucket>.s3.<region>.amazonaws.com/<key>. */
  readonly url: URL;
  readonly region: string;
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly credentials: S3Credentials;
  readonly now: Date;
}

/** Headers for one SigV4-signed PutObject (the Host header is the URL's host and is signed). */
export function signS3Put(request: S3PutRequest): Record<string, string> {
  const date = amzDate(request.now);
  const payloadHash = sha256Hex(request.body);
  const signed: Record<string, string> = {
    host: request.url.host,
    'content-type': request.contentType,
    'x-amz-content-sha256': payloadHash,
    'x-amz-date': date,
    'x-amz-security-token': request.credentials.sessionToken,
  };
  const parts = sigV4({
    method: 'PUT',
    canonicalUri: s3CanonicalUri(request.url.pathname),
    canonicalQuery: '',
    headers: signed,
    payloadHash,
    amzDate: date,
    region: request.region,
    service: 's3',
    secretAccessKey: request.credentials.secretAccessKey,
  });
  const { host: _host, ...sent } = signed;
  return {
    ...sent,
    authorization:
      `AWS4-HMAC-SHA256 Credential=${request.credentials.accessKeyId}/${parts.scope}, ` +
      `SignedHeaders=${parts.signedHeaders}, Signature=${parts.signature}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Aliyun OSS, V1 header signature.

export interface OssStringToSignInput {
  readonly method: string;
  readonly contentMd5: string;
  readonly contentType: string;
  readonly date: string;
  /** Every header of the request; only `x-oss-*` ones are used. */
  readonly headers: Readonly<Record<string, string>>;
  /** `/<bucket>/<key>` */
  readonly resource: string;
}

export function ossStringToSign(input: OssStringToSignInput): string {
  const ossHeaders = Object.entries(input.headers)
    .map(([name, value]) => [name.toLowerCase(), value.trim()] as const)
    .filter(([name]) => name.startsWith('x-oss-'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}:${value}\n`)
    .join('');
  return `${input.method}\n${input.contentMd5}\n${input.contentType}\n${input.date}\n${ossHeaders}${input.resource}`;
}

export function ossSignature(accessKeySecret: string, stringToSign: string): string {
  return createHmac('sha1', accessKeySecret).update(stringToSign).digest('base64');
}

export interface OssCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string;
}

export interface OssPutRequest {
  readonly bucket: string;
  readonly key: string;
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly credentials: OssCredentials;
  readonly now: Date;
  readonly forbidOverwrite?: boolean;
}

export function signOssPut(request: OssPutRequest): Record<string, string> {
  const headers: Record<string, string> = {
    date: request.now.toUTCString(),
    'content-type': request.contentType,
    'content-md5': md5Base64(request.body),
    'x-oss-security-token': request.credentials.securityToken,
  };
  if (request.forbidOverwrite) headers['x-oss-forbid-overwrite'] = 'true';
  const stringToSign = ossStringToSign({
    method: 'PUT',
    contentMd5: headers['content-md5']!,
    contentType: request.contentType,
    date: headers.date!,
    headers,
    resource: `/${request.bucket}/${request.key}`,
  });
  const signature = ossSignature(request.credentials.accessKeySecret, stringToSign);
  headers.authorization = `OSS ${request.credentials.accessKeyId}:${signature}`;
  return headers;
}
