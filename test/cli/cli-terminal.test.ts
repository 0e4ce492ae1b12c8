// The built single-file CLI in a real pseudo-terminal (util-linux `script`), and copied alone
// into an empty folder: what a newcomer with only Node 24 runs.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGarminSandbox, type GarminSandbox } from '../../sandbox/garmin/index.ts';

const builtCli = join(import.meta.dirname, '..', '..', 'action', 'cli.js');
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
let sandbox: GarminSandbox;
const dirs: string[] = [];

beforeAll(async () => {
  sandbox = await startGarminSandbox();
  sandbox.addAccount('com', { email: 'tty@example.com', password: 'Sekr1t-typed-here' });
  sandbox.addAccount('cn', { email: 'mfa-tty@example.cn', password: 'Cn-Sekr1t-typed', mfa: { code: '135790' } });
});
afterAll(() => sandbox.close());
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function emptyFolderWithCli(): { cwd: string; cli: string } {
  const cwd = mkdtempSync(join(tmpdir(), 'ssx-newcomer-'));
  dirs.push(cwd);
  const cli = join(cwd, 'cli.js');
  copyFileSync(builtCli, cli);
  return { cwd, cli };
}

const cleanEnv = () =>
  Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(SYNC_|GARMIN_|COROS_|STATE_|NODE_OPTIONS)/.test(name)),
  );

/**
 * Runs `node cli.js …` inside `script` (a real pty); answers each prompt only once it appeared,
 * as a person would. Returns everything the terminal showed.
 */
function inTerminal(
  cwd: string,
  args: string[],
  answers: Array<[RegExp, string]>,
  pipeStdoutTo?: string,
): Promise<{ status: number | null; screen: string }> {
  return new Promise((resolve) => {
    const command = `${JSON.stringify(process.execPath)} cli.js ${args.join(' ')}${pipeStdoutTo ? ` > ${pipeStdoutTo}` : ''}`;
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      cwd,
      env: { ...cleanEnv(), SPORTS_SYNC_ENDPOINTS: JSON.stringify(sandbox.endpointOverrides()), TERM: 'dumb' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    const pending = [...answers];
    const onData = (chunk: Buffer) => {
      screen += chunk.toString();
      const next = pending[0];
      if (next && next[0].test(screen)) {
        pending.shift();
        setTimeout(() => child.stdin.write(next[1] + '\r'), 50);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, screen });
    });
  });
}

describe.skipIf(!hasScript)('login in a real terminal', () => {
  it('does not echo the password, prints the token, stores nothing', async () => {
    const { cwd } = emptyFolderWithCli();
    const result = await inTerminal(
      cwd,
      ['login', '--for', 'action'],
      [
        [/Garmin COM email: /, 'tty@example.com'],
        [/Garmin COM password: /, 'Sekr1t-typed-here'],
      ],
    );
    expect(result.status, result.screen).toBe(0);
    expect(result.screen).toContain('tty@example.com'); // the e-mail is echoed as typed
    expect(result.screen).not.toContain('Sekr1t');
    expect(result.screen).not.toMatch(/\*{3,}/);
    expect(result.screen).toMatch(/ssxg1\./);
    expect(readdirSync(cwd)).toEqual(['cli.js']);
  });

  it('asks for the MFA code; with stdout piped the prompts still show on the terminal and the token goes to the pipe', async () => {
    const { cwd } = emptyFolderWithCli();
    const result = await inTerminal(
      cwd,
      ['login', '--for', 'action', '--region', 'cn'],
      [
        [/Garmin CN email: /, 'mfa-tty@example.cn'],
        [/Garmin CN password: /, 'Cn-Sekr1t-typed'],
        [/Code from your authenticator app or e-mail: /, '135790'],
      ],
      'token.txt',
    );
    expect(result.status, result.screen).toBe(0);
    expect(result.screen).not.toContain('Cn-Sekr1t');
    expect(result.screen).not.toMatch(/ssxg1\./);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(cwd, 'token.txt'), 'utf8').trim()).toMatch(/^ssxg1\.[A-Za-z0-9_-]+$/);
  });
});

describe('the single-file CLI from an empty folder', () => {
  it('runs with no node_modules: --version, --help, a usage error, demo --json', () => {
    const { cwd, cli } = emptyFolderWithCli();
    const run = (args: string[]) =>
      spawnSync(process.execPath, [cli, ...args], { cwd, env: cleanEnv(), encoding: 'utf8' });
    expect(run(['--version']).stdout.trim()).toMatch(/^sports-sync-x \d+\.\d+\.\d+$/);
    expect(run(['sync', '--help']).stdout).toMatch(/Examples:/);
    const typo = run(['sync', '--dryrun']);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toMatch(/did you mean --dry-run/);
    const demo = run(['demo', '--json']);
    expect(demo.status, demo.stderr).toBe(0);
    const document = JSON.parse(demo.stdout) as { ok: boolean; report: { counts: { uploaded: number } } };
    expect(document.ok).toBe(true);
    expect(document.report.counts.uploaded).toBeGreaterThan(10);
  });
});
