import { describe, expect, it } from 'vitest';
import { parseConfig, parseDotEnv } from '../../src/config/config.ts';
import { ConfigError } from '../../src/core/errors.ts';

const base = {
  SYNC_PLATFORM: 'GARMINCN,GARMINCOM,COROS',
  GARMIN_TOKEN_COM: 'token-com-xyz',
  GARMIN_EMAIL_CN: 'a@b.cn',
  GARMIN_PASSWORD_CN: 'pw-cn-secret',
  COROS_EMAIL: 'c@d.com',
  COROS_PASSWORD: 'pw-coros-secret',
};
const parse = (values: Record<string, string>) => parseConfig((name) => values[name]);

describe('configuration', () => {
  it('accepts the names users already know', () => {
    const config = parse({ ...base, DELETE_DUPLICATE: '1', SPORT_DIFF_SECOND: '90', GARMIN_NEWEST_NUM: '10000' });
    expect(config.platforms).toEqual(['garmin_cn', 'garmin_com', 'coros']);
    expect(config.deleteDuplicate).toBe(true);
    expect(config.sportDiffSecond).toBe(90);
    expect(config.newestNum).toBe(10000);
    expect(config.dbPath).toBe('db/sports_sync.sqlite');
  });

  it('has sane defaults', () => {
    const config = parse({});
    expect(config.platforms).toEqual([]);
    expect(config.sportDiffSecond).toBe(60);
    expect(config.deleteDuplicate).toBe(false);
    expect(config.maxUploadAttempts).toBe(3);
  });

  const invalid: Array<[string, Record<string, string>, RegExp]> = [
    [
      'unknown platform',
      { SYNC_PLATFORM: 'GARMINCOM,STRAVA' },
      /^SYNC_PLATFORM contains "STRAVA"; use a comma-separated list of GARMINCOM, GARMINCN and COROS/,
    ],
    ['negative tolerance', { ...base, SPORT_DIFF_SECOND: '-5' }, /^SPORT_DIFF_SECOND="-5" is not a whole number/],
    [
      'tolerance out of range',
      { ...base, SPORT_DIFF_SECOND: '99999' },
      /^SPORT_DIFF_SECOND=99999 is out of range; set it to seconds between 1 and 3600/,
    ],
    [
      'newest num not a number',
      { ...base, GARMIN_NEWEST_NUM: 'lots' },
      /^GARMIN_NEWEST_NUM="lots" is not a whole number/,
    ],
    ['newest num zero', { ...base, GARMIN_NEWEST_NUM: '0' }, /^GARMIN_NEWEST_NUM=0 is out of range/],
    [
      'delete flag',
      { ...base, DELETE_DUPLICATE: 'maybe' },
      /^DELETE_DUPLICATE="maybe" is not a yes\/no value; use 1 or 0/,
    ],
    [
      'COROS without password',
      { SYNC_PLATFORM: 'COROS,GARMINCOM', COROS_EMAIL: 'c@d.com', GARMIN_TOKEN_COM: 'tok-tok-tok' },
      /^SYNC_PLATFORM includes COROS but COROS_PASSWORD is empty/,
    ],
    [
      'Garmin without token or password',
      { SYNC_PLATFORM: 'GARMINCOM,COROS', COROS_EMAIL: 'c@d.com', COROS_PASSWORD: 'pw-coros-secret' },
      /GARMIN_TOKEN_COM nor GARMIN_EMAIL_COM \+ GARMIN_PASSWORD_COM is set; run `node cli.js login --for action --region com`/,
    ],
    ['endpoint map not JSON', { ...base, SPORTS_SYNC_ENDPOINTS: '{oops' }, /^SPORTS_SYNC_ENDPOINTS is not valid JSON/],
    ['endpoint map bad URL', { ...base, SPORTS_SYNC_ENDPOINTS: '{"connectapi.garmin.com":"nope"}' }, /is not a URL/],
    ['proxy not a URL', { ...base, GARMIN_CN_PROXY: 'socks-ish' }, /^GARMIN_CN_PROXY is not a URL/],
    ['proxy wrong scheme', { ...base, COROS_PROXY: 'ftp://127.0.0.1:1' }, /^COROS_PROXY must be an http/],
    ['short state secret', { ...base, STATE_SECRET: 'short' }, /^STATE_SECRET is too short/],
    ['timeout too short', { ...base, HTTP_TIMEOUT_SECONDS: '5' }, /^HTTP_TIMEOUT_SECONDS=5 is out of range/],
  ];
  for (const [name, values, message] of invalid) {
    it(`rejects ${name} with one actionable line`, () => {
      let error: unknown;
      try {
        parse(values);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const text = (error as Error).message;
      expect(text).toMatch(message);
      expect(text).not.toContain('\n');
      for (const secret of ['pw-cn-secret', 'pw-coros-secret', 'token-com-xyz', 'short'])
        if (name !== 'short state secret' || secret !== 'short') expect(text).not.toContain(secret);
    });
  }
});

describe('.env files', () => {
  it('reads KEY=value lines with comments, quotes and export', () => {
    const values = parseDotEnv(
      '# comment\nexport SYNC_PLATFORM=GARMINCOM,COROS\nCOROS_PASSWORD="p#ss word"\nSPORT_DIFF_SECOND=90 # trailing\n\nEMPTY=\n',
    );
    expect(Object.fromEntries(values)).toEqual({
      SYNC_PLATFORM: 'GARMINCOM,COROS',
      COROS_PASSWORD: 'p#ss word',
      SPORT_DIFF_SECOND: '90',
      EMPTY: '',
    });
  });

  it('names the bad line', () => {
    expect(() => parseDotEnv('GOOD=1\nthis is not valid\n', 'my.env')).toThrow(/^my\.env:2 is not KEY=value/);
  });
});
