import { describe, expect, it } from 'vitest';
import { ossSignature, ossStringToSign, s3CanonicalUri, sigV4 } from '../../src/platforms/coros/storage-signing.ts';
import {
  computeSigV4,
  ossV1Signature,
  ossV1StringToSign,
  s3PathForSigning,
} from '../../sandbox/coros/coros-reference.ts';

// Published examples, checked on both sides: the client's signer and the sandbox's independent
// verifier must each reproduce them, so neither can agree with the other on a wrong canonical form.

/** AWS S3 "Signature Version 4 — GET Object" example (examplebucket, us-east-1, 20130524). */
const AWS_GET_OBJECT = {
  method: 'GET',
  path: '/test.txt',
  headers: {
    host: 'examplebucket.s3.amazonaws.com',
    range: 'bytes=0-9',
    'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'x-amz-date': '20130524T000000Z',
  },
  payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  amzDate: '20130524T000000Z',
  region: 'us-east-1',
  secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  signature: 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
};

/** Aliyun OSS "Include a V1 signature in the Authorization header" example (oss-example/nelson). */
const OSS_PUT_OBJECT = {
  verb: 'PUT',
  contentMd5: 'ODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=',
  contentType: 'text/html',
  date: 'Thu, 17 Nov 2005 18:49:58 GMT',
  headers: {
    'X-OSS-Meta-Author': 'foo@bar.com',
    'X-OSS-Magic': 'abracadabra',
    Host: 'oss-example.oss-cn-hangzhou.aliyuncs.com',
  },
  resource: '/oss-example/nelson',
  secret: 'OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV',
  stringToSign:
    'PUT\nODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=\ntext/html\nThu, 17 Nov 2005 18:49:58 GMT\nx-oss-magic:abracadabra\nx-oss-meta-author:foo@bar.com\n/oss-example/nelson',
  signature: '26NBxoKdsyly4EDv6inkoDft/yA=',
};

/** What both SigV4 signers take alike; they differ only in how they name the headers and escape the path. */
const AWS_SIGNING = {
  method: AWS_GET_OBJECT.method,
  canonicalQuery: '',
  payloadHash: AWS_GET_OBJECT.payloadHash,
  amzDate: AWS_GET_OBJECT.amzDate,
  region: AWS_GET_OBJECT.region,
  service: 's3',
  secretAccessKey: AWS_GET_OBJECT.secret,
};

describe('AWS SigV4 published vector', () => {
  it.each([
    [
      'client signer',
      () =>
        sigV4({ ...AWS_SIGNING, canonicalUri: s3CanonicalUri(AWS_GET_OBJECT.path), headers: AWS_GET_OBJECT.headers }),
    ],
    [
      'sandbox verifier',
      () =>
        computeSigV4({
          ...AWS_SIGNING,
          canonicalUri: s3PathForSigning(AWS_GET_OBJECT.path),
          signedHeaders: AWS_GET_OBJECT.headers,
        }),
    ],
  ] as const)('the %s reproduces it', (_side, sign) => {
    expect(sign().signature).toBe(AWS_GET_OBJECT.signature);
  });

  it('both encode a key with reserved characters the same, RFC 3986 way', () => {
    const key = "/fit_zip/412345678901234567/a b+c(1)!*'~.zip";
    expect(s3PathForSigning(key)).toBe('/fit_zip/412345678901234567/a%20b%2Bc%281%29%21%2A%27~.zip');
    expect(s3CanonicalUri(key)).toBe(s3PathForSigning(key));
  });
});

/** What both OSS V1 signers take alike (the client calls the verb `method`, the sandbox `verb`). */
const OSS_SIGNING = {
  contentMd5: OSS_PUT_OBJECT.contentMd5,
  contentType: OSS_PUT_OBJECT.contentType,
  date: OSS_PUT_OBJECT.date,
  headers: OSS_PUT_OBJECT.headers,
  resource: OSS_PUT_OBJECT.resource,
};

describe('Aliyun OSS V1 published vector', () => {
  it.each([
    ['client signer', () => ossStringToSign({ ...OSS_SIGNING, method: OSS_PUT_OBJECT.verb }), ossSignature],
    ['sandbox verifier', () => ossV1StringToSign({ ...OSS_SIGNING, verb: OSS_PUT_OBJECT.verb }), ossV1Signature],
  ] as const)('the %s reproduces it', (_side, stringToSign, signature) => {
    const signed = stringToSign();
    expect(signed).toBe(OSS_PUT_OBJECT.stringToSign);
    expect(signature(OSS_PUT_OBJECT.secret, signed)).toBe(OSS_PUT_OBJECT.signature);
  });
});
