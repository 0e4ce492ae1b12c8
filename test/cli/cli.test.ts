import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempFolders } from '../support/temp-folders.ts';

const newCliFolder = tempFolders('ssx-cli-');
const newDemoFolder = tempFolders('ssx-demo-');

const cli = join(import.meta.dirname, '..', '..', 'action', 'cli.js');
const cleanEnv = () =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(SYNC_|GARMIN_|COROS_|DELETE_|SPORT_|QYWX_|STATE_|FIT_DIR|DRY_RUN|FULL_SCAN)/.test(name),
    ),
  );

function run(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  return spawnSync(process.execPath, [cli, ...args], {
    cwd: options.cwd,
    env: { ...cleanEnv(), ...options.env },
    encoding: 'utf8',
  });
}

// The machine's own Node, when it is older than 24 (the project brings 24 through npm).
const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => {
  const version = spawnSync(path, ['--version'], { encoding: 'utf8' });
  return version.status === 0 && Number(/^v(\d+)/.exec(version.stdout)?.[1] ?? 99) < 24;
});

describe('CLI', () => {
  it.skipIf(!systemNode)('on a Node older than 24 says so in one line (exit 2)', () => {
    const result = spawnSync(systemNode!, [cli, 'status'], { encoding: 'utf8', cwd: tmpdir() });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toMatch(/^error: Sports Sync X needs Node 24 or newer \(this is v\d+/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  const invalid: Array<[string, Record<string, string>, RegExp]> = [
    ['bad platform', { SYNC_PLATFORM: 'GARMINCOM,STRAVA' }, /SYNC_PLATFORM contains "STRAVA"/],
    ['no platform', {}, /SYNC_PLATFORM is empty; list the platforms to sync/],
    [
      'bad tolerance',
      {
        SYNC_PLATFORM: 'COROS,GARMINCOM',
        COROS_EMAIL: 'a@b.c',
        COROS_PASSWORD: 'secret-password-1',
        GARMIN_TOKEN_COM: 'tok-secret-2',
        SPORT_DIFF_SECOND: 'x',
      },
      /SPORT_DIFF_SECOND="x"/,
    ],
    [
      'missing password',
      { SYNC_PLATFORM: 'COROS,GARMINCOM', COROS_EMAIL: 'a@b.c', GARMIN_TOKEN_COM: 'tok-secret-2' },
      /COROS_PASSWORD is empty/,
    ],
  ];
  for (const [name, env, message] of invalid) {
    it(`exits 2 with one line and writes nothing: ${name}`, () => {
      const cwd = newCliFolder();
      const result = run(['sync'], { cwd, env });
      expect(result.status).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
      expect(result.stdout + result.stderr).not.toMatch(/secret-password-1|tok-secret-2/);
      expect(readdirSync(cwd)).toEqual([]);
    });
  }

  it('reads settings from a .env file', () => {
    const cwd = newCliFolder();
    writeFileSync(join(cwd, '.env'), 'SYNC_PLATFORM=GARMINCOM\n');
    const result = run(['sync'], { cwd });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/GARMIN_TOKEN_COM nor GARMIN_EMAIL_COM/);
  });

  it('rejects an unknown command', () => {
    const result = run(['frobnicate'], { cwd: tmpdir() });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown command "frobnicate"/);
  });

  it('demo: the second run uploads 0 and deletes 0; status reads the database', () => {
    const cwd = newDemoFolder();
    const first = run(['demo'], { cwd });
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/Uploaded (\d+), duplicates found 2, deleted 2/);
    expect(Number(/Uploaded (\d+)/.exec(first.stdout)![1])).toBeGreaterThan(10);
    const second = run(['demo'], { cwd });
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/Uploaded 0, duplicates found 0, deleted 0, pending 0, failed 0/);
    expect(second.stdout).toMatch(/Everything is in sync/);
    // The copy whose local time was stored as UTC is reported once, as a time-zone suspect.
    expect(first.stdout).toMatch(/Time-zone suspect: .* \(time-zone suspect \([+−]8 h\)/);
    expect(second.stdout).not.toMatch(/Time-zone suspect/);
    const status = run(['status', '--db', 'db/demo/sports_sync.sqlite'], { cwd });
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/COROS: \d+ activities known/);
    // The database is a ledger plus a cache: without it, nothing already there is uploaded again.
    rmSync(join(cwd, 'db', 'demo', 'sports_sync.sqlite'));
    const fresh = run(['demo'], { cwd });
    expect(fresh.status).toBe(0);
    expect(fresh.stdout).toMatch(/Uploaded 0, duplicates found 0, deleted 0, pending 0, failed 0/);
  });
});
