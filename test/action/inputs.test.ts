import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ACTION_INPUTS,
  SETTING_INPUTS,
  actionLookup,
  inputVariable,
  parseActionOptions,
  registerSecretInputs,
} from '../../src/action/inputs.ts';
import { parseConfig } from '../../src/config/config.ts';
import { NOTIFY_VARIABLES } from '../../src/notify/index.ts';
import { redact } from '../../src/core/secrets.ts';

const root = resolve(import.meta.dirname, '../..');
const actionYml = readFileSync(join(root, 'action.yml'), 'utf8');
/** Input names as declared in action.yml (two-space-indented keys under `inputs:`). */
const declaredInputs = (() => {
  const section = actionYml.slice(actionYml.indexOf('\ninputs:'), actionYml.indexOf('\noutputs:'));
  return [...section.matchAll(/^ {2}([a-z0-9-]+):\s*$/gm)].map((match) => match[1]!);
})();
const tmp = mkdtempSync(join(tmpdir(), 'ssx-inputs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('action inputs', () => {
  it("action.yml declares exactly the mapped settings plus the Action's own inputs", () => {
    expect([...declaredInputs].sort()).toEqual(
      [...SETTING_INPUTS.map((entry) => entry.input), ...ACTION_INPUTS].sort(),
    );
  });

  it('every notification variable has an input', () => {
    const mapped = new Set(SETTING_INPUTS.map((entry) => entry.env));
    expect(NOTIFY_VARIABLES.filter((name) => !mapped.has(name))).toEqual([]);
  });

  it('mapped inputs declare no default (the environment variable must be able to fill them) and name their variable', () => {
    for (const entry of SETTING_INPUTS) {
      const block = actionYml.slice(actionYml.indexOf(`\n  ${entry.input}:\n`) + 1).split(/\n {2}(?=\S)/)[0]!;
      expect(block, entry.input).not.toMatch(/\n {4}default:/);
      expect(block, entry.input).toContain(`(env ${entry.env})`);
    }
  });

  it("uses the runner's variable names (upper case, dashes kept)", () => {
    expect(inputVariable('garmin-email-com')).toBe('INPUT_GARMIN-EMAIL-COM');
  });

  it('an input wins over the environment; a blank input falls back to it', () => {
    const lookup = actionLookup({
      'INPUT_GARMIN-NEWEST-NUM': '50',
      GARMIN_NEWEST_NUM: '70',
      'INPUT_SPORT-DIFF-SECOND': '  ',
      SPORT_DIFF_SECOND: '90',
      DELETE_DUPLICATE: '1',
    });
    const config = parseConfig(lookup);
    expect(config.newestNum).toBe(50);
    expect(config.sportDiffSecond).toBe(90);
    expect(config.deleteDuplicate).toBe(true);
  });

  it('registers secret inputs and variables (and each line of a multi-line one) for masking', () => {
    const text = 'p=hunter2-coros t=line-two-token g=ghs_abcdef123456 n=1000';
    expect(redact(text), 'nothing registered them before').toBe(text);
    registerSecretInputs({
      'INPUT_COROS-PASSWORD': 'hunter2-coros',
      GARMIN_TOKEN_CN: 'line-one-token\nline-two-token',
      'INPUT_GITHUB-TOKEN': 'ghs_abcdef123456',
      'INPUT_GARMIN-NEWEST-NUM': '1000',
    });
    expect(redact(text)).toBe('p=*** t=*** g=*** n=1000');
  });

  it("parses the Action's own options with defaults and one-line errors", () => {
    const options = parseActionOptions({ GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '2' });
    expect(options).toMatchObject({
      state: 'git',
      fitArtifact: true,
      fitArtifactRetentionDays: 7,
      fitArtifactName: 'fit-files-42-2',
      pushAttempts: 3,
      keepalive: true,
      cacheKeyPrefix: 'sports-sync-state-v1-',
    });
    expect(parseActionOptions({ INPUT_STATE: 'CACHE', 'INPUT_FIT-ARTIFACT': 'false' })).toMatchObject({
      state: 'cache',
      fitArtifact: false,
    });
    expect(() => parseActionOptions({ INPUT_STATE: 's3' })).toThrow(/^input state="s3" is not recognised; use git/);
    expect(() => parseActionOptions({ 'INPUT_FIT-ARTIFACT-RETENTION-DAYS': '0' })).toThrow(/between 1 and 400/);
    expect(() => parseActionOptions({ 'INPUT_FIT-ARTIFACT-NAME': 'a/b' })).toThrow(/artifacts may not use/);
    expect(() => parseActionOptions({ 'INPUT_CACHE-KEY-PREFIX': 'a,b' })).toThrow(/commas/);
  });
});

describe('inputs table in the docs', () => {
  it('docs/action.md matches action.yml', () => {
    const result = spawnSync(process.execPath, ['scripts/inputs-table.mjs', '--check'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('the check fails when action.yml gains an input the docs do not list, and --write repairs it', () => {
    const yml = join(tmp, 'action.yml');
    const doc = join(tmp, 'action.md');
    copyFileSync(join(root, 'docs/action.md'), doc);
    writeFileSync(
      yml,
      actionYml.replace(
        '\n  state:\n',
        "\n  brand-new:\n    description: 'Something new.'\n    required: false\n  state:\n",
      ),
    );
    const check = spawnSync(
      process.execPath,
      [join(root, 'scripts/inputs-table.mjs'), '--check', '--action', yml, '--doc', doc],
      { encoding: 'utf8' },
    );
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('does not match');
    execFileSync(process.execPath, [join(root, 'scripts/inputs-table.mjs'), '--write', '--action', yml, '--doc', doc]);
    expect(readFileSync(doc, 'utf8')).toContain('| `brand-new` | — |  | Something new. |');
  });
});

describe('workflows', () => {
  const sync = readFileSync(join(root, '.github/workflows/sync.yml'), 'utf8');
  const ci = readFileSync(join(root, '.github/workflows/ci.yml'), 'utf8');

  // Which inputs sync.yml passes, and that every input is reachable, is tested on the parsed YAML in workflows.test.ts.
  it('sync.yml: odd-minute schedule, manual runs with dry run and full scan, one uncancelled group, least permissions, a timeout', () => {
    const cron = /cron: '(\d+) /.exec(sync)?.[1];
    expect(Number(cron) % 2).toBe(1);
    expect(sync).toMatch(/workflow_dispatch:\n\s+inputs:\n\s+dry-run:[\s\S]*full-scan:/);
    expect(sync).toMatch(/concurrency:\n\s+group: sports-sync\n\s+cancel-in-progress: false/);
    expect(sync).toMatch(/^permissions: \{\}$/m);
    expect(sync).toMatch(/contents: write/);
    expect(sync).toMatch(/actions: write/);
    expect(sync).toMatch(/timeout-minutes: \d+/);
    expect(sync).toContain('uses: ./');
  });

  it('ci.yml type-checks, tests, and fails when action/ is stale', () => {
    expect(ci).toContain('npx tsc -p .');
    expect(ci).toContain('npx vitest run');
    expect(ci).toContain('node scripts/build.mjs');
    expect(ci).toMatch(/git status --porcelain -- action[\s\S]*exit 1/);
  });
});
