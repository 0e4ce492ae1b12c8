import { describe, expect, it } from 'vitest';
import { ALIAS_NAMES, KNOWN_SETTINGS, SETTING_ALIASES, closestSetting, didYouMean } from '../../src/config/aliases.ts';
import { parseConfig } from '../../src/config/config.ts';
import { ACTION_INPUT_VARIABLES, SETTING_INPUTS } from '../../src/action/inputs.ts';
import { describeRoutingSetting } from '../../src/i18n/routing-setting.ts';

const config = (values: Record<string, string>, names: string[] = []) =>
  parseConfig((name) => values[name], { setNames: names });

describe('peer names as aliases', () => {
  it.each([
    [
      'garmin-sync-coros, garmin.com',
      {
        SYNC_PLATFORM: 'GARMINCOM,COROS',
        GARMIN_EMAIL: 'a@x.com',
        GARMIN_PASSWORD: 'pw-1234',
        COROS_EMAIL: 'c@x.com',
        COROS_PASSWORD: 'pc-1234',
      },
      { com: ['a@x.com', 'pw-1234'], cn: [undefined, undefined] },
    ],
    [
      'garmin-sync-coros, GARMIN_AUTH_DOMAIN=CN',
      {
        SYNC_PLATFORM: 'GARMINCN,COROS',
        GARMIN_EMAIL: 'a@x.cn',
        GARMIN_PASSWORD: 'pw-1234',
        GARMIN_AUTH_DOMAIN: 'CN',
        COROS_EMAIL: 'c@x.com',
        COROS_PASSWORD: 'pc-1234',
      },
      { com: [undefined, undefined], cn: ['a@x.cn', 'pw-1234'] },
    ],
    [
      'dailysync: USERNAME is garmin.cn, GLOBAL is garmin.com',
      {
        SYNC_PLATFORM: 'GARMINCN,GARMINCOM',
        GARMIN_USERNAME: 'a@x.cn',
        GARMIN_PASSWORD: 'pw-cn-1',
        GARMIN_GLOBAL_USERNAME: 'a@x.com',
        GARMIN_GLOBAL_PASSWORD: 'pw-com-1',
      },
      { com: ['a@x.com', 'pw-com-1'], cn: ['a@x.cn', 'pw-cn-1'] },
    ],
    [
      'our names win',
      {
        SYNC_PLATFORM: 'GARMINCOM',
        GARMIN_EMAIL_COM: 'ours@x.com',
        GARMIN_PASSWORD_COM: 'ours-pw',
        GARMIN_EMAIL: 'peer@x.com',
        GARMIN_PASSWORD: 'peer-pw',
      },
      { com: ['ours@x.com', 'ours-pw'], cn: [undefined, undefined] },
    ],
  ])('%s', (_name, values, expected) => {
    const parsed = config(values as Record<string, string>);
    expect([parsed.garminCom.email, parsed.garminCom.password]).toEqual(expected.com);
    expect([parsed.garminCn.email, parsed.garminCn.password]).toEqual(expected.cn);
  });

  it('every alias maps to a setting we read', () => {
    for (const alias of SETTING_ALIASES) expect(KNOWN_SETTINGS).toContain(alias.ours);
    for (const entry of SETTING_INPUTS) expect(KNOWN_SETTINGS, entry.env).toContain(entry.env);
    for (const name of Object.values(ACTION_INPUT_VARIABLES)) if (name) expect(KNOWN_SETTINGS, name).toContain(name);
  });
});

describe('did you mean', () => {
  it.each([
    ['GARMIN_EMIAL_COM', 'GARMIN_EMAIL_COM'],
    ['garmin_token_com', undefined],
    ['GARMINTOKENCOM', 'GARMIN_TOKEN_COM'],
    ['SYNC_PLATFORMS', 'SYNC_PLATFORM'],
    ['QYWX_BOT_KEYS', 'QYWX_BOT_KEY'],
    ['TELEGRAM_CHATID', 'TELEGRAM_CHAT_ID'],
    ['GARMIN_EMAIL', undefined],
    ['MY_OWN_THING', undefined],
    ['HOME', undefined],
  ])('%s → %s', (name, suggestion) => {
    expect(closestSetting(name)).toBe(suggestion);
  });

  it('the missing-credential error says which near miss was meant', () => {
    expect(() =>
      config({ SYNC_PLATFORM: 'GARMINCOM', GARMIN_TOKEN_CMO: 'x' }, ['GARMIN_TOKEN_CMO', 'SYNC_PLATFORM']),
    ).toThrow(
      /neither GARMIN_API_KEY_COM, GARMIN_TOKEN_COM nor .* is set; .*\. GARMIN_TOKEN_CMO is not a setting Sports Sync X reads; did you mean GARMIN_TOKEN_COM\?$/,
    );
    expect(didYouMean(['SYNC_PLATFORM', ...ALIAS_NAMES])).toEqual([]);
    expect(config({}, ['NOTIFY_TIMEZON']).settingHints).toEqual([
      'NOTIFY_TIMEZON is not a setting Sports Sync X reads; did you mean NOTIFY_TIMEZONE?',
    ]);
  });
});

describe('SYNC_ROUTES, SYNC_SINCE, SYNC_LANGUAGE', () => {
  const base = { GARMIN_TOKEN_COM: 't', GARMIN_TOKEN_CN: 't', COROS_EMAIL: 'c@x', COROS_PASSWORD: 'p' };
  it('routes alone name the platforms; routes outside SYNC_PLATFORM are refused in one line', () => {
    expect(config({ ...base, SYNC_ROUTES: 'GARMINCN>GARMINCOM,GARMINCOM>COROS' }).platforms).toEqual([
      'garmin_cn',
      'garmin_com',
      'coros',
    ]);
    expect(() => config({ ...base, SYNC_PLATFORM: 'GARMINCOM,COROS', SYNC_ROUTES: 'GARMINCN>COROS' })).toThrow(
      /^SYNC_ROUTES uses GARMINCN, which SYNC_PLATFORM does not list/,
    );
    expect(() => config({ ...base, SYNC_PLATFORM: 'GARMINCOM,COROS', SYNC_ROUTES: 'GARMINCOM<COROS' })).toThrow(
      /^SYNC_ROUTES part "GARMINCOM<COROS" is not SOURCE>TARGET; list one-way routes like/,
    );
    expect(config({ ...base, SYNC_PLATFORM: 'GARMINCOM,COROS' }).routes).toBeNull();
  });
  it('since and language', () => {
    const parsed = config({ ...base, SYNC_PLATFORM: 'COROS', SYNC_SINCE: '2026-03-01', SYNC_LANGUAGE: 'zh_cn' });
    expect(parsed.sinceUtc).toBe(Date.UTC(2026, 2, 1) / 1000);
    expect(parsed.language).toBe('zh-CN');
    expect(config({ ...base, SYNC_PLATFORM: 'COROS' }).language).toBe('en');
    expect(() => config({ ...base, SYNC_PLATFORM: 'COROS', SYNC_SINCE: '01/03/2026' })).toThrow(
      /^SYNC_SINCE="01\/03\/2026" is not a date; use YYYY-MM-DD/,
    );
    expect(() => config({ ...base, SYNC_PLATFORM: 'COROS', SYNC_LANGUAGE: 'fr' })).toThrow(
      /^SYNC_LANGUAGE="fr" is not recognised; use en or zh-CN$/,
    );
  });
});

describe('status shows the routes without needing credentials', () => {
  it.each([
    [{ SYNC_PLATFORM: 'GARMINCN,COROS' }, 'Routes: every direction among Garmin CN, COROS'],
    [
      { SYNC_ROUTES: 'GARMINCOM>COROS', SYNC_SINCE: '2026-03-01' },
      'Routes: Garmin COM → COROS (SYNC_ROUTES); only workouts starting on or after 2026-03-01 (SYNC_SINCE)',
    ],
    [{ SYNC_ROUTES: 'GARMINCN>GARMINCOM', SYNC_LANGUAGE: 'zh-CN' }, '同步方向：佳明中国区 → 佳明国际区（SYNC_ROUTES）'],
    [
      { SYNC_PLATFORM: 'COROS', SYNC_ROUTES: 'GARMINCOM>COROS' },
      'SYNC_ROUTES uses GARMINCOM, which SYNC_PLATFORM does not list; add it to SYNC_PLATFORM or remove that route',
    ],
  ])('%j', (values, line) => {
    expect(describeRoutingSetting((name) => (values as Record<string, string>)[name])).toBe(line);
  });
});

describe('a notification problem never stops the sync', () => {
  it('a Telegram token without a chat id turns Telegram off for the run with a warning; other channels stay', () => {
    const parsed = config({
      SYNC_PLATFORM: 'COROS',
      COROS_EMAIL: 'c@x',
      COROS_PASSWORD: 'p',
      TELEGRAM_BOT_TOKEN: '123456789:AAbbccddeeffgghhiijjkkllmmnnoopp',
      QYWX_BOT_KEY: '693a91f6-7a0c-4bc4-97a0-0ec25afa5aaa',
      NOTIFY_POLICY: 'sometimes',
    });
    expect(parsed.notify.channels.map((channel) => channel.kind)).toEqual(['wecom']);
    expect(parsed.notify.policy).toBe('on-change');
    expect(parsed.configWarnings).toEqual([
      'notifications: TELEGRAM_BOT_TOKEN is set but TELEGRAM_CHAT_ID is not; set it to your chat id (a number, negative for groups) or @channelname (left out this run; the sync is unaffected)',
      expect.stringMatching(/^notifications: NOTIFY_POLICY="sometimes" is not recognised/),
    ]);
  });
});
