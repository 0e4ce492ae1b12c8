import { describe, expect, it } from 'vitest';
import { parseProxyUrl } from '../../src/core/proxy-url.ts';
import { redact } from '../../src/core/secrets.ts';

describe('one rule for every proxy setting', () => {
  it.each([
    ['http://127.0.0.1:7890', 'http://127.0.0.1:7890/'],
    ['https://proxy.example.com:8443', 'https://proxy.example.com:8443/'],
    ['127.0.0.1:7890', 'http://127.0.0.1:7890/'],
    ['  proxy.lan:3128  ', 'http://proxy.lan:3128/'],
  ])('%s → %s', (value, href) => {
    expect(parseProxyUrl(value, 'GARMIN_CN_PROXY').href).toBe(href);
  });

  it.each([
    ['socks-ish', /^GARMIN_CN_PROXY is not a URL/],
    [
      'socks5://127.0.0.1:1080',
      /^GARMIN_CN_PROXY must be an http:\/\/ or https:\/\/ proxy URL \(SOCKS is not supported\)/,
    ],
    ['not a url at all', /^GARMIN_CN_PROXY is not a URL/],
  ])('refuses %s in one line naming the setting', (value, message) => {
    expect(() => parseProxyUrl(value, 'GARMIN_CN_PROXY')).toThrow(message);
  });

  it('registers the credentials in it as secrets', () => {
    parseProxyUrl('http://proxy-user:s3cret-pa55@10.0.0.1:3128', 'HTTPS_PROXY');
    expect(redact('via http://proxy-user:s3cret-pa55@10.0.0.1:3128 with s3cret-pa55')).not.toContain('s3cret-pa55');
  });
});
