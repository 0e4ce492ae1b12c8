import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/main.ts';
import { startGarminSandbox } from '../../src/sandbox/garmin/index.ts';

type Sandbox = Awaited<ReturnType<typeof startGarminSandbox>>;
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startGarminSandbox();
  sandbox.addAccount('com', { email: 'runner@example.com', password: 'correct-horse-battery' });
  sandbox.addAccount('cn', { email: 'mfa@example.cn', password: 'cn-password-123', mfa: { code: '424242' } });
});
afterAll(() => sandbox.close());

function io(env: Record<string, string>, answers: string[] = [], isTty = false) {
  const out: string[] = [];
  const err: string[] = [];
  const cwd = mkdtempSync(join(tmpdir(), 'ssx-login-'));
  const value: CliIo = {
    env: { SPORTS_SYNC_ENDPOINTS: JSON.stringify(sandbox.endpointOverrides()), SYNC_DB_PATH: join(cwd, 'db.sqlite'), ...env },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    cwd,
    isTty,
    prompt: async () => answers.shift() ?? '',
  };
  return { value, out, err, cwd };
}

describe('login command', () => {
  it('prints a token blob for the secret and stores the tokens encrypted', async () => {
    const { value, out, err, cwd } = io({ GARMIN_EMAIL_COM: 'runner@example.com', GARMIN_PASSWORD_COM: 'correct-horse-battery' });
    const code = await runCli(['login', '--region', 'com'], value);
    expect(err.join('\n')).toBe('');
    expect(code).toBe(0);
    const blob = out.find((line) => line.startsWith('ssxg1.'));
    expect(blob).toBeDefined();
    expect(out.join('\n')).toMatch(/GARMIN_TOKEN_COM/);
    expect(out.join('\n')).not.toContain('correct-horse-battery');
    const db = readFileSync(join(cwd, 'db.sqlite'));
    expect(db.includes(Buffer.from(blob!))).toBe(false);
    expect(db.includes(Buffer.from('correct-horse-battery'))).toBe(false);
  });

  it('asks for the MFA code in a terminal', async () => {
    const { value, out } = io({}, ['mfa@example.cn', 'cn-password-123', '424242'], true);
    expect(await runCli(['login', '--region', 'cn'], value)).toBe(0);
    expect(out.some((line) => line.startsWith('ssxg1.'))).toBe(true);
    expect(out.join('\n')).toMatch(/GARMIN_TOKEN_CN/);
  });

  it('fails in one line without a terminal for an MFA account', async () => {
    const { value, err, out } = io({ GARMIN_EMAIL_CN: 'mfa@example.cn', GARMIN_PASSWORD_CN: 'cn-password-123' });
    const code = await runCli(['login', '--region', 'cn'], value);
    expect(code).not.toBe(0);
    expect(err.join('\n')).toMatch(/two-factor|MFA|login/i);
    expect([...out, ...err].join('\n')).not.toContain('cn-password-123');
  });

  it('accepts a service ticket pasted from a browser', async () => {
    const ticket = sandbox.mintTicket('com', 'runner@example.com');
    const { value, out, err } = io({});
    expect(await runCli(['login', '--region', 'com', '--ticket', ticket], value)).toBe(0);
    expect(out.some((line) => line.startsWith('ssxg1.'))).toBe(true);
    expect([...out, ...err].join('\n')).not.toContain(ticket);
  });

  it('rejects an unknown region', async () => {
    const { value, err } = io({});
    expect(await runCli(['login', '--region', 'eu'], value)).toBe(2);
    expect(err.join('\n')).toMatch(/use --region com .* or --region cn/);
  });
});
