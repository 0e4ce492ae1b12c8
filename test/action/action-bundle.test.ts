import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CorosSandbox } from '../../sandbox/coros/coros-sandbox.ts';
import type { GarminSandbox } from '../../sandbox/garmin/index.ts';
import type { ActionsResultsFake } from '../fakes/actions-results-fake.ts';
import { startFakeServer, type FakeServer } from '../notify/fake-server.ts';
import type { GitFixture } from './git-fixture.ts';
import { parseFileCommands } from './file-commands.ts';
import {
  BASE,
  BUNDLE,
  type BundleWorld,
  closeBundleWorld,
  COROS_EMAIL,
  COROS_PASSWORD,
  GARMIN_EMAIL,
  GARMIN_PASSWORD,
  runnerFiles,
  startBundleWorld,
  STATE_SECRET,
  workoutFit,
} from './runner-kit.ts';

/**
 * The bundled action/index.js (built by test/global-setup.ts) run as a child process, as the
 * runner runs it: INPUT_* and GITHUB_* variables, the Garmin and COROS sandboxes, the loopback
 * Actions results service, and a real bare git repository as the remote. Every test gets a world
 * of its own and makes the earlier runs it needs itself, so any one runs alone (`-t`).
 */
const GITHUB_TOKEN = 'ghs_fakeGithubToken0123456789';
const WECOM_KEY = '0a1b2c3d-9999-4888-a777-444455556666';

let world: BundleWorld | undefined;
let garmin: GarminSandbox;
let coros: CorosSandbox;
let fake: ActionsResultsFake;
let git: GitFixture;
let wecom: FakeServer;
let tokenBlob: string;
let runCounter = 100;

interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
  readonly runId: string;
}

async function runAction(
  workspace: string,
  inputs: Record<string, string>,
  extraEnv: Record<string, string> = {},
  repositoryPrivate = true,
): Promise<RunResult> {
  const runId = String(++runCounter);
  const { dir, env: runner } = runnerFiles(
    git.root,
    runId,
    workspace,
    {
      name: 'schedule',
      payload: { repository: { full_name: 'octo/sync', private: repositoryPrivate }, schedule: '17 */3 * * *' },
    },
    false,
  );
  const env: Record<string, string> = {
    ...runner,
    GITHUB_WORKFLOW_REF: 'octo/sync/.github/workflows/sync.yml@refs/heads/main',
    ...fake.env(),
    // The seed's environment names keep working next to inputs.
    STATE_SECRET,
    INPUT_PLATFORMS: 'GARMINCOM,COROS',
    'INPUT_GARMIN-TOKEN-COM': tokenBlob,
    'INPUT_COROS-EMAIL': COROS_EMAIL,
    'INPUT_COROS-PASSWORD': COROS_PASSWORD,
    INPUT_ENDPOINTS: JSON.stringify({
      ...garmin.endpointOverrides(),
      ...coros.endpointOverrides(),
      'qyapi.weixin.qq.com': wecom.baseUrl,
    }),
    'INPUT_QYWX-BOT-KEY': WECOM_KEY,
    'INPUT_GITHUB-TOKEN': GITHUB_TOKEN,
    INPUT_STATE: 'git',
    'INPUT_FIT-ARTIFACT': 'true',
    'INPUT_FIT-ARTIFACT-RETENTION-DAYS': '5',
    'INPUT_PUSH-ATTEMPTS': '3',
    // The rebase test need not wait 2 s per retry.
    'INPUT_PUSH-BACKOFF-SECONDS': '0',
    INPUT_KEEPALIVE: 'true',
    // Inputs the runner fills from action.yml defaults even when the workflow sets none.
    'INPUT_CACHE-KEY-PREFIX': 'sports-sync-state-v1-',
    'INPUT_COMMIT-MESSAGE': 'Update sync state',
    ...inputs,
    ...extraEnv,
  };
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      [BUNDLE],
      { cwd: workspace, env, maxBuffer: 32 * 1024 * 1024, timeout: 120_000 },
      (error, out, err) => {
        const status = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code: status, stdout: String(out), stderr: String(err) });
      },
    );
  });
  // Kept with the runner files for inspection (SSX_KEEP_TMP=1).
  writeFileSync(join(dir, 'stdout'), stdout + '\n--- stderr ---\n' + stderr);
  return {
    code,
    stdout,
    stderr,
    outputs: parseFileCommands(readFileSync(join(dir, 'output'), 'utf8')),
    summary: readFileSync(join(dir, 'summary'), 'utf8'),
    runId,
  };
}

function secrets(): string[] {
  return [
    WECOM_KEY,
    GARMIN_PASSWORD,
    COROS_PASSWORD,
    STATE_SECRET,
    GITHUB_TOKEN,
    tokenBlob,
    fake.runtimeToken,
    ...coros.secretsIssued(),
  ].filter((value) => value.length >= 6);
}

/** No secret anywhere in the output except inside the runner's own ::add-mask:: commands. */
function expectNoSecrets(result: RunResult): void {
  const visible = (result.stdout + '\n' + result.stderr)
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  for (const secret of secrets()) {
    expect(visible.includes(secret), `a secret (${secret.slice(0, 3)}…) leaked into the log`).toBe(false);
    expect(result.summary.includes(secret), 'a secret leaked into the summary').toBe(false);
    expect(result.outputs['report-json'] ?? '').not.toContain(secret);
  }
  // Credentials given as inputs are masked before anything else is printed.
  const lines = result.stdout.split('\n');
  const firstOther = lines.findIndex((line) => line.trim() !== '' && !line.startsWith('::add-mask::'));
  const masks = new Set(lines.slice(0, firstOther).map((line) => line.slice('::add-mask::'.length)));
  for (const secret of [COROS_PASSWORD, STATE_SECRET, GITHUB_TOKEN, tokenBlob])
    expect(masks.has(secret), 'masked before the first log line').toBe(true);
}

const remoteHead = () => git.git(git.root, '--git-dir', git.remote, 'rev-parse', 'main').trim();
const remoteFiles = () =>
  git.git(git.root, '--git-dir', git.remote, 'ls-tree', '-r', '--name-only', 'main').trim().split('\n');
const artifactFor = (runId: string) => fake.artifacts.find((artifact) => artifact.name === `fit-files-${runId}-1`);

beforeEach(async () => {
  if (!existsSync(BUNDLE)) throw new Error('action/index.js is missing; run npm run build');
  world = await startBundleWorld(['com'], () => ({ status: 200, body: { errcode: 0, errmsg: 'ok' } }));
  ({ garmin, coros, fake, git, hook: wecom } = world);
  garmin.addActivity('com', GARMIN_EMAIL, {
    fitBytes: workoutFit(BASE, 'garmin', 120, { distanceM: 10_000 }),
    utcOffsetSec: 0,
  });
  garmin.addActivity('com', GARMIN_EMAIL, {
    fitBytes: workoutFit(BASE + 86_400, 'garmin', 121, { sport: 'cycling', distanceM: 40_000 }),
    utcOffsetSec: 0,
  });
  tokenBlob = garmin.mintTokenBlob('com', GARMIN_EMAIL);
  coros.addActivity(COROS_EMAIL, { fitBytes: workoutFit(BASE + 2 * 86_400, 'coros', 130, { distanceM: 8_000 }) });
});

afterEach(async () => {
  await closeBundleWorld(world);
});

/** The first run with state: git: every workout copied, the database committed. */
async function firstGitRun(): Promise<RunResult> {
  const result = await runAction(git.clone(`ws-first-${runCounter}`), {});
  expect(result.outputs).toMatchObject({ uploaded: '3', 'state-committed': 'true' });
  return result;
}

describe('the bundled action, state: git', () => {
  it('first run: syncs, commits and pushes the database, uploads the FIT artifact, writes outputs and summary, masks secrets', async () => {
    const before = remoteHead();
    const result = await runAction(git.clone('ws-1'), {});
    expect(result.stderr + result.stdout.slice(-3000)).not.toMatch(/::error::/);
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({
      uploaded: '3',
      deleted: '0',
      failed: '0',
      outcome: 'ok',
      'state-committed': 'true',
    });
    const report = JSON.parse(result.outputs['report-json']!) as { counts: { uploaded: number } };
    expect(report.counts.uploaded).toBe(3);
    expect(garmin.activities('com', GARMIN_EMAIL)).toHaveLength(3);
    expect(coros.activities(COROS_EMAIL)).toHaveLength(3);

    expect(remoteHead()).not.toBe(before);
    expect(remoteFiles()).toContain('db/sports_sync.sqlite');
    expect(git.git(git.root, '--git-dir', git.remote, 'log', '-1', '--format=%an', 'main').trim()).toBe(
      'github-actions[bot]',
    );

    const artifact = artifactFor(result.runId)!;
    expect(artifact.finalized).toBe(true);
    const names = Object.keys(unzipSync(new Uint8Array(artifact.blob!))).sort();
    expect(names).toHaveLength(3);
    expect(names.filter((name) => name.startsWith('garmin_com/'))).toHaveLength(2);
    expect(names.filter((name) => name.startsWith('coros/'))).toHaveLength(1);
    expect(names.every((name) => name.endsWith('.fit'))).toBe(true);

    expect(result.summary).toMatch(
      /\| Ride \| [\d-]+ [\d:]+ \| 40\.00 km \| 32:00 \| Garmin COM \| COROS: ✅ uploaded \|/,
    );
    expect(result.summary).toMatch(
      /\| Run \| [\d-]+ [\d:]+ \| 8\.00 km \| [\d:]+ \| COROS \| Garmin COM: ✅ uploaded \|/,
    );
    // Listed 2, known 3: the copy uploaded to it is recorded at once.
    expect(result.summary).toMatch(/\| Garmin COM \| 2 \| 3 \| ✅ \| \d{4}-\d\d-\d\d \|/);
    expect(result.summary).toMatch(/✅ uploaded/);
    expect(result.summary).toContain('committed and pushed to `main`');
    expect(result.summary).toContain(`fit-files-${result.runId}-1`);
    expect(result.stdout).toContain('::group::');
    expect(fake.enabledWorkflows).toContain('octo/sync:sync.yml');
    // The notification input reaches the WeCom robot (one message for a run that changed something).
    expect(wecom.requests).toHaveLength(1);
    expect(wecom.requests[0]!.path).toBe('/cgi-bin/webhook/send');
    expect(wecom.requests[0]!.body).toMatch(/COROS/);
    expectNoSecrets(result);
  });

  it('later runs: restore from the checkout, upload nothing, and commit nothing once nothing changed', async () => {
    await firstGitRun();
    // Run 1 recorded the copies it created; run 2 only learns how the platforms label them: no commit.
    const beforeSecond = remoteHead();
    const second = await runAction(git.clone('ws-2'), {});
    expect(second.code).toBe(0);
    expect(second.outputs).toMatchObject({ uploaded: '0', failed: '0', 'state-committed': 'false' });
    expect(remoteHead()).toBe(beforeSecond);
    expect(artifactFor(second.runId)).toBeUndefined();
    // Run 3 learns nothing: no commit, although the run itself was recorded in the database.
    const before = remoteHead();
    const third = await runAction(git.clone('ws-3a'), {});
    expect(third.code).toBe(0);
    expect(third.outputs).toMatchObject({ uploaded: '0', failed: '0', 'state-committed': 'false' });
    expect(remoteHead()).toBe(before);
    expect(third.summary).toContain('unchanged: nothing committed');
    expect(third.summary).toContain('No FIT artifact');
    expect(wecom.requests).toHaveLength(1);
    expectNoSecrets(second);
    expectNoSecrets(third);
  });

  it('a push by someone else during the run is rebased onto and retried', async () => {
    await firstGitRun();
    const workspace = git.clone('ws-3');
    // The runner checked out before this push landed: the run's push is rejected once.
    git.pushFrom(git.clone('someone-3'), { 'notes/training-plan.md': '# plan\n' }, 'edit the training plan');
    const pushedByOther = remoteHead();
    garmin.addActivity('com', GARMIN_EMAIL, {
      fitBytes: workoutFit(BASE + 3 * 86_400, 'garmin', 140, { distanceM: 12_000 }),
      utcOffsetSec: 0,
    });
    const result = await runAction(workspace, {});
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({ uploaded: '1', 'state-committed': 'true' });
    expect(result.summary).toContain('after rebasing onto newer commits (2 attempts)');
    expect(git.git(git.root, '--git-dir', git.remote, 'rev-parse', 'main~1').trim()).toBe(pushedByOther);
    expect(remoteFiles()).toEqual(expect.arrayContaining(['notes/training-plan.md', 'db/sports_sync.sqlite']));
    expectNoSecrets(result);
  });
});

describe('the bundled action, state: cache', () => {
  const cacheInputs = { INPUT_STATE: 'cache', 'INPUT_DB-PATH': 'cache-db/sports_sync.sqlite' };
  /** The platforms converged by a git-state run, then `runs` cache runs, each after a new workout but the first. */
  const cacheRuns = async (runs: number): Promise<void> => {
    await firstGitRun();
    for (let run = 0; run < runs; run++) {
      if (run > 0)
        coros.addActivity(COROS_EMAIL, {
          fitBytes: workoutFit(BASE + (10 + run) * 86_400, 'coros', 150 + run, { distanceM: 5_000 }),
        });
      const result = await runAction(git.clone(`ws-cache-${runCounter}`), cacheInputs);
      expect(result.outputs).toMatchObject({ 'state-committed': 'true' });
    }
  };

  it('first run with an empty cache: a fresh database uploads nothing already on the platforms, and is saved', async () => {
    await firstGitRun();
    const result = await runAction(git.clone('ws-c1'), cacheInputs);
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({ uploaded: '0', 'state-committed': 'true' });
    expect(result.summary).toContain('No saved state');
    expect(fake.caches.filter((entry) => entry.finalized).map((entry) => entry.key)).toEqual([
      `sports-sync-state-v1-${result.runId}-1`,
    ]);
    expect(remoteFiles()).not.toContain('cache-db/sports_sync.sqlite');
    expectNoSecrets(result);
  });

  it('second run restores the newest entry by prefix and saves nothing when nothing changed', async () => {
    await cacheRuns(1);
    const result = await runAction(git.clone('ws-c2'), cacheInputs);
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({ uploaded: '0', 'state-committed': 'false' });
    expect(result.summary).toMatch(/State restored from cache key `sports-sync-state-v1-\d+-1`/);
    expect(fake.caches.filter((entry) => entry.finalized)).toHaveLength(1);
  });

  it('a new workout is synced and the state saved under a new key', async () => {
    await cacheRuns(1);
    coros.addActivity(COROS_EMAIL, { fitBytes: workoutFit(BASE + 4 * 86_400, 'coros', 150, { distanceM: 5_000 }) });
    const result = await runAction(git.clone('ws-c3'), cacheInputs);
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({ uploaded: '1', 'state-committed': 'true' });
    expect(fake.caches.filter((entry) => entry.finalized)).toHaveLength(2);
  });

  it('a failed restore while saved state exists stops before syncing instead of starting from scratch', async () => {
    await cacheRuns(2);
    const uploadsBefore = garmin.counters().uploads;
    fake.failNext({ target: 'GetCacheEntryDownloadURL', status: 400 });
    const result = await runAction(git.clone('ws-c4'), cacheInputs);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/::error::saved state could not be restored: 2 saved state entries/);
    expect(result.summary).toContain('state not restored');
    expect(garmin.counters().uploads).toBe(uploadsBefore);
    expectNoSecrets(result);
  });
});

describe('the bundled action, bad settings', () => {
  it('a bad input fails in one line and changes nothing', async () => {
    const before = remoteHead();
    const result = await runAction(git.clone('ws-bad'), { INPUT_STATE: 'dropbox' });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('::error::input state="dropbox" is not recognised');
    expect(remoteHead()).toBe(before);
    expectNoSecrets(result);
  });
});

describe('the bundled action, dry run', () => {
  it('reports what it would upload, changes nothing anywhere, saves no state and no artifact', async () => {
    await firstGitRun();
    garmin.addActivity('com', GARMIN_EMAIL, {
      fitBytes: workoutFit(BASE + 5 * 86_400, 'garmin', 160, { distanceM: 7_000 }),
      utcOffsetSec: 0,
    });
    const before = remoteHead();
    const corosBefore = coros.activities(COROS_EMAIL).length;
    const result = await runAction(git.clone('ws-dry'), { 'INPUT_DRY-RUN': 'true' }, {}, false);
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({ uploaded: '0', 'state-committed': 'false' });
    expect((JSON.parse(result.outputs['report-json']!) as { counts: { planned: number } }).counts.planned).toBe(1);
    expect(result.summary).toContain('dry run (nothing was changed)');
    expect(result.summary).toContain('🔍 would upload');
    // A public repository is told what it exposes and how to avoid it.
    expect(result.summary).toContain('This repository is public');
    expect(result.stdout).toMatch(/::warning::this repository is public and state is git/);
    expect(coros.activities(COROS_EMAIL)).toHaveLength(corosBefore);
    expect(remoteHead()).toBe(before);
    expect(artifactFor(result.runId)).toBeUndefined();
    expectNoSecrets(result);
  });
});

describe('the bundled action, settings from the shipped workflow (toJSON(vars), toJSON(secrets))', () => {
  /** Only what sync.yml passes: the variables and secrets as JSON; every other input blank. */
  const fromWorkflow = (vars: Record<string, string>, secretValues: Record<string, string>) => ({
    INPUT_PLATFORMS: '',
    'INPUT_GARMIN-TOKEN-COM': '',
    'INPUT_COROS-EMAIL': '',
    'INPUT_COROS-PASSWORD': '',
    'INPUT_QYWX-BOT-KEY': '',
    INPUT_ENDPOINTS: '',
    INPUT_STATE: '',
    'INPUT_FIT-ARTIFACT': '',
    'INPUT_FIT-ARTIFACT-RETENTION-DAYS': '',
    'INPUT_VARS-JSON': JSON.stringify(vars, null, 2),
    'INPUT_SECRETS-JSON': JSON.stringify({ github_token: GITHUB_TOKEN, ...secretValues }, null, 2),
  });
  const endpoints = () =>
    JSON.stringify({
      ...garmin.endpointOverrides(),
      ...coros.endpointOverrides(),
      'qyapi.weixin.qq.com': wecom.baseUrl,
    });

  it.each(['secret', 'variable'] as const)(
    'a notification key stored as a %s works, nothing else needs a YAML edit, and every secret is masked',
    async (where) => {
      garmin.addActivity('com', GARMIN_EMAIL, {
        fitBytes: workoutFit(BASE + (where === 'secret' ? 20 : 21) * 86_400, 'garmin', where === 'secret' ? 170 : 171, {
          distanceM: 6_000,
        }),
        utcOffsetSec: 0,
      });
      const messagesBefore = wecom.requests.length;
      const vars: Record<string, string> = {
        SYNC_PLATFORM: 'GARMINCOM,COROS',
        SPORTS_SYNC_ENDPOINTS: endpoints(),
        SYNC_STATE: 'none',
        SYNC_ALLOW_STATE_NONE: 'true',
        FIT_ARTIFACT: 'false',
        SYNC_LANGUAGE: 'zh-CN',
      };
      const secretValues: Record<string, string> = { GARMIN_TOKEN_COM: tokenBlob, COROS_EMAIL, COROS_PASSWORD };
      if (where === 'secret') secretValues.QYWX_BOT_KEY = WECOM_KEY;
      else vars.QYWX_BOT_KEY = WECOM_KEY;
      const result = await runAction(git.clone(`ws-json-${where}`), fromWorkflow(vars, secretValues));
      expect(result.stdout.slice(-3000) + result.stderr).not.toMatch(/::error::/);
      expect(result.code).toBe(0);
      expect(Number(result.outputs.uploaded)).toBeGreaterThanOrEqual(1);
      expect(wecom.requests.length).toBe(messagesBefore + 1);
      // SYNC_LANGUAGE from the variables: the message and the summary are in Chinese.
      expect(wecom.requests.at(-1)!.body).toContain('已复制');
      expect(result.summary).toContain(`已上传 **${result.outputs.uploaded}** 条`);
      expect(result.summary).toContain('同步方向：佳明国际区、高驰 之间的所有方向');
      expectNoSecrets(result);
      // Values taken out of the secrets JSON were masked before anything else was printed.
      const masks = new Set(
        result.stdout
          .split('\n')
          .filter((line) => line.startsWith('::add-mask::'))
          .map((line) => line.slice('::add-mask::'.length)),
      );
      expect(masks.has(COROS_PASSWORD)).toBe(true);
      expect(masks.has(WECOM_KEY)).toBe(true);
    },
  );

  it('a peer\'s name is accepted, a near miss gets a "did you mean" line, and the summary notes a newer release', async () => {
    const releases = await startFakeServer((request) =>
      request.path === '/repos/octo/sports-sync-x/releases/latest'
        ? {
            status: 200,
            body: { tag_name: 'v9.0.0', html_url: 'https://github.com/octo/sports-sync-x/releases/tag/v9.0.0' },
          }
        : { status: 404, body: {} },
    );
    try {
      const vars = {
        SYNC_PLATFORM: 'GARMINCOM,COROS',
        SPORTS_SYNC_ENDPOINTS: JSON.stringify({ ...JSON.parse(endpoints()), 'api.github.com': releases.baseUrl }),
        SYNC_STATE: 'none',
        SYNC_ALLOW_STATE_NONE: 'true',
        FIT_ARTIFACT: 'false',
        NOTIFY_TIMEZON: 'Asia/Shanghai',
      };
      const result = await runAction(
        git.clone('ws-json-alias'),
        fromWorkflow(vars, { GARMIN_TOKEN_COM: tokenBlob, COROS_EMAIL, COROS_PASSWORD }),
        { GITHUB_ACTION_REPOSITORY: 'octo/sports-sync-x' },
      );
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        '::warning::NOTIFY_TIMEZON is not a setting Sports Sync X reads; did you mean NOTIFY_TIMEZONE?',
      );
      expect(result.summary).toContain(
        'A newer release of Sports Sync X is out: [v9.0.0](https://github.com/octo/sports-sync-x/releases/tag/v9.0.0)',
      );
      expect(releases.requests).toHaveLength(1);
      expectNoSecrets(result);

      const peer = await runAction(
        git.clone('ws-json-peer'),
        fromWorkflow(
          {
            SYNC_PLATFORM: 'GARMINCOM,COROS',
            SPORTS_SYNC_ENDPOINTS: endpoints(),
            SYNC_STATE: 'none',
            SYNC_ALLOW_STATE_NONE: 'true',
            FIT_ARTIFACT: 'false',
          },
          {
            GARMIN_EMAIL: GARMIN_EMAIL,
            GARMIN_PASSWORD,
            COROS_EMAIL,
            COROS_PASSWORD,
            TELEGRAM_BOT_TOKEN: '123456789:AAbbccddeeffgghhiijjkkllmmnnoopp',
          },
        ),
      );
      expect(peer.stdout).not.toMatch(/neither GARMIN_TOKEN_COM/);
      // An incomplete notification setting is a warning in the summary, never a failed run.
      expect(peer.code).toBe(0);
      expect(peer.summary).toContain('TELEGRAM_BOT_TOKEN is set but TELEGRAM_CHAT_ID is not');
      const visible =
        peer.stdout
          .split('\n')
          .filter((line) => !line.startsWith('::add-mask::'))
          .join('\n') +
        peer.stderr +
        peer.summary;
      for (const secret of [GARMIN_PASSWORD, COROS_PASSWORD, GITHUB_TOKEN])
        expect(visible.includes(secret), 'a secret leaked').toBe(false);
      expect(peer.stdout).toContain(`::add-mask::${GARMIN_PASSWORD}`);
    } finally {
      await releases.close();
    }
  });
});
