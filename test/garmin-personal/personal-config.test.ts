import { describe, expect, it } from 'vitest';
import { inputVariable, registerSecretInputs } from '../../src/action/inputs.ts';
import { parseConfig } from '../../src/config/config.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { redact } from '../../src/core/secrets.ts';
import { chooseStateKey } from '../../src/store/state-key.ts';

const base = { SYNC_PLATFORM: 'GARMINCOM,COROS', COROS_EMAIL: 'a@example.com', COROS_PASSWORD: 'coros-secret-pw' };
const parse = (values: Record<string, string>) => parseConfig((name) => values[name]);

describe('Personal API settings', () => {
  it('the key alone is enough for GARMINCOM, and it is registered as a secret', () => {
    const config = parse({
      ...base,
      GARMIN_API_KEY_COM: 'gpa_key_only_value_1234',
      GARMIN_API_KEY_COM_EXPIRES: '2027-10-31',
    });
    expect(config.garminCom.apiKey).toBe('gpa_key_only_value_1234');
    expect(config.garminCom.apiKeyExpires?.toISOString()).toBe('2027-10-31T00:00:00.000Z');
    expect(redact('key gpa_key_only_value_1234 here')).toBe('key *** here');
    // Key only: the sealed state is keyed on the key itself (not a password).
    expect(chooseStateKey(config, { inActions: true, repositoryPrivate: false })).toMatchObject({
      source: 'personal-api-key',
      material: 'gpa_key_only_value_1234',
    });
  });

  it('without key, token or password GARMINCOM names all three ways in one line', () => {
    expect(() => parse(base)).toThrow(ConfigError);
    expect(() => parse(base)).toThrow(
      /^SYNC_PLATFORM includes GARMINCOM but neither GARMIN_API_KEY_COM, GARMIN_TOKEN_COM nor GARMIN_EMAIL_COM/,
    );
  });

  it.each([
    ['GARMIN_API_KEY_COM_EXPIRES', '31.10.2027', /GARMIN_API_KEY_COM_EXPIRES="31.10.2027" is not a date; .*YYYY-MM-DD/],
    ['GARMIN_PERSONAL_DOWNLOAD_PATH', 'download/{id}', /must be a path starting with \/ that contains \{id\}/],
    ['GARMIN_PERSONAL_DOWNLOAD_PATH', '/download-service/files/activity', /contains \{id\}/],
  ])('%s=%s is a one-line config error', (name, value, message) => {
    expect(() => parse({ ...base, GARMIN_API_KEY_COM: 'gpa_another_key_5678', [name]: value })).toThrow(message);
  });

  it('the Action masks the key input', () => {
    registerSecretInputs({
      [inputVariable('garmin-api-key-com')]: 'gpa_from_action_input_999',
      [inputVariable('garmin-api-key-cn')]: 'gpa_cn_action_input_777',
    });
    expect(redact('gpa_from_action_input_999 / gpa_cn_action_input_777')).toBe('*** / ***');
  });
});
