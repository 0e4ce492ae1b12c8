import { createHash, createHmac } from 'node:crypto';

/**
 * What the COROS sandbox takes from ../shared/protocols/coros.md and the published AWS/Aliyun
 * signing specifications, written here on purpose instead of imported from src/platforms: a wrong
 * constant or canonicalisation in the client must not be mirrored by its emulator. Checked against
 * the AWS SigV4 and Aliyun OSS V1 published examples (test/coros/signing-vectors.test.ts).
 */

export type SandboxRegionId = 1 | 2 | 3 | 4;

export interface SandboxRegion {
  readonly regionId: SandboxRegionId;
  /** §3: team API host name. */
  readonly teamHost: string;
  /** §3, §7.1: the region's own Training Hub host. */
  readonly trainingHost: string;
  readonly bucket: string;
  readonly service: 'aws' | 'aliyun';
  /** §7.1 legacy channel sign (v=2); none published for Singapore. */
  readonly legacySign: string | undefined;
}

/**
 * §3 region table (ids settled in the December 2026 review), one row per `regionId`. The hosts
 * follow the table's naming: `team<code>api.coros.com` and `training<code>.coros.com`, the code
 * empty for the global region. Columns: id, host code, upload bucket, storage service, §7.1
 * legacy channel sign.
 */
const REGION_ROWS: ReadonlyArray<
  readonly [SandboxRegionId, string, string, SandboxRegion['service'], SandboxRegion['legacySign']]
> = [
  [1, '', 'coros-s3', 'aws', 'E34EF0E34A498A54A9C3EAEFC12B7CAF'],
  [2, 'cn', 'coros-oss', 'aliyun', '9AD4AA35AAFEE6BB1E847A76848D58DF'],
  [3, 'eu', 'eu-coros', 'aws', '877571111A1EE5316E4B590103D4B5B3'],
  [4, 'sg', 'coros-sg-prod', 'aliyun', undefined],
];

export const SANDBOX_REGIONS = Object.fromEntries(
  REGION_ROWS.map(([regionId, code, bucket, service, legacySign]) => [
    regionId,
    {
      regionId,
      teamHost: `team${code}api.coros.com`,
      trainingHost: `training${code}.coros.com`,
      bucket,
      service,
      legacySign,
    },
  ]),
) as Readonly<Record<SandboxRegionId, SandboxRegion>>;

/** §7.1: the geo-routed generic entry, and the US alias. */
export const GENERIC_TRAINING_HOST = 't.coros.com';
export const LEGACY_STS_HOST = 'faq.coros.com';
export const LEGACY_APP_ID = '1660188068672619112';
/** §7.2: the salt appended to the base64 payload. */
export const STS_PAYLOAD_SALT = '9y78gpoERW4lBNYL';

/** §7.2: base64 of the JSON payload with the salt appended. */
export function encodeStsCredentials(payload: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64') + STS_PAYLOAD_SALT;
}

/** §7.4: virtual-hosted-style S3 host. */
export function s3Host(bucket: string, region: string): string {
  return `${bucket}.s3.${region}.amazonaws.com`;
}

/** §7.5: OSS host, the region normalised to the `oss-` prefix. */
export function ossHost(bucket: string, region: string): string {
  return `${bucket}.${region.startsWith('oss-') ? region : `oss-${region}`}.aliyuncs.com`;
}

// ----- AWS Signature Version 4 (S3) ---------------------------------------------------------

export function hexSha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmacSha256(key: Uint8Array | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** RFC 3986 percent-encoding: unreserved A–Z a–z 0–9 - _ . ~ stay, every other byte is %XX (upper case). */
export function uriEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The canonical URI of an S3 request: each path segment decoded once, then encoded once; `/` kept. */
export function s3PathForSigning(rawPath: string): string {
  const path = rawPath === '' ? '/' : rawPath;
  return path
    .split('/')
    .map((segment) => {
      let decoded = segment;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        // keep the raw segment: the service would fail to match too
      }
      return uriEncode(decoded);
    })
    .join('/');
}

export interface SigV4Request {
  readonly method: string;
  readonly canonicalUri: string;
  readonly canonicalQuery: string;
  /** Signed headers, names in any case; values as received. */
  readonly signedHeaders: Readonly<Record<string, string>>;
  readonly payloadHash: string;
  readonly amzDate: string;
  readonly region: string;
  readonly service: string;
  readonly secretAccessKey: string;
}

export interface SigV4Result {
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signature: string;
}

/**
 * The canonical header block both specifications use: the chosen headers with names lower-cased
 * and values trimmed, sorted by name, one `name:value\n` line each.
 */
function canonicalHeaderBlock(
  headers: Readonly<Record<string, string>>,
  keep: (name: string) => boolean,
  normaliseValue: (value: string) => string,
): { readonly block: string; readonly names: readonly string[] } {
  const entries = Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), normaliseValue(value.trim())] as const)
    .filter(([name]) => keep(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { block: entries.map(([name, value]) => `${name}:${value}\n`).join(''), names: entries.map(([name]) => name) };
}

/** AWS SigV4 as the AWS "Authenticating Requests (AWS Signature Version 4)" documentation defines it. */
export function computeSigV4(request: SigV4Request): SigV4Result {
  // SigV4 signs every header it is given, inner runs of spaces folded to one.
  const headers = canonicalHeaderBlock(
    request.signedHeaders,
    () => true,
    (value) => value.replace(/\s+/g, ' '),
  );
  const canonicalRequest = [
    request.method.toUpperCase(),
    request.canonicalUri,
    request.canonicalQuery,
    headers.block,
    headers.names.join(';'),
    request.payloadHash,
  ].join('\n');
  const dateStamp = request.amzDate.slice(0, 8);
  const scope = `${dateStamp}/${request.region}/${request.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', request.amzDate, scope, hexSha256(canonicalRequest)].join('\n');
  // The signing key: the secret folded through the scope's parts, in order.
  const key = [dateStamp, request.region, request.service, 'aws4_request'].reduce<Uint8Array | string>(
    (derived, part) => hmacSha256(derived, part),
    `AWS4${request.secretAccessKey}`,
  );
  return {
    canonicalRequest,
    stringToSign,
    signature: createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex'),
  };
}

// ----- Aliyun OSS V1 header signature --------------------------------------------------------

/** The leading lines of the V1 string to sign, in the specification's order. */
const OSS_V1_LINES = ['verb', 'contentMd5', 'contentType', 'date'] as const;

/**
 * What the string to sign is made of: its leading lines, every received header (names in any case;
 * only `x-oss-*` ones are canonicalised) and the resource `/<bucket>/<key>`.
 */
export type OssV1Request = Readonly<Record<(typeof OSS_V1_LINES)[number] | 'resource', string>> & {
  readonly headers: Readonly<Record<string, string>>;
};

/** Aliyun "Include a V1 signature in the Authorization header": the string to sign. */
export function ossV1StringToSign(request: OssV1Request): string {
  const lines = OSS_V1_LINES.map((name) => (name === 'verb' ? request.verb.toUpperCase() : request[name]));
  const ossHeaders = canonicalHeaderBlock(
    request.headers,
    (name) => name.startsWith('x-oss-'),
    (value) => value,
  );
  return [...lines, ossHeaders.block + request.resource].join('\n');
}

export function ossV1Signature(accessKeySecret: string, stringToSign: string): string {
  return createHmac('sha1', accessKeySecret).update(stringToSign, 'utf8').digest('base64');
}
