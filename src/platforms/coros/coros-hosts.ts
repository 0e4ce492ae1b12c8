/**
 * COROS regions and their hosts (reference §3; the STS proxy host order of §7.1: the region's
 * Training Hub host, then t.coros.com, then for US and EU training.coros.com). The login
 * `regionId` picks the home team host; bucket and storage service are what the STS proxy expects
 * for that region. The storage region and the final bucket always come from the decoded STS
 * payload, never from this table.
 */
export type CorosRegionId = 1 | 2 | 3 | 4;

export interface CorosRegion {
  readonly regionId: CorosRegionId;
  readonly label: string;
  /** Team API base, e.g. https://teamapi.coros.com */
  readonly team: string;
  /** Training Hub web hosts to try for the STS proxy, regional first. */
  readonly web: readonly string[];
  readonly bucket: string;
  readonly service: 'aws' | 'aliyun';
  /** Sign of the legacy faq.coros.com STS channel (v=2), fallback only; none known for Singapore. */
  readonly legacySign: string | undefined;
}

export const COROS_REGIONS: Readonly<Record<CorosRegionId, CorosRegion>> = {
  1: {
    regionId: 1,
    label: 'global',
    team: 'https://teamapi.coros.com',
    web: ['https://training.coros.com', 'https://t.coros.com'],
    bucket: 'coros-s3',
    service: 'aws',
    legacySign: 'E34EF0E34A498A54A9C3EAEFC12B7CAF',
  },
  2: {
    regionId: 2,
    label: 'China',
    team: 'https://teamcnapi.coros.com',
    web: ['https://trainingcn.coros.com', 'https://t.coros.com'],
    bucket: 'coros-oss',
    service: 'aliyun',
    legacySign: '9AD4AA35AAFEE6BB1E847A76848D58DF',
  },
  3: {
    regionId: 3,
    label: 'Europe',
    team: 'https://teameuapi.coros.com',
    web: ['https://trainingeu.coros.com', 'https://t.coros.com', 'https://training.coros.com'],
    bucket: 'eu-coros',
    service: 'aws',
    legacySign: '877571111A1EE5316E4B590103D4B5B3',
  },
  4: {
    regionId: 4,
    label: 'Singapore',
    team: 'https://teamsgapi.coros.com',
    // trainingsg is named by two clients but never seen answering (UNCERTAIN): t.coros.com next.
    web: ['https://trainingsg.coros.com', 'https://t.coros.com'],
    bucket: 'coros-sg-prod',
    service: 'aliyun',
    legacySign: undefined,
  },
};

export const LEGACY_STS_URL = 'https://faq.coros.com/openapi/oss/sts';
export const LEGACY_STS_APP_ID = '1660188068672619112';
/** Salt the web app appends to the base64 STS payload (stsUpload.js). */
export const STS_SALT = '9y78gpoERW4lBNYL';

export function isCorosRegionId(value: unknown): value is CorosRegionId {
  return value === 1 || value === 2 || value === 3 || value === 4;
}

export function corosRegion(regionId: number): CorosRegion | undefined {
  return isCorosRegionId(regionId) ? COROS_REGIONS[regionId] : undefined;
}

/** Storage and file hosts a fileUrl or STS payload may point at (reference §6). */
const ALLOWED_FILE_DOMAINS = ['coros.com', 'coros.com.cn', 'aliyuncs.com', 'amazonaws.com'];

export function isAllowedFileHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return ALLOWED_FILE_DOMAINS.some((domain) => host === domain || host.endsWith('.' + domain));
}

/** `https://<bucket>.s3.<region>.amazonaws.com` */
export function s3BucketHost(bucket: string, region: string): string {
  return `${bucket}.s3.${region}.amazonaws.com`;
}

/** `https://<bucket>.oss-<region>.aliyuncs.com`, the region normalised to the `oss-` form. */
export function ossBucketHost(bucket: string, region: string): string {
  const normalised = region.startsWith('oss-') ? region : `oss-${region}`;
  return `${bucket}.${normalised}.aliyuncs.com`;
}
