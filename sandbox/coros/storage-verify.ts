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

function deny(
  status: number,
  code: string,
  message: string,
  extra?: Record<string, string>,
  ec?: string,
): StorageVerdict {
  return { ok: false, status, code, message, ...(extra ? { extra } : {}), ...(ec ? { ec } : {}) };
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

function allowedKey(credential: IssuedCredential, key: string): boolean {
  const prefix = credential.userId ? `fit_zip/${credential.userId}/` : 'fit_zip/';
  return key.startsWith(prefix) && key.length > prefix.length && !key.includes('..');
}

/** AWS S3 with Signature Version 4. */
export function verifyS3Request(request: StorageRequest, context: StorageContext): StorageVerdict {
  const hostMatch = S3_HOST.exec(request.host);
  if (!hostMatch) return deny(400, 'InvalidURI', 'Could not parse the specified URI.');
  const bucketName = hostMatch[1]!;
  const hostRegion = hostMatch[2]!;
  const bucket = context.bucket(bucketName);
  if (!bucket || bucket.service !== 'aws')
    return deny(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucketName });
  if (bucket.region !== hostRegion) {
    return deny(
      301,
      'PermanentRedirect',
      'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
      { Endpoint: `${bucketName}.s3.${bucket.region}.amazonaws.com` },
    );
  }
  const authorization = request.headers.authorization;
  if (!authorization) return deny(403, 'AccessDenied', 'Access Denied');
  const auth =
    /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(
      authorization.trim(),
    );
  if (!auth)
    return deny(
      400,
      'AuthorizationHeaderMalformed',
      'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.',
    );
  const [, accessKeyId = '', dateStamp = '', scopeRegion = '', service = '', signedList = '', signature = ''] = auth;
  if (service !== 's3')
    return deny(
      400,
      'AuthorizationHeaderMalformed',
      `The authorization header is malformed; incorrect service "${service}". This endpoint belongs to "s3".`,
    );
  if (scopeRegion !== bucket.region)
    return deny(
      400,
      'AuthorizationHeaderMalformed',
      `The authorization header is malformed; the region '${scopeRegion}' is wrong; expecting '${bucket.region}'`,
      { Region: bucket.region },
    );

  const credential = context.credential(accessKeyId);
  if (!credential || credential.service !== 'aws')
    return deny(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', {
      AWSAccessKeyId: accessKeyId,
    });
  const token = request.headers['x-amz-security-token'];
  if (token === undefined)
    return deny(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', {
      AWSAccessKeyId: accessKeyId,
    });
  if (!sameText(token, credential.token))
    return deny(400, 'InvalidToken', 'The provided token is malformed or otherwise invalid.');
  if (request.nowMs >= credential.expiresAtMs) return deny(400, 'ExpiredToken', 'The provided token has expired.');

  const amzDateHeader = request.headers['x-amz-date'];
  const requestTime = amzDateHeader ? parseAmzDate(amzDateHeader) : undefined;
  if (requestTime === undefined)
    return deny(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  if (Math.abs(requestTime - request.nowMs) > SKEW_MS) {
    return deny(
      403,
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
      {
        RequestTime: amzDateHeader!,
        ServerTime: new Date(request.nowMs).toISOString(),
        MaxAllowedSkewMilliseconds: String(SKEW_MS),
      },
    );
  }
  const signed = signedList.split(';');
  if (!signed.includes('host'))
    return deny(403, 'AccessDenied', 'There were headers present in the request which were not signed', {
      HeadersNotSigned: 'host',
    });
  const unsigned = Object.keys(request.headers).filter((name) => name.startsWith('x-amz-') && !signed.includes(name));
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
    amzDate: amzDateHeader!,
    region: scopeRegion,
    service: 's3',
    secretAccessKey: credential.secret,
  });
  if (dateStamp !== amzDateHeader!.slice(0, 8) || !sameText(expected.signature, signature)) {
    return deny(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      {
        AWSAccessKeyId: accessKeyId,
        StringToSign: expected.stringToSign,
        SignatureProvided: signature,
      },
    );
  }
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256Hex(request.body)) {
    return deny(
      400,
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      { ClientComputedContentSHA256: payloadHash, S3ComputedContentSHA256: sha256Hex(request.body) },
    );
  }
  const key = objectKey(request.rawPath);
  // The uploader's policy allows s3:PutObject under its own prefix, and nothing else.
  if (request.method !== 'PUT' || key === '' || request.rawQuery !== '')
    return deny(403, 'AccessDenied', 'Access Denied');
  if (bucketName !== credential.bucket || !allowedKey(credential, key))
    return deny(403, 'AccessDenied', 'Access Denied');
  return { ok: true, bucket: bucketName, key };
}

/** Aliyun OSS with the V1 header signature. */
export function verifyOssRequest(request: StorageRequest, context: StorageContext): StorageVerdict {
  const hostMatch = OSS_HOST.exec(request.host);
  if (!hostMatch) return deny(400, 'InvalidURI', 'Could not parse the specified URI.');
  const bucketName = hostMatch[1]!;
  const endpointRegion = hostMatch[2]!;
  const bucket = context.bucket(bucketName);
  if (!bucket || bucket.service !== 'aliyun')
    return deny(
      404,
      'NoSuchBucket',
      'The specified bucket does not exist.',
      { BucketName: bucketName },
      '0015-00000101',
    );
  if (bucket.region !== endpointRegion) {
    return deny(
      403,
      'AccessDenied',
      'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
      { Endpoint: `${bucket.region}.aliyuncs.com` },
      '0003-00001403',
    );
  }
  const authorization = request.headers.authorization;
  if (!authorization)
    return deny(
      403,
      'AccessDenied',
      'You have no right to access this object because of bucket acl.',
      undefined,
      '0003-00000001',
    );
  const auth = /^OSS ([^:\s]+):(\S+)$/.exec(authorization.trim());
  if (!auth) return deny(400, 'InvalidArgument', 'Authorization header is invalid.', undefined, '0002-00000004');
  const [, accessKeyId = '', signature = ''] = auth;
  const credential = context.credential(accessKeyId);
  if (!credential || credential.service !== 'aliyun')
    return deny(
      403,
      'InvalidAccessKeyId',
      'The OSS Access Key Id you provided does not exist in our records.',
      { OSSAccessKeyId: accessKeyId },
      '0002-00000002',
    );
  const token = request.headers['x-oss-security-token'];
  if (token === undefined)
    return deny(
      403,
      'InvalidAccessKeyId',
      'The Security Token may be lost, please check your request.',
      { OSSAccessKeyId: accessKeyId },
      '0002-00000003',
    );
  if (!sameText(token, credential.token))
    return deny(403, 'InvalidSecurityToken', 'The security token you provided is invalid.', undefined, '0002-00000008');
  if (request.nowMs >= credential.expiresAtMs)
    return deny(
      403,
      'SecurityTokenExpired',
      'The security token you provided has expired.',
      undefined,
      '0002-00000007',
    );
  const date = request.headers.date;
  const requestTime = date ? Date.parse(date) : NaN;
  if (!date || !Number.isFinite(requestTime))
    return deny(403, 'AccessDenied', 'OSS authentication requires a valid Date.', undefined, '0002-00000016');
  if (Math.abs(requestTime - request.nowMs) > SKEW_MS) {
    return deny(
      403,
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
      { RequestTime: date, ServerTime: new Date(request.nowMs).toUTCString() },
      '0002-00000017',
    );
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
    return deny(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      { OSSAccessKeyId: accessKeyId, SignatureProvided: signature, StringToSign: stringToSign },
      '0002-00000040',
    );
  }
  const contentMd5 = request.headers['content-md5'];
  if (contentMd5 !== undefined && contentMd5 !== createHash('md5').update(request.body).digest('base64')) {
    return deny(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.', undefined, '0016-00000303');
  }
  if (request.method !== 'PUT' || key === '' || request.rawQuery !== '')
    return deny(
      403,
      'AccessDenied',
      'You have no right to access this object because of bucket acl.',
      undefined,
      '0003-00000001',
    );
  if (bucketName !== credential.bucket || !allowedKey(credential, key))
    return deny(
      403,
      'AccessDenied',
      'You have no right to access this object because of bucket acl.',
      undefined,
      '0003-00000001',
    );
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
