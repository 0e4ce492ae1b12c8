import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stateFingerprint } from '../../src/action/state-fingerprint.ts';
import { SecretRegistry } from '../../src/core/secrets.ts';
import {
  chooseStateKey,
  createStateKeyRing,
  loginPlatformState,
  type StateKeySettings,
} from '../../src/store/state-key.ts';
import { Store } from '../../src/store/store.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ssx-key-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const account = (email?: string, password?: string, tokenBlob?: string, apiKey?: string) => ({
  email,
  password,
  tokenBlob,
  proxyUrl: undefined,
  apiKey,
  apiKeyExpires: undefined,
  personalDownloadPath: undefined,
});
const settings = (over: Partial<StateKeySettings> = {}): StateKeySettings => ({
  stateSecret: undefined,
  garminCom: account(),
  garminCn: account(),
  coros: account(),
  ...over,
});
const actionsPublic = { inActions: true, repositoryPrivate: false };
const actionsPrivate = { inActions: true, repositoryPrivate: true };
const local = { inActions: false, repositoryPrivate: undefined };

describe('state key policy', () => {
  it.each([
    [
      'STATE_SECRET first',
      settings({ stateSecret: 's'.repeat(16), garminCom: account('a@b', 'pw', 'ssxg1.x') }),
      actionsPublic,
      'state-secret',
    ],
    ['then the Garmin token', settings({ garminCom: account('a@b', 'pw', 'ssxg1.x') }), actionsPublic, 'garmin-token'],
    [
      'then the Personal API key',
      settings({ garminCom: account(undefined, undefined, undefined, 'api-key-123456'), coros: account('c@d', 'pw') }),
      actionsPublic,
      'personal-api-key',
    ],
    ['credentials in a private repository', settings({ coros: account('c@d', 'pw') }), actionsPrivate, 'credentials'],
    ['credentials outside Actions', settings({ coros: account('c@d', 'pw') }), local, 'credentials'],
    ['never credentials in a public repository', settings({ coros: account('c@d', 'pw') }), actionsPublic, 'none'],
    ['never a constant key (nothing configured)', settings(), local, 'none'],
  ])('%s', (_name, given, context, source) => {
    expect(chooseStateKey(given, context).source).toBe(source);
  });

  it('login and sync seal and open with the same key; another secret opens nothing', () => {
    const path = join(tmp, 'login.sqlite');
    const given = settings({ garminCom: account('a@b.c', 'pw-123456') });
    let store = Store.open(path);
    loginPlatformState(store, given, 'garmin_com', local).state.setSecret('tokens', 'the-tokens');
    store.close();
    store = Store.open(path);
    expect(createStateKeyRing(given, local).platformState(store, 'garmin_com').getSecret('tokens')).toBe('the-tokens');
    expect(
      createStateKeyRing(settings({ garminCom: account('a@b.c', 'other-pw') }), local)
        .platformState(store, 'garmin_com')
        .getSecret('tokens'),
    ).toBeUndefined();
    store.close();
  });

  it('login without any key material keeps the tokens in memory only and says so', () => {
    const store = Store.open(join(tmp, 'ticket.sqlite'));
    const { state, savedLine } = loginPlatformState(store, settings(), 'garmin_com', local);
    state.setSecret('tokens', 'x');
    expect(savedLine).toMatch(/^Not saved in .*STATE_SECRET/);
    store.close();
  });
});

describe('secrets registry', () => {
  it('short values never inside words, setting words never; the report object stays valid JSON', () => {
    // A registry of its own: these short values must not be redacted in the other tests' output.
    const secrets = new SecretRegistry();
    for (const value of ['true', 'short', 'abc123', 'a-long-token-value']) secrets.register(value);
    expect(secrets.redact('STATE_SECRET is too short')).toBe('STATE_SECRET is too ***');
    expect(secrets.redact('shortly, "dryRun":true, x=abc1234')).toBe('shortly, "dryRun":true, x=abc1234');
    expect(secrets.redact('id abc123 and a-long-token-valueX')).toBe('id *** and ***X');
    const report = { dryRun: true, message: 'token a-long-token-value', count: 3 };
    expect(JSON.parse(JSON.stringify(secrets.redactValue(report)))).toEqual({
      dryRun: true,
      message: 'token ***',
      count: 3,
    });
  });
});

describe('state fingerprint of links', () => {
  it('a link that follows from existing ones changes nothing; a new group does', () => {
    const path = join(tmp, 'links.sqlite');
    const record = (platform: 'coros' | 'garmin_com' | 'garmin_cn', remoteId: string) => ({ platform, remoteId });
    let store = Store.open(path);
    const run = store.startRun({ dryRun: false, fullScan: false });
    store.recordLinks(run, [
      { a: record('coros', '1'), b: record('garmin_com', '10'), reason: 'uploaded from COROS' },
      { a: record('coros', '1'), b: record('garmin_cn', '20'), reason: 'uploaded from COROS' },
    ]);
    store.close();
    const before = stateFingerprint([path]);
    store = Store.open(path);
    store.recordLinks(store.startRun({ dryRun: false, fullScan: false }), [
      { a: record('garmin_com', '10'), b: record('garmin_cn', '20'), reason: 'start times 0 s apart' },
    ]);
    store.close();
    expect(stateFingerprint([path])).toBe(before);
    store = Store.open(path);
    store.recordLinks(store.startRun({ dryRun: false, fullScan: false }), [
      { a: record('garmin_com', '11'), b: record('coros', '2'), reason: 'start times 0 s apart' },
    ]);
    store.close();
    expect(stateFingerprint([path])).not.toBe(before);
  });
});
