import { createHash, timingSafeEqual } from 'node:crypto';
import {
  computeSigV4,
  hexSha256 as sha256Hex,
  ossV1Signature as ossSignature,
  ossV1StringToSign,
  s3PathForSigning as s3CanonicalUri,
  uriEncode as awsEncodeSegment,
} from './coros-reference.ts';

/**
 * Request verification of the two object stores behind the COROS upload, as strict as the real
 * services (reference §7.4, §7.5, §11): everything is recomputed from the request as received,
 * never from what the client meant to send.
 */

export interface IssuedCredential {
  readonly accessKeyId: string;
  readonly secret: string;
  readonly token: string;
  readonly expiresAtMs: number;
  readonly bucket: string;
  readonly service: 'aws' | 'aliyun';
  /** Owner: the policy only allows `fit_zip/<userId>/…` (legacy credentials: any `fit_zip/`). */
  readonly userId: string | undefined;
}

export interface BucketInfo {
  readonly service: 'aws' | 'aliyun';
  /** S3 region (eu-central-1) or OSS endpoint region (oss-cn-beijing). */
  readonly region: string;
}

export interface StorageRequest {
  readonly method: string;
  /** The real host the request was addressed to. */
  readonly host: string;
  /** The path as received (still percent-encoded), without the query. */
  readonly rawPath: string;
  readonly rawQuery: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  readonly nowMs: number;
}

export interface StorageContext {
  credential(accessKeyId: string): IssuedCredential | undefined;
  bucket(name: string): BucketInfo | undefined;
  objectExists(bucket: string, key: string): boolean;
}

export type StorageVerdict =
  | { readonly ok: true; readonly bucket: string; readonly key: string }
  | {
      readonly ok: false;
      readonly status: number;
      readonly code: string;
      readonly message: string;
      readonly extra?: Record<string, string>;
      readonly ec?: string;
    };

const SKEW_MS = 15 * 60_000;
const S3_HOST = /^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.s3\.([a-z0-9-]+)\.amazonaws\.com$/;
const OSS_HOST = /^([a-z0-9][a-z0-9-]{1,61}[a-z0-9])\.(oss-[a-z0-9-]+)\.aliyuncs\.com$/;

export function storageKind(host: string): 'aws' | 'aliyun' | undefined {
  if (S3_HOST.test(host)) return 'aws';
  if (OSS_HOST.test(host)) return 'aliyun';
  return undefined;
}

type Denied = Extract<StorageVerdict, { ok: false }>;

/** The answers a store gives, by what went wrong (reference §7.4 for S3, §7.5 for OSS). */
type Refusal =
  | 'badHost'
  | 'noSuchBucket'
  | 'wrongEndpoint'
  | 'noAuthorization'
  | 'unknownKey'
  | 'missingToken'
  | 'badToken'
  | 'expiredToken'
  | 'skewed'
  | 'signatureMismatch'
  | 'notAllowed';

interface Answer {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** OSS only: the error's EC code. */
  readonly ec?: string;
}

interface StoreDialect {
  readonly service: 'aws' | 'aliyun';
  readonly host: RegExp;
  readonly tokenHeader: string;
  /** The name under which the error document repeats the access key id. */
  readonly keyIdField: string;
  readonly endpoint: (bucketName: string, region: string) => string;
  readonly answers: Readonly<Record<Refusal, Answer>>;
}

const WRONG_ENDPOINT =
  'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.';
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your key and signing method.';
const SKEWED = 'The difference between the request time and the current time is too large.';

const S3_ACCESS_DENIED: Answer = { status: 403, code: 'AccessDenied', message: 'Access Denied' };
const S3_UNKNOWN_KEY: Answer = {
  status: 403,
  code: 'InvalidAccessKeyId',
  message: 'The AWS Access Key Id you provided does not exist in our records.',
};
const S3: StoreDialect = {
  service: 'aws',
  host: S3_HOST,
  tokenHeader: 'x-amz-security-token',
  keyIdField: 'AWSAccessKeyId',
  endpoint: (bucketName, region) => `${bucketName}.s3.${region}.amazonaws.com`,
  answers: {
    badHost: { status: 400, code: 'InvalidURI', message: 'Could not parse the specified URI.' },
    noSuchBucket: { status: 404, code: 'NoSuchBucket', message: 'The specified bucket does not exist' },
    wrongEndpoint: { status: 301, code: 'PermanentRedirect', message: WRONG_ENDPOINT },
    noAuthorization: S3_ACCESS_DENIED,
    unknownKey: S3_UNKNOWN_KEY,
    // S3 treats a temporary key without its session token as an unknown key.
    missingToken: S3_UNKNOWN_KEY,
    badToken: { status: 400, code: 'InvalidToken', message: 'The provided token is malformed or otherwise invalid.' },
    expiredToken: { status: 400, code: 'ExpiredToken', message: 'The provided token has expired.' },
    skewed: { status: 403, code: 'RequestTimeTooSkewed', message: SKEWED },
    signatureMismatch: { status: 403, code: 'SignatureDoesNotMatch', message: SIGNATURE_MISMATCH },
    notAllowed: S3_ACCESS_DENIED,
  },
};

const OSS_ACL_DENIED: Answer = {
  status: 403,
  code: 'AccessDenied',
  message: 'You have no right to access this object because of bucket acl.',
  ec: '0003-00000001',
};
const OSS: StoreDialect = {
  service: 'aliyun',
  host: OSS_HOST,
  tokenHeader: 'x-oss-security-token',
  keyIdField: 'OSSAccessKeyId',
  endpoint: (_bucketName, region) => `${region}.aliyuncs.com`,
  answers: {
    badHost: { status: 400, code: 'InvalidURI', message: 'Could not parse the specified URI.' },
    noSuchBucket: {
      status: 404,
      code: 'NoSuchBucket',
      message: 'The specified bucket does not exist.',
      ec: '0015-00000101',
    },
    wrongEndpoint: { status: 403, code: 'AccessDenied', message: WRONG_ENDPOINT, ec: '0003-00001403' },
    noAuthorization: OSS_ACL_DENIED,
    unknownKey: {
      status: 403,
      code: 'InvalidAccessKeyId',
      message: 'The OSS Access Key Id you provided does not exist in our records.',
      ec: '0002-00000002',
    },
    missingToken: {
      status: 403,
      code: 'InvalidAccessKeyId',
      message: 'The Security Token may be lost, please check your request.',
      ec: '0002-00000003',
    },
    badToken: {
      status: 403,
      code: 'InvalidSecurityToken',
      message: 'The security token you provided is invalid.',
      ec: '0002-00000008',
    },
    expiredToken: {
      status: 403,
      code: 'SecurityTokenExpired',
      message: 'The security token you provided has expired.',
      ec: '0002-00000007',
    },
    skewed: { status: 403, code: 'RequestTimeTooSkewed', message: SKEWED, ec: '0002-00000017' },
    signatureMismatch: {
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: SIGNATURE_MISMATCH,
      ec: '0002-00000040',
    },
    notAllowed: OSS_ACL_DENIED,
  },
};

function deny(status: number, code: string, message: string, extra?: Record<string, string>, ec?: string): Denied {
  return { ok: false, status, code, message, ...(extra ? { extra } : {}), ...(ec ? { ec } : {}) };
}

function refuse(dialect: StoreDialect, refusal: Refusal, extra?: Record<string, string>): Denied {
  const answer = dialect.answers[refusal];
  return deny(answer.status, answer.code, answer.message, extra, answer.ec);
}

function isDenied(value: object): value is Denied {
  return 'ok' in value && value.ok === false;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function objectKey(rawPath: string): string {
  return rawPath
    .replace(/^\//, '')
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
}

function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return '';
  return rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const [name = '', value = ''] = pair.split('=');
      return [
        awsEncodeSegment(decodeURIComponent(name.replace(/\+/g, ' '))),
        awsEncodeSegment(decodeURIComponent(value.replace(/\+/g, ' '))),
      ] as const;
    })
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function parseAmzDate(value: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
}

interface Located {
  readonly bucketName: string;
  readonly bucket: BucketInfo;
}

/** Virtual-hosted addressing: the bucket must exist at this store and be addressed at its own region. */
function locateBucket(request: StorageRequest, context: StorageContext, dialect: StoreDialect): Located | Denied {
  const hostMatch = dialect.host.exec(request.host);
  if (!hostMatch) return refuse(dialect, 'badHost');
  const bucketName = hostMatch[1]!;
  const bucket = context.bucket(bucketName);
  if (!bucket || bucket.service !== dialect.service) return refuse(dialect, 'noSuchBucket', { BucketName: bucketName });
  if (bucket.region !== hostMatch[2]) {
    return refuse(dialect, 'wrongEndpoint', { Endpoint: dialect.endpoint(bucketName, bucket.region) });
  }
  return { bucketName, bucket };
}

/** The temporary credential the COROS STS answer issued, with its session token, still valid. */
function admitCredential(
  request: StorageRequest,
  context: StorageContext,
  dialect: StoreDialect,
  accessKeyId: string,
): IssuedCredential | Denied {
  const keyId = { [dialect.keyIdField]: accessKeyId };
  const credential = context.credential(accessKeyId);
  if (!credential || credential.service !== dialect.service) return refuse(dialect, 'unknownKey', keyId);
  const token = request.headers[dialect.tokenHeader];
  if (token === undefined) return refuse(dialect, 'missingToken', keyId);
  if (!sameText(token, credential.token)) return refuse(dialect, 'badToken');
  if (request.nowMs >= credential.expiresAtMs) return refuse(dialect, 'expiredToken');
  return credential;
}

function tooSkewed(requestTimeMs: number, nowMs: number): boolean {
  return Math.abs(requestTimeMs - nowMs) > SKEW_MS;
}

/** The uploader's policy allows PutObject under its own prefix, and nothing else. */
function policyAllows(request: StorageRequest, credential: IssuedCredential, bucketName: string, key: string): boolean {
  if (request.method !== 'PUT' || key === '' || request.rawQuery !== '') return false;
  const prefix = credential.userId ? `fit_zip/${credential.userId}/` : 'fit_zip/';
  return (
    bucketName === credential.bucket && key.startsWith(prefix) && key.length > prefix.length && !key.includes('..')
  );
}

const SIGV4_AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const MALFORMED = 'The authorization header is malformed;';

/** AWS S3 with Signature Version 4. */
export function verifyS3Request(request: StorageRequest, context: StorageContext): StorageVerdict {
  const located = locateBucket(request, context, S3);
  if (isDenied(located)) return located;
  const { bucketName, bucket } = located;
  const authorization = request.headers.authorization;
  if (!authorization) return refuse(S3, 'noAuthorization');
  const auth = SIGV4_AUTHORIZATION.exec(authorization.trim());
  if (!auth)
    return deny(
      400,
      'AuthorizationHeaderMalformed',
      `${MALFORMED} the authorization header requires three components: Credential, SignedHeaders, and Signature.`,
    );
  const [, accessKeyId = '', dateStamp = '', scopeRegion = '', service = '', signedList = '', signature = ''] = auth;
  if (service !== 's3')
    return deny(
      400,
      'AuthorizationHeaderMalformed',
      `${MALFORMED} incorrect service "${service}". This endpoint belongs to "s3".`,
    );
  if (scopeRegion !== bucket.region)
    return deny(
      400,
      'AuthorizationHeaderMalformed',
      `${MALFORMED} the region '${scopeRegion}' is wrong; expecting '${bucket.region}'`,
      { Region: bucket.region },
    );
  const credential = admitCredential(request, context, S3, accessKeyId);
  if (isDenied(credential)) return credential;

  const amzDateHeader = request.headers['x-amz-date'];
  const requestTime = amzDateHeader ? parseAmzDate(amzDateHeader) : undefined;
  if (amzDateHeader === undefined || requestTime === undefined)
    return deny(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  if (tooSkewed(requestTime, request.nowMs)) {
    return refuse(S3, 'skewed', {
      RequestTime: amzDateHeader,
      ServerTime: new Date(request.nowMs).toISOString(),
      MaxAllowedSkewMilliseconds: String(SKEW_MS),
    });
  }
  const signed = signedList.split(';');
  const unsigned = signed.includes('host')
    ? Object.keys(request.headers).filter((name) => name.startsWith('x-amz-') && !signed.includes(name))
    : ['host'];
  if (unsigned.length > 0)
    return deny(403, 'AccessDenied', 'There were headers present in the request which were not signed', {
      HeadersNotSigned: unsigned.join(', '),
    });
  const payloadHash = request.headers['x-amz-content-sha256'];
  if (payloadHash === undefined)
    return deny(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');

  const headers: Record<string, string> = {};
  for (const name of signed) headers[name] = name === 'host' ? request.host : (request.headers[name] ?? '');
  const expected = computeSigV4({
    method: request.method,
    canonicalUri: s3CanonicalUri(request.rawPath),
    canonicalQuery: canonicalQuery(request.rawQuery),
    signedHeaders: headers,
    payloadHash,
    amzDate: amzDateHeader,
    region: scopeRegion,
    service: 's3',
    secretAccessKey: credential.secret,
  });
  if (dateStamp !== amzDateHeader.slice(0, 8) || !sameText(expected.signature, signature)) {
    return refuse(S3, 'signatureMismatch', {
      AWSAccessKeyId: accessKeyId,
      StringToSign: expected.stringToSign,
      SignatureProvided: signature,
    });
  }
  const bodyHash = sha256Hex(request.body);
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== bodyHash) {
    return deny(
      400,
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      { ClientComputedContentSHA256: payloadHash, S3ComputedContentSHA256: bodyHash },
    );
  }
  const key = objectKey(request.rawPath);
  if (!policyAllows(request, credential, bucketName, key)) return refuse(S3, 'notAllowed');
  return { ok: true, bucket: bucketName, key };
}

/** Aliyun OSS with the V1 header signature. */
export function verifyOssRequest(request: StorageRequest, context: StorageContext): StorageVerdict {
  const located = locateBucket(request, context, OSS);
  if (isDenied(located)) return located;
  const { bucketName } = located;
  const authorization = request.headers.authorization;
  if (!authorization) return refuse(OSS, 'noAuthorization');
  const auth = /^OSS ([^:\s]+):(\S+)$/.exec(authorization.trim());
  if (!auth) return deny(400, 'InvalidArgument', 'Authorization header is invalid.', undefined, '0002-00000004');
  const [, accessKeyId = '', signature = ''] = auth;
  const credential = admitCredential(request, context, OSS, accessKeyId);
  if (isDenied(credential)) return credential;

  const date = request.headers.date;
  const requestTime = date ? Date.parse(date) : NaN;
  if (!date || !Number.isFinite(requestTime))
    return deny(403, 'AccessDenied', 'OSS authentication requires a valid Date.', undefined, '0002-00000016');
  if (tooSkewed(requestTime, request.nowMs)) {
    return refuse(OSS, 'skewed', { RequestTime: date, ServerTime: new Date(request.nowMs).toUTCString() });
  }
  const key = objectKey(request.rawPath);
  const stringToSign = ossV1StringToSign({
    verb: request.method,
    contentMd5: request.headers['content-md5'] ?? '',
    contentType: request.headers['content-type'] ?? '',
    date,
    headers: request.headers,
    resource: key === '' ? `/${bucketName}/` : `/${bucketName}/${key}`,
  });
  if (!sameText(ossSignature(credential.secret, stringToSign), signature)) {
    return refuse(OSS, 'signatureMismatch', {
      OSSAccessKeyId: accessKeyId,
      SignatureProvided: signature,
      StringToSign: stringToSign,
    });
  }
  const contentMd5 = request.headers['content-md5'];
  if (contentMd5 !== undefined && contentMd5 !== createHash('md5').update(request.body).digest('base64')) {
    return deny(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.', undefined, '0016-00000303');
  }
  if (!policyAllows(request, credential, bucketName, key)) return refuse(OSS, 'notAllowed');
  if (request.headers['x-oss-forbid-overwrite'] === 'true' && context.objectExists(bucketName, key)) {
    return deny(
      409,
      'FileAlreadyExists',
      'The object you specified already exists and can not be overwritten.',
      undefined,
      '0026-00000001',
    );
  }
  return { ok: true, bucket: bucketName, key };
}

export function storageErrorXml(
  verdict: Extract<StorageVerdict, { ok: false }>,
  service: 'aws' | 'aliyun',
  requestId: string,
): string {
  const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const extra = Object.entries(verdict.extra ?? {})
    .map(([name, value]) => `<${name}>${escape(value)}</${name}>`)
    .join('');
  const tail =
    service === 'aws'
      ? `<RequestId>${requestId}</RequestId><HostId>${Buffer.from(requestId).toString('base64')}</HostId>`
      : `<RequestId>${requestId}</RequestId><HostId>sandbox.aliyuncs.com</HostId>${verdict.ec ? `<EC>${verdict.ec}</EC>` : ''}`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${verdict.code}</Code><Message>${escape(verdict.message)}</Message>${extra}${tail}</Error>`;
}
