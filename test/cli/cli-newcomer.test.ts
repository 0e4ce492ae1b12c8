// The first list of issue 13, one test per complaint, against the built CLI as a process.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.ts';
import { createProgress } from '../../src/core/progress.ts';
import { formatLocalTime } from '../../src/core/time-format.ts';
import { synthesiseFit } from '../../sandbox/fit-synth.ts';
import { startCorosSandbox, type CorosSandbox } from '../../sandbox/coros/coros-sandbox.ts';
import { startGarminSandbox, type GarminSandbox } from '../../sandbox/garmin/index.ts';

const cli = join(import.meta.dirname, '..', '..', 'action', 'cli.js');
const dirs: string[] = [];
let garmin: GarminSandbox;
let coros: CorosSandbox;

beforeAll(async () => {
  garmin = await startGarminSandbox({ uploadProcessingPolls: 1, pollHintMs: 20 });
  coros = await startCorosSandbox({ knobs: { importDelayMs: 10 } });
  garmin.addAccount('com', { email: 'new@example.com', password: 'garmin-newcomer-pw' });
  coros.addAccount({ email: 'new@example.com', password: 'coros-newcomer-pw', regionId: 3 });
  const start = Date.UTC(2026, 9, 15, 12, 30) / 1000;
  garmin.addActivity('com', 'new@example.com', {
    fitBytes: synthesiseFit({
      startUtc: start,
      elapsedSec: 3600,
      distanceM: 30_000,
      sport: 'cycling',
      manufacturer: 'garmin',
      product: 4315,
    }),
  });
});
afterAll(async () => {
  await Promise.all([garmin?.close(), coros?.close()]);
});
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const cleanEnv = () =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        !/^(SYNC_|GARMIN_|COROS_|DELETE_|SPORT_|QYWX_|STATE_|FIT_DIR|DRY_RUN|FULL_SCAN|TIMEZONE|NOTIFY_)/.test(name),
    ),
  );
function folder(): string {
  const cwd = mkdtempSync(join(tmpdir(), 'ssx-new-'));
  dirs.push(cwd);
  return cwd;
}
function runSync(args: string[], cwd: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [cli, ...args], { cwd, env: { ...cleanEnv(), ...env }, encoding: 'utf8' });
}
function runAsync(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd,
      env: { ...cleanEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}
function writeEnvFile(cwd: string, lines: readonly string[]): void {
  writeFileSync(join(cwd, '.env'), lines.join('\n'));
}
function sandboxSettings(cwd: string, extra: string[] = []): void {
  writeEnvFile(cwd, [
    'SYNC_PLATFORM=GARMINCOM,COROS',
    `GARMIN_TOKEN_COM=${garmin.mintTokenBlob('com', 'new@example.com')}`,
    'COROS_EMAIL=new@example.com',
    'COROS_PASSWORD=coros-newcomer-pw',
    `SPORTS_SYNC_ENDPOINTS=${JSON.stringify({ ...garmin.endpointOverrides(), ...coros.endpointOverrides() })}`,
    ...extra,
  ]);
}
/** A loopback port nobody listens on (it was open a moment ago): connecting to it is refused. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

describe('flags', () => {
  const table: Array<[string[], RegExp]> = [
    [['sync', '--dryrun'], /unknown option --dryrun for sync; did you mean --dry-run\?/],
    [['sync', '--since', '2026-01-01'], /unknown option --since/],
    [['sync', '--sport', 'run'], /unknown option --sport/],
    [['sync', 'extra'], /sync takes no arguments, but got "extra"/],
    [['sync', '--dry-run=maybe'], /not a yes\/no value/],
    [['snyc'], /unknown command "snyc"; did you mean "sync"\?/],
    [['status', '--jsno'], /did you mean --json\?/],
  ];
  for (const [args, message] of table) {
    it(`${args.join(' ')} → exit 2, nothing run or written`, () => {
      const cwd = folder();
      const result = runSync(args, cwd);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(readdirSync(cwd)).toEqual([]);
    });
  }
  it('booleans accept --flag, =true|1 and =false|0', () => {
    for (const [arg, value] of [
      ['--dry-run', true],
      ['--dry-run=true', true],
      ['--dry-run=1', true],
      ['--dry-run=false', false],
      ['--dry-run=0', false],
    ] as const) {
      expect(parseArgs(['sync', arg]).flags['dry-run']).toBe(value);
    }
  });
  it('--env-file is refused with the new name; -v is verbose; every command has --help with examples; --version', () => {
    expect(() => parseArgs(['sync', '--env-file=x'])).toThrow(/use --settings-file/);
    expect(parseArgs(['sync', '-v']).flags.verbose).toBe(true);
    for (const command of ['sync', 'demo', 'status', 'login', 'doctor']) {
      const result = runSync([command, '--help'], tmpdir());
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/Examples:\n {2}node cli\.js/);
    }
    expect(runSync(['demo', '--help'], tmpdir()).stdout).toMatch(/--dry-run/);
    expect(runSync(['status', '--help'], tmpdir()).stdout).toMatch(/--db PATH/);
    expect(runSync(['login', '--help'], tmpdir()).stdout).toMatch(/--password[\s\S]*--db/);
    expect(runSync(['--version'], tmpdir()).stdout).toMatch(/^sports-sync-x \d/);
  });
});

describe('settings errors: found before any request, named, exit 2, nothing written', () => {
  it('SYNC_DB_PATH as a folder, a non-SQLite file, a newer schema, under a file; a malformed GARMIN_TOKEN_COM', async () => {
    const cwd = folder();
    sandboxSettings(cwd);
    mkdirSync(join(cwd, 'a-folder'));
    writeFileSync(join(cwd, 'notes.txt'), 'hello, not a database');
    const { DatabaseSync } = await import('node:sqlite');
    const newer = new DatabaseSync(join(cwd, 'newer.sqlite'));
    newer.exec(
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL); INSERT INTO schema_migrations VALUES (999, 'future', 'x');",
    );
    newer.close();
    const before = garmin.counters().total;
    const cases: Array<[Record<string, string>, string[], RegExp]> = [
      [{ SYNC_DB_PATH: 'a-folder' }, [], /SYNC_DB_PATH=".*a-folder" is a folder/],
      [{}, ['--db', 'a-folder'], /--db=".*a-folder" is a folder/],
      [{ SYNC_DB_PATH: 'notes.txt' }, [], /SYNC_DB_PATH=".*notes\.txt" is not a Sports Sync X database/],
      [
        { SYNC_DB_PATH: 'newer.sqlite' },
        [],
        /SYNC_DB_PATH=".*newer\.sqlite" was written by a newer Sports Sync X \(schema 999/,
      ],
      [{ SYNC_DB_PATH: 'notes.txt/db.sqlite' }, [], /SYNC_DB_PATH=.*is a file/],
      [{ GARMIN_TOKEN_COM: 'ssxg1.garbage!!' }, [], /GARMIN_TOKEN_COM is damaged/],
      [{ GARMIN_TOKEN_COM: 'just-some-text' }, [], /GARMIN_TOKEN_COM is not a Sports Sync X Garmin token/],
      [{ TIMEZONE: 'Mars/Olympus' }, [], /TIMEZONE="Mars\/Olympus" is not a known time zone/],
    ];
    for (const [env, args, message] of cases) {
      const result = runSync(['sync', ...args], cwd, env);
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(garmin.counters().total).toBe(before);
    expect(readdirSync(cwd).sort()).toEqual(['.env', 'a-folder', 'newer.sqlite', 'notes.txt']);
  });

  it('a network failure says what failed and which proxy setting applies, once', async () => {
    const cwd = folder();
    const closed = await closedPort();
    writeEnvFile(cwd, [
      'SYNC_PLATFORM=COROS,GARMINCOM',
      'COROS_EMAIL=a@b.c',
      'COROS_PASSWORD=pw-123456',
      `GARMIN_TOKEN_COM=${garmin.mintTokenBlob('com', 'new@example.com')}`,
      'HTTP_TIMEOUT_SECONDS=30',
      `SPORTS_SYNC_ENDPOINTS=${JSON.stringify({ 'teameuapi.coros.com': `http://127.0.0.1:${closed}`, 'teamapi.coros.com': `http://127.0.0.1:${closed}`, ...garmin.endpointOverrides() })}`,
    ]);
    const result = await runAsync(['sync'], cwd);
    expect(result.status).toBe(1);
    const all = result.stdout + result.stderr;
    expect(all).toMatch(/could not connect \(ECONNREFUSED\)/);
    expect(all).toMatch(/set COROS_PROXY \(or HTTPS_PROXY\)/);
    expect(all).not.toMatch(/temporary problem/);
    expect(all.match(/ECONNREFUSED/g)).toHaveLength(1);
  });
});

describe('sync --json, status and doctor against the sandboxes', () => {
  it('one JSON document on stdout; status in plain words; doctor passes and writes nothing', async () => {
    const cwd = folder();
    sandboxSettings(cwd, ['TIMEZONE=Asia/Shanghai']);
    const doctorFirst = await runAsync(['doctor'], cwd);
    expect(doctorFirst.status, doctorFirst.stdout + doctorFirst.stderr).toBe(0);
    expect(doctorFirst.stdout).toMatch(/✓ settings: .*times in Asia\/Shanghai/);
    expect(doctorFirst.stdout).toMatch(/✓ Garmin COM connectapi\.garmin\.com: reachable/);
    expect(doctorFirst.stdout).toMatch(/✓ clock: within/);
    expect(doctorFirst.stdout).toMatch(/✓ Garmin COM token: from GARMIN_TOKEN_COM accepted/);
    expect(doctorFirst.stdout).toMatch(/✓ database: .* does not exist yet/);
    expect(readdirSync(cwd)).toEqual(['.env']);

    const sync = await runAsync(['sync', '--json'], cwd);
    expect(sync.status, sync.stderr).toBe(0);
    const document = JSON.parse(sync.stdout) as {
      ok: boolean;
      exitCode: number;
      timeZone: string;
      report: { counts: { uploaded: number } };
    };
    expect(document).toMatchObject({ ok: true, exitCode: 0, timeZone: 'Asia/Shanghai' });
    expect(document.report.counts.uploaded).toBe(1);

    const text = await runAsync(['sync'], cwd);
    expect(text.stdout).toMatch(/Everything is in sync/);

    const status = await runAsync(['status'], cwd);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/Transfers: 1 uploaded/);
    expect(status.stdout).not.toMatch(/duplicatesFound|planned|created|in-flight/);
    expect(status.stdout).toMatch(/UTC\+8: everything worked; 1 uploaded/);
    const statusJson = JSON.parse((await runAsync(['status', '--json'], cwd)).stdout) as {
      transfers: Record<string, number>;
    };
    expect(statusJson.transfers).toEqual({ uploaded: 1 });

    const doctorAgain = await runAsync(['doctor'], cwd);
    expect(doctorAgain.stdout).toMatch(/✓ COROS region: Europe, home host teameuapi\.coros\.com/);
    expect(doctorAgain.stdout).toMatch(/✓ COROS token: accepted/);
    expect(doctorAgain.stdout).toMatch(/✓ database: .*schema \d+ of \d+/);
  });

  it('doctor fails (exit 1) with a fix when a host cannot be reached', async () => {
    const cwd = folder();
    const closed = await closedPort();
    writeEnvFile(cwd, [
      'SYNC_PLATFORM=COROS',
      'COROS_EMAIL=a@b.c',
      'COROS_PASSWORD=pw-123456',
      `SPORTS_SYNC_ENDPOINTS=${JSON.stringify({ 'teamapi.coros.com': `http://127.0.0.1:${closed}` })}`,
    ]);
    const result = await runAsync(['doctor'], cwd);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(
      /✗ COROS teamapi\.coros\.com: could not connect \(ECONNREFUSED\)\n {4}→ if this network needs a proxy, set COROS_PROXY/,
    );
    expect(readdirSync(cwd)).toEqual(['.env']);
  });
});

describe('progress and times', () => {
  it('without a terminal: a line every 10 % (300 uploads → about 11 lines), with n/N', () => {
    const lines: string[] = [];
    let now = 0;
    const progress = createProgress({ write: (line) => lines.push(line), now: () => now });
    progress.phase('Uploads', 300);
    for (let i = 0; i < 300; i++) {
      now += 100;
      progress.tick();
    }
    progress.done();
    expect(lines.length).toBeLessThanOrEqual(12);
    expect(lines[1]).toMatch(/^Uploads 30\/300 · about \d+ s left$/);
    expect(lines.at(-1)).toBe('Uploads 300/300');
  });
  it('without a terminal: at least a line every 30 s', () => {
    const lines: string[] = [];
    let now = 0;
    const progress = createProgress({ write: (line) => lines.push(line), now: () => now });
    progress.phase('Listing Garmin COM', undefined, 'pages');
    now += 31_000;
    progress.tick();
    expect(lines).toEqual(['Listing Garmin COM: 0 pages', 'Listing Garmin COM: 1 pages']);
  });
  it('on a terminal: one live line redrawn', () => {
    const live: string[] = [];
    const lines: string[] = [];
    const progress = createProgress({
      write: (line) => lines.push(line),
      live: (text) => live.push(text),
      now: () => 0,
    });
    progress.phase('Downloads', 3);
    progress.tick();
    progress.tick();
    progress.tick();
    progress.done();
    expect(live).toContain('Downloads 2/3');
    expect(lines.filter((line) => line !== '')).toEqual([]);
  });
  it('times are labelled, in the TIMEZONE zone', () => {
    const start = Date.UTC(2026, 9, 15, 12, 30) / 1000;
    expect(formatLocalTime(start)).toBe('2026-10-15 12:30 UTC');
    expect(formatLocalTime(start, 'Asia/Shanghai')).toBe('2026-10-15 20:30 UTC+8');
  });
});
