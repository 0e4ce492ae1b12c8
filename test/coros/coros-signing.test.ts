import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EndpointMap } from '../../src/core/endpoints.ts';
import { decodeStsPayload, encodeStsPayload, zipFitForImport } from '../../src/platforms/coros/coros-upload-parts.ts';
import { isAllowedFileHost } from '../../src/platforms/coros/coros-hosts.ts';
import { parseJsonLossless } from '../../src/platforms/coros/lossless-json.ts';
import {
  EMPTY_SHA256,
  md5Hex,
  ossSignature,
  ossStringToSign,
  sha256Hex,
  signOssPut,
  signS3Put,
  sigV4,
} from '../../src/platforms/coros/storage-signing.ts';
import { startCorosSandbox, type CorosSandbox } from '../../sandbox/coros/coros-sandbox.ts';
import { unzipSync } from 'fflate';
import { corosClient, fitAt } from './helpers.ts';

describe('signing algorithms against the published vectors', () => {
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  it('SigV4: the S3 GET-object example', () => {
    const parts = sigV4({
      method: 'GET',
      canonicalUri: '/test.txt',
      canonicalQuery: '',
      headers: {
        host: 'examplebucket.s3.amazonaws.com',
        range: 'bytes=0-9',
        'x-amz-content-sha256': EMPTY_SHA256,
        'x-amz-date': '20130524T000000Z',
      },
      payloadHash: EMPTY_SHA256,
      amzDate: '20130524T000000Z',
      region: 'us-east-1',
      service: 's3',
      secretAccessKey: secret,
    });
    expect(parts.signature).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });

  it('SigV4: the S3 PUT example with an escaped key', () => {
    const body = 'Welcome to Amazon S3.';
    const parts = sigV4({
      method: 'PUT',
      canonicalUri: '/test%24file.text',
      canonicalQuery: '',
      headers: {
        date: 'Fri, 24 May 2013 00:00:00 GMT',
        host: 'examplebucket.s3.amazonaws.com',
        'x-amz-content-sha256': sha256Hex(body),
        'x-amz-date': '20130524T000000Z',
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      },
      payloadHash: sha256Hex(body),
      amzDate: '20130524T000000Z',
      region: 'us-east-1',
      service: 's3',
      secretAccessKey: secret,
    });
    expect(parts.signature).toBe('98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
  });

  it('OSS V1: the documented PUT example', () => {
    const stringToSign = ossStringToSign({
      method: 'PUT',
      contentMd5: 'ODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=',
      contentType: 'text/html',
      date: 'Thu, 17 Nov 2005 18:49:58 GMT',
      headers: { 'X-OSS-Meta-Author': 'foo@bar.com', 'X-OSS-Magic': 'abracadabra', 'Content-Type': 'text/html' },
      resource: '/oss-example/nelson',
    });
    expect(ossSignature('OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV', stringToSign)).toBe('26NBxoKdsyly4EDv6inkoDft/yA=');
  });
});

describe('COROS payload helpers', () => {
  it('parses 18-digit numbers losslessly and leaves everything else alone', () => {
    const parsed = parseJsonLossless(
      '{"userId":412345678901234567,"n":-12.5e3,"s":"a \\" 476543210987654321","small":42,"list":[9007199254740993]}',
    ) as Record<string, unknown>;
    expect(parsed).toEqual({
      userId: '412345678901234567',
      n: -12500,
      s: 'a " 476543210987654321',
      small: 42,
      list: ['9007199254740993'],
    });
  });

  it('decodes the salted STS payload (suffix or single occurrence)', () => {
    const payload = {
      AccessKeyId: 'ASIAEXAMPLEKEYID0001',
      SecretAccessKey: 'secret-0000000000',
      SessionToken: 'token-0000000000',
      Expiration: '2026-10-20T10:15:00Z',
      Region: 'eu-central-1',
      Bucket: 'eu-coros',
    };
    const encoded = encodeStsPayload(payload);
    expect(decodeStsPayload(encoded, 0)).toMatchObject({
      accessKeyId: 'ASIAEXAMPLEKEYID0001',
      region: 'eu-central-1',
      bucket: 'eu-coros',
      expiresAtMs: Date.parse('2026-10-20T10:15:00Z'),
    });
    const [base64 = '', salt = ''] = [encoded.slice(0, -16), encoded.slice(-16)];
    expect(decodeStsPayload(salt + base64, 0).bucket).toBe('eu-coros');
    expect(() => decodeStsPayload('not base64 json', 0)).toThrow(/could not be decoded/);
  });

  it('zips the FIT reproducibly in the web app layout', () => {
    const fit = fitAt(1_767_852_621);
    const md5 = md5Hex(fit);
    const zip = zipFitForImport(fit, md5, 'run.fit');
    expect(Buffer.from(zipFitForImport(fit, md5, 'run.fit')).equals(Buffer.from(zip))).toBe(true);
    const entries = unzipSync(zip);
    expect(Object.keys(entries).sort()).toEqual([`${md5}/`, `${md5}/run.fit`]);
    expect(Buffer.from(entries[`${md5}/run.fit`]!).equals(Buffer.from(fit))).toBe(true);
  });

  it('follows file URLs only to COROS, Aliyun and AWS hosts', () => {
    expect(isAllowedFileHost('s3.coros.com')).toBe(true);
    expect(isAllowedFileHost('coros-oss.oss-cn-beijing.aliyuncs.com')).toBe(true);
    expect(isAllowedFileHost('eu-coros.s3.eu-central-1.amazonaws.com')).toBe(true);
    expect(isAllowedFileHost('evilcoros.com')).toBe(false);
    expect(isAllowedFileHost('coros.com.evil.example')).toBe(false);
  });
});

/** The sandbox's object stores check every signature: tampering, expiry and wrong buckets are refused. */
describe('storage endpoints verify signatures and tokens', () => {
  let sandbox: CorosSandbox;
  let endpoints: EndpointMap;
  beforeEach(async () => {
    sandbox = await startCorosSandbox();
    const wrongEndpoint = 'coros-oss.oss-cn-hangzhou.aliyuncs.com';
    endpoints = new EndpointMap().with({
      ...sandbox.endpointOverrides(),
      [wrongEndpoint]: `${sandbox.baseUrl}/h/${wrongEndpoint}`,
    });
  });
  afterEach(async () => {
    await sandbox.close();
  });

  interface Sts {
    AccessKeyId: string;
    SecretAccessKey?: string;
    AccessKeySecret: string;
    SessionToken?: string;
    SecurityToken?: string;
    Region: string;
    Bucket: string;
  }

  async function credentialsFor(regionId: 1 | 2): Promise<{ sts: Sts; userId: string }> {
    const email = `r${regionId}@example.com`;
    const { userId } = sandbox.addAccount({ email, password: 'pw-123456', regionId });
    const { platform, state } = corosClient(sandbox, email, 'pw-123456');
    await platform.connect();
    const session = JSON.parse(state.getSecret('session')!) as { token: string };
    const web = regionId === 1 ? 'https://training.coros.com' : 'https://trainingcn.coros.com';
    const query = regionId === 1 ? 'bucket=coros-s3&service=aws&v=2' : 'bucket=coros-oss&service=aliyun&v=2';
    const response = await fetch(endpoints.resolve(`${web}/api/proxy/oss/sts?${query}`), {
      headers: { cookie: `CPL-coros-token=${session.token}` },
    });
    const body = (await response.json()) as { code: number; data: { credentials: string } };
    expect(body.code).toBe(200);
    const salted = body.data.credentials;
    const sts = JSON.parse(Buffer.from(salted.slice(0, -16), 'base64').toString('utf8')) as Sts;
    return { sts, userId };
  }

  async function send(
    url: URL,
    headers: Record<string, string>,
    body: Uint8Array,
    method = 'PUT',
  ): Promise<{ status: number; code: string }> {
    const target = endpoints.resolve(url);
    // Never let a test reach a real host.
    if (target.hostname !== '127.0.0.1') throw new Error(`not overridden: ${url.hostname}`);
    const response = await fetch(target, { method, headers, ...(method === 'PUT' ? { body } : {}) });
    const text = await response.text();
    return { status: response.status, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? '' };
  }

  it('S3: accepts a correct PutObject and refuses tampering, expiry, skew, unsigned headers and other buckets', async () => {
    const { sts, userId } = await credentialsFor(1);
    const credentials = {
      accessKeyId: sts.AccessKeyId,
      secretAccessKey: sts.SecretAccessKey!,
      sessionToken: sts.SessionToken!,
    };
    const body = new TextEncoder().encode('zip bytes');
    const objectUrl = (bucket: string, region: string, key = `fit_zip/${userId}/${md5Hex(body)}.zip`) =>
      new URL(`https://${bucket}.s3.${region}.amazonaws.com/${key}`);
    const sign = (url: URL, region = sts.Region, now = new Date(sandbox.now()), creds = credentials) =>
      signS3Put({ url, region, body, contentType: 'application/zip', credentials: creds, now });
    const good = objectUrl(sts.Bucket, sts.Region);

    expect(await send(good, sign(good), body)).toEqual({ status: 200, code: '' });

    const headers = sign(good);
    const tampered = {
      ...headers,
      authorization: headers.authorization!.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
    };
    expect(await send(good, tampered, body)).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await send(objectUrl(sts.Bucket, sts.Region, `fit_zip/${userId}/other.zip`), sign(good), body)).toEqual({
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
    expect(await send(good, sign(good), new TextEncoder().encode('other bytes'))).toEqual({
      status: 400,
      code: 'XAmzContentSHA256Mismatch',
    });
    expect(await send(good, { ...sign(good), 'x-amz-meta-note': 'unsigned' }, body)).toEqual({
      status: 403,
      code: 'AccessDenied',
    });
    const { 'x-amz-security-token': _token, ...withoutToken } = sign(good);
    expect(await send(good, withoutToken, body)).toEqual({ status: 403, code: 'InvalidAccessKeyId' });
    expect(
      await send(
        good,
        sign(good, sts.Region, new Date(sandbox.now()), {
          ...credentials,
          sessionToken: credentials.sessionToken + 'x',
        }),
        body,
      ),
    ).toEqual({ status: 400, code: 'InvalidToken' });
    expect(await send(good, sign(good, sts.Region, new Date(sandbox.now() - 20 * 60_000)), body)).toEqual({
      status: 403,
      code: 'RequestTimeTooSkewed',
    });
    expect(await send(good, sign(good, 'eu-central-1'), body)).toEqual({
      status: 400,
      code: 'AuthorizationHeaderMalformed',
    });

    const otherKey = objectUrl(sts.Bucket, sts.Region, 'fit_zip/999999999999999999/x.zip');
    expect(await send(otherKey, sign(otherKey), body)).toEqual({ status: 403, code: 'AccessDenied' });
    const wrongBucket = objectUrl('eu-coros', 'eu-central-1');
    expect(await send(wrongBucket, sign(wrongBucket, 'eu-central-1'), body)).toEqual({
      status: 403,
      code: 'AccessDenied',
    });
    // A correctly signed GET is still refused: the credential allows PutObject only.
    const getHeaders = sigV4({
      method: 'GET',
      canonicalUri: good.pathname,
      canonicalQuery: '',
      headers: {
        host: good.host,
        'x-amz-content-sha256': EMPTY_SHA256,
        'x-amz-date': sign(good)['x-amz-date']!,
        'x-amz-security-token': credentials.sessionToken,
      },
      payloadHash: EMPTY_SHA256,
      amzDate: sign(good)['x-amz-date']!,
      region: sts.Region,
      service: 's3',
      secretAccessKey: credentials.secretAccessKey,
    });
    const getRequest = {
      'x-amz-content-sha256': EMPTY_SHA256,
      'x-amz-date': sign(good)['x-amz-date']!,
      'x-amz-security-token': credentials.sessionToken,
      authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${getHeaders.scope}, SignedHeaders=${getHeaders.signedHeaders}, Signature=${getHeaders.signature}`,
    };
    expect(await send(good, getRequest, body, 'GET')).toEqual({ status: 403, code: 'AccessDenied' });

    sandbox.advanceClock(2 * 3600_000);
    expect(await send(good, sign(good), body)).toEqual({ status: 400, code: 'ExpiredToken' });
  });

  it('OSS: accepts a correct PutObject and refuses tampering, expiry, bad digests and other buckets', async () => {
    const { sts, userId } = await credentialsFor(2);
    const credentials = {
      accessKeyId: sts.AccessKeyId,
      accessKeySecret: sts.AccessKeySecret,
      securityToken: sts.SecurityToken!,
    };
    const body = new TextEncoder().encode('zip bytes for oss');
    const key = `fit_zip/${userId}/${md5Hex(body)}.zip`;
    const url = (bucket: string, region: string, objectKey = key) =>
      new URL(`https://${bucket}.${region}.aliyuncs.com/${objectKey}`);
    const sign = (
      bucket = sts.Bucket,
      objectKey = key,
      now = new Date(sandbox.now()),
      forbidOverwrite = false,
      creds = credentials,
    ) =>
      signOssPut({
        bucket,
        key: objectKey,
        body,
        contentType: 'application/zip',
        credentials: creds,
        now,
        forbidOverwrite,
      });
    const good = url(sts.Bucket, sts.Region);

    expect(await send(good, sign(), body)).toEqual({ status: 200, code: '' });
    expect(await send(good, sign(sts.Bucket, key, new Date(sandbox.now()), true), body)).toEqual({
      status: 409,
      code: 'FileAlreadyExists',
    });

    const headers = sign();
    const tampered = {
      ...headers,
      authorization: headers.authorization!.replace(/:(.)/, (_m, c: string) => `:${c === 'A' ? 'B' : 'A'}`),
    };
    expect(await send(good, tampered, body)).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await send(good, { ...sign(), 'x-oss-meta-extra': 'added later' }, body)).toEqual({
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
    expect(await send(good, { ...sign(), 'content-md5': md5Hex('x').slice(0, 22) + '==' }, body)).toMatchObject({
      status: 403,
    });
    const { 'x-oss-security-token': _token, ...withoutToken } = sign();
    expect(await send(good, withoutToken, body)).toEqual({ status: 403, code: 'InvalidAccessKeyId' });
    expect(await send(good, sign(sts.Bucket, key, new Date(sandbox.now() - 20 * 60_000)), body)).toEqual({
      status: 403,
      code: 'RequestTimeTooSkewed',
    });
    const wrongBucket = url('coros-sg-prod', 'oss-ap-southeast-1');
    expect(await send(wrongBucket, sign('coros-sg-prod'), body)).toEqual({ status: 403, code: 'AccessDenied' });
    expect(await send(url(sts.Bucket, 'oss-cn-hangzhou'), sign(), body)).toEqual({ status: 403, code: 'AccessDenied' });

    sandbox.advanceClock(2 * 3600_000);
    expect(await send(good, sign(), body)).toEqual({ status: 403, code: 'SecurityTokenExpired' });
  });

  it('OSS: a Content-MD5 that does not match the body is InvalidDigest', async () => {
    const { sts, userId } = await credentialsFor(2);
    const credentials = {
      accessKeyId: sts.AccessKeyId,
      accessKeySecret: sts.AccessKeySecret,
      securityToken: sts.SecurityToken!,
    };
    const signedBody = new TextEncoder().encode('signed body');
    const key = `fit_zip/${userId}/a.zip`;
    const headers = signOssPut({
      bucket: sts.Bucket,
      key,
      body: signedBody,
      contentType: 'application/zip',
      credentials,
      now: new Date(sandbox.now()),
    });
    expect(
      await send(
        new URL(`https://${sts.Bucket}.${sts.Region}.aliyuncs.com/${key}`),
        headers,
        new TextEncoder().encode('other body'),
      ),
    ).toEqual({ status: 400, code: 'InvalidDigest' });
  });
});
