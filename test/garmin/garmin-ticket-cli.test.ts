import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/main.ts';
import { startGarminSandbox, type GarminSandbox } from '../../sandbox/garmin/index.ts';

let sandbox: GarminSandbox;
const dirs: string[] = [];
beforeAll(async () => {
  sandbox = await startGarminSandbox();
  sandbox.addAccount('com', { email: 'runner@example.com', password: 'correct-horse-battery' });
  sandbox.addAccount('cn', { email: 'runner@example.cn', password: 'cn-password-123' });
});
afterAll(async () => {
  await sandbox.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const cwd = mkdtempSync(join(tmpdir(), 'ssx-ticket-'));
  dirs.push(cwd);
  const value: CliIo = {
    env: { SPORTS_SYNC_ENDPOINTS: JSON.stringify(sandbox.endpointOverrides()), SYNC_DB_PATH: join(cwd, 'db.sqlite') },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    cwd,
    isTty: false,
    prompt: async () => '',
  };
  return { value, out, err };
}

describe('login --ticket from a browser (CLI)', () => {
  it('COM: the whole address bar after sign-in', async () => {
    const ticket = sandbox.mintTicket('com', 'runner@example.com', 'https://connect.garmin.com/app');
    const { value, out, err } = io();
    expect(
      await runCli(
        ['login', '--for', 'action', '--region', 'com', '--ticket', `https://connect.garmin.com/app?ticket=${ticket}`],
        value,
      ),
    ).toBe(0);
    expect(out.some((line) => line.startsWith('ssxg1.'))).toBe(true);
    expect([...out, ...err].join('\n')).not.toContain(ticket);
  });

  it('CN: a bare portal ticket defaults to https://connect.garmin.cn/app', async () => {
    const ticket = sandbox.mintTicket('cn', 'runner@example.cn', 'https://connect.garmin.cn/app');
    const { value, out, err } = io();
    expect(await runCli(['login', '--for', 'action', '--region', 'cn', '--ticket', ticket], value)).toBe(0);
    expect(out.some((line) => line.startsWith('ssxg1.'))).toBe(true);
    expect(err.join('\n')).toMatch(/GARMIN_TOKEN_CN/);
  });

  it('--service mobile for a ticket from the mobile sign-in page', async () => {
    const ticket = sandbox.mintTicket('com', 'runner@example.com', 'https://mobile.integration.garmin.com/gcm/android');
    const { value, out } = io();
    expect(
      await runCli(['login', '--for', 'action', '--region', 'com', '--ticket', ticket, '--service', 'mobile'], value),
    ).toBe(0);
    expect(out.some((line) => line.startsWith('ssxg1.'))).toBe(true);
  });

  it('an unknown --service is a one-line config error (exit 2)', async () => {
    const { value, err } = io();
    expect(
      await runCli(
        [
          'login',
          '--for',
          'action',
          '--region',
          'com',
          '--ticket',
          'ST-0123456-AbCdEfGhIjKlMnOpQrSt-sso',
          '--service',
          'https://example.com/',
        ],
        value,
      ),
    ).toBe(2);
    expect(err.join('\n')).toMatch(/--service .* use web/);
  });
});
