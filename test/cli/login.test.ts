import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/main.ts';
import type { GarminSandbox } from '../../sandbox/garmin/index.ts';
import type { CorosSandbox } from '../../sandbox/coros/coros-sandbox.ts';
import { garminRunFit, startSyncSandboxes } from '../support/sync-sandboxes.ts';

let sandbox: GarminSandbox;
let coros: CorosSandbox;
const dirs: string[] = [];

beforeAll(async () => {
  ({ garmin: sandbox, coros } = await startSyncSandboxes());
  sandbox.addAccount('com', { email: 'runner@example.com', password: 'correct-horse-battery' });
  sandbox.addAccount('cn', { email: 'mfa@example.cn', password: 'cn-password-123', mfa: { code: '424242' } });
  coros.addAccount({ email: 'runner@example.com', password: 'coros-password-9', regionId: 3 });
  sandbox.addActivity('com', 'runner@example.com', { fitBytes: garminRunFit(Date.UTC(2026, 10, 1, 7) / 1000) });
});
afterAll(async () => {
  await Promise.all([sandbox.close(), coros.close()]);
});
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function io(env: Record<string, string>, answers: string[] = [], isTty = false) {
  const out: string[] = [];
  const err: string[] = [];
  const cwd = mkdtempSync(join(tmpdir(), 'ssx-login-'));
  dirs.push(cwd);
  const value: CliIo = {
    env: {
      SPORTS_SYNC_ENDPOINTS: JSON.stringify({ ...sandbox.endpointOverrides(), ...coros.endpointOverrides() }),
      ...env,
    },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    cwd,
    isTty,
    prompt: async () => answers.shift() ?? '',
  };
  return { value, out, err, cwd };
}

describe('login command', () => {
  it('--for action prints only the token on stdout and creates no database', async () => {
    const { value, out, err, cwd } = io({
      GARMIN_EMAIL_COM: 'runner@example.com',
      GARMIN_PASSWORD_COM: 'correct-horse-battery',
    });
    const code = await runCli(['login', '--for', 'action', '--region', 'com'], value);
    expect(code, err.join('\n')).toBe(0);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^ssxg1\./);
    expect(err.join('\n')).toMatch(/GARMIN_TOKEN_COM/);
    expect(err.join('\n')).toMatch(/--for local/);
    expect([...out, ...err].join('\n')).not.toContain('correct-horse-battery');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('needs no sync settings: SYNC_PLATFORM and COROS settings are not read', async () => {
    const { value, err } = io({
      SYNC_PLATFORM: 'STRAVA',
      COROS_EMAIL: 'x',
      GARMIN_EMAIL_COM: 'runner@example.com',
      GARMIN_PASSWORD_COM: 'correct-horse-battery',
    });
    expect(await runCli(['login', '--for', 'action'], value), err.join('\n')).toBe(0);
  });

  it('says who the token is for when --for is missing (exit 2)', async () => {
    const { value, err } = io({});
    expect(await runCli(['login'], value)).toBe(2);
    expect(err.join('\n')).toMatch(/--for action .* --for local/);
  });

  it('a wrong password creates no database and does not suggest running login again', async () => {
    const { value, err, cwd } = io({ GARMIN_EMAIL_COM: 'runner@example.com', GARMIN_PASSWORD_COM: 'wrong-password-1' });
    expect(await runCli(['login', '--for', 'local'], value)).toBe(1);
    const text = err.join('\n');
    expect(text).toMatch(/refused the email or password/);
    expect(text).not.toMatch(/cli\.js login|sports-sync-x login/);
    expect(text).not.toContain('wrong-password-1');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('asks for the MFA code in a terminal', async () => {
    const { value, out } = io({}, ['mfa@example.cn', 'cn-password-123', '424242'], true);
    expect(await runCli(['login', '--for', 'action', '--region', 'cn'], value)).toBe(0);
    expect(out[0]).toMatch(/^ssxg1\./);
  });

  it('fails in one line without a terminal for an MFA account', async () => {
    const { value, err, out } = io({ GARMIN_EMAIL_CN: 'mfa@example.cn', GARMIN_PASSWORD_CN: 'cn-password-123' });
    expect(await runCli(['login', '--for', 'action', '--region', 'cn'], value)).not.toBe(0);
    expect(err.join('\n')).toMatch(/two-step|MFA/i);
    expect([...out, ...err].join('\n')).not.toContain('cn-password-123');
  });

  it('accepts a service ticket pasted from a browser', async () => {
    const ticket = sandbox.mintTicket('com', 'runner@example.com');
    const { value, out, err } = io({});
    expect(await runCli(['login', '--for', 'action', '--ticket', ticket], value)).toBe(0);
    expect(out[0]).toMatch(/^ssxg1\./);
    expect([...out, ...err].join('\n')).not.toContain(ticket);
  });

  it('rejects an unknown region and consumer', async () => {
    const { value, err } = io({});
    expect(await runCli(['login', '--for', 'action', '--region', 'eu'], value)).toBe(2);
    expect(await runCli(['login', '--for', 'both'], value)).toBe(2);
    expect(err.join('\n')).toMatch(/use --region com .* or --region cn/);
    expect(err.join('\n')).toMatch(/use --for action or --for local/);
  });

  it('the login pause blocks login; --force ignores it with a warning', async () => {
    const first = io({ GARMIN_EMAIL_COM: 'runner@example.com', GARMIN_PASSWORD_COM: 'correct-horse-battery' });
    expect(await runCli(['login', '--for', 'local'], first.value)).toBe(0);
    // Pause logins as a blocked sign-in would, in the real database file.
    const { Store } = await import('../../src/store/store.ts');
    const store = Store.open(join(first.cwd, 'db', 'sports_sync.sqlite'));
    store
      .platformState('garmin_com', 'x')
      .setPlain('login_paused_until', new Date(Date.now() + 3600_000).toISOString());
    store.platformState('garmin_com', 'x').setPlain('login_paused_reason', 'HTTP 429');
    store.close();
    const again = { ...first.value };
    const errs: string[] = [];
    const blocked = await runCli(['login', '--for', 'action'], { ...again, err: (line) => errs.push(line) });
    expect(blocked).toBe(1);
    expect(errs.join('\n')).toMatch(/paused until/);
    const forced: string[] = [];
    expect(await runCli(['login', '--for', 'action', '--force'], { ...again, err: (line) => forced.push(line) })).toBe(
      0,
    );
    expect(forced.join('\n')).toMatch(/warning: ignoring the Garmin COM login pause/);
  });

  it('--for local keeps the token in the database only, and a local sync uses it before GARMIN_TOKEN_COM', async () => {
    const login = io({ GARMIN_EMAIL_COM: 'runner@example.com', GARMIN_PASSWORD_COM: 'correct-horse-battery' });
    expect(await runCli(['login', '--for', 'local'], login.value)).toBe(0);
    expect(login.out).toEqual([]);
    const dbFile = join(login.cwd, 'db', 'sports_sync.sqlite');
    expect(existsSync(dbFile)).toBe(true);
    expect(existsSync(`${dbFile}.key`)).toBe(true);
    writeFileSync(
      join(login.cwd, '.env'),
      `SYNC_PLATFORM=GARMINCOM,COROS\nGARMIN_TOKEN_COM=not-a-valid-token-at-all\nCOROS_EMAIL=runner@example.com\nCOROS_PASSWORD=coros-password-9\n`,
    );
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['sync'], {
      ...login.value,
      out: (line) => out.push(line),
      err: (line) => err.push(line),
    });
    expect(code, [...out, ...err].join('\n')).toBe(0);
    expect(out.join('\n')).toMatch(/Uploaded 1/);
    const database = readFileSync(dbFile);
    expect(database.includes(Buffer.from('correct-horse-battery'))).toBe(false);
    // The token the login kept is sealed: no token blob (ssxg1.…) stands in the file in clear.
    expect(database.includes(Buffer.from('ssxg1.'))).toBe(false);
  });
});
