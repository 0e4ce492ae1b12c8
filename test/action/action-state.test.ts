import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseFileCommands } from './file-commands.ts';
import * as kit from './runner-kit.ts';

/**
 * When the bundled Action keeps its state: no-op runs save nothing, a renewed Garmin token survives
 * a cancel (SIGTERM), a kill (the post step) and is pushed at once (state git), and the refusals
 * that protect tokens and keys. Each test builds its own world, so each runs alone with -t.
 */
interface World extends kit.BundleWorld {
  tokens: { com: string; cn: string };
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly outputs: Record<string, string>;
  readonly state: Record<string, string>;
  readonly summary: string;
  readonly env: Record<string, string>;
}

let world: World;
let runCounter = 500;

function runnerEnv(
  workspace: string,
  inputs: Record<string, string>,
  repositoryPrivate = true,
): Record<string, string> {
  const runId = String(++runCounter);
  const { env } = kit.runnerFiles(
    world.git.root,
    runId,
    workspace,
    { name: 'workflow_dispatch', payload: { repository: { full_name: 'octo/sync', private: repositoryPrivate } } },
    true,
  );
  return {
    ...env,
    ...world.fake.env(),
    // action.yml defaults, as the runner fills them.
    INPUT_STATE: 'git',
    'INPUT_CACHE-KEY-PREFIX': 'sports-sync-state-v1-',
    'INPUT_COMMIT-MESSAGE': 'Update sync state',
    'INPUT_PUSH-ATTEMPTS': '3',
    'INPUT_PUSH-BACKOFF-SECONDS': '0',
    'INPUT_FIT-ARTIFACT': 'false',
    INPUT_KEEPALIVE: 'false',
    'INPUT_STATE-SECRET': kit.STATE_SECRET,
    INPUT_PLATFORMS: 'GARMINCOM,COROS',
    'INPUT_GARMIN-TOKEN-COM': world.tokens.com,
    'INPUT_COROS-EMAIL': kit.COROS_EMAIL,
    'INPUT_COROS-PASSWORD': kit.COROS_PASSWORD,
    INPUT_ENDPOINTS: JSON.stringify({ ...world.garmin.endpointOverrides(), ...world.coros.endpointOverrides() }),
    ...inputs,
  };
}

/** Starts the bundle; `during` may signal it while it runs. */
function startBundle(
  env: Record<string, string>,
  during?: (child: ReturnType<typeof spawn>, output: () => string) => Promise<void>,
): Promise<Run> {
  const child = spawn(process.execPath, [kit.BUNDLE], {
    cwd: env.GITHUB_WORKSPACE,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return (async () => {
    if (during) await during(child, () => stdout);
    const code = await exited;
    clearTimeout(timer);
    return {
      code,
      stdout,
      outputs: parseFileCommands(readFileSync(env.GITHUB_OUTPUT!, 'utf8')),
      state: parseFileCommands(readFileSync(env.GITHUB_STATE!, 'utf8')),
      summary: readFileSync(env.GITHUB_STEP_SUMMARY!, 'utf8'),
      env,
    };
  })();
}

/** The post step: same inputs, the main step's saved state as STATE_* variables. */
function postStep(main: Run): Promise<Run> {
  const env: Record<string, string> = { ...main.env };
  for (const [name, value] of Object.entries(main.state)) env[`STATE_${name}`] = value;
  return startBundle(env);
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

const remoteHead = () => world.git.git(world.git.root, '--git-dir', world.git.remote, 'rev-parse', 'main').trim();
const finalizedCaches = () => world.fake.caches.filter((entry) => entry.finalized).map((entry) => entry.key);
const startTimes = (list: ReadonlyArray<{ startUtc: number }>) => list.map((activity) => activity.startUtc).sort();

beforeEach(async () => {
  const started = await kit.startBundleWorld(['com', 'cn'], () => ({ status: 200, body: { ok: true } }));
  started.garmin.addActivity('com', kit.GARMIN_EMAIL, {
    fitBytes: kit.workoutFit(kit.BASE, 'garmin', 120),
    utcOffsetSec: 0,
  });
  world = {
    ...started,
    tokens: {
      com: started.garmin.mintTokenBlob('com', kit.GARMIN_EMAIL),
      cn: started.garmin.mintTokenBlob('cn', kit.GARMIN_EMAIL),
    },
  };
});

afterEach(async () => {
  await kit.closeBundleWorld(world);
});

describe('no-op runs save nothing', () => {
  it('after one workout was copied to two targets, the next runs leave the remote head unchanged (state git)', async () => {
    world.coros.addActivity(kit.COROS_EMAIL, { fitBytes: kit.workoutFit(kit.BASE + 86_400, 'coros', 130) });
    const inputs = { INPUT_PLATFORMS: 'GARMINCOM,GARMINCN,COROS', 'INPUT_GARMIN-TOKEN-CN': world.tokens.cn };
    const first = await startBundle(runnerEnv(world.git.clone('ws-1'), inputs));
    expect(first.code, first.stdout.slice(-3000)).toBe(0);
    expect(first.outputs).toMatchObject({ 'state-committed': 'true' });
    expect(Number(first.outputs.uploaded)).toBeGreaterThanOrEqual(2);
    expect(first.summary).toMatch(/Database `db\/sports_sync.sqlite` \(\d+(\.\d)? KB\) committed/);
    const head = remoteHead();
    for (const name of ['ws-2', 'ws-3']) {
      const next = await startBundle(runnerEnv(world.git.clone(name), inputs));
      expect(next.code, next.stdout.slice(-3000)).toBe(0);
      expect(next.outputs).toMatchObject({ uploaded: '0', 'state-committed': 'false' });
      expect(remoteHead()).toBe(head);
    }
  });

  it('the same with state cache: no new cache entry', async () => {
    world.coros.addActivity(kit.COROS_EMAIL, { fitBytes: kit.workoutFit(kit.BASE + 86_400, 'coros', 130) });
    const inputs = {
      INPUT_STATE: 'cache',
      INPUT_PLATFORMS: 'GARMINCOM,GARMINCN,COROS',
      'INPUT_GARMIN-TOKEN-CN': world.tokens.cn,
    };
    const first = await startBundle(runnerEnv(world.git.clone('ws-1'), inputs));
    expect(first.code, first.stdout.slice(-3000)).toBe(0);
    expect(finalizedCaches()).toHaveLength(1);
    const second = await startBundle(runnerEnv(world.git.clone('ws-2'), inputs));
    expect(second.code).toBe(0);
    expect(second.outputs).toMatchObject({ uploaded: '0', 'state-committed': 'false' });
    expect(finalizedCaches()).toHaveLength(1);
  });
});

describe('a renewed Garmin token survives', () => {
  /** A first run, then a run that refreshes the token and is busy uploading to COROS. */
  async function prepareBusyRun(inputs: Record<string, string>): Promise<void> {
    const first = await startBundle(runnerEnv(world.git.clone('ws-first'), inputs));
    expect(first.code, first.stdout.slice(-3000)).toBe(0);
    world.garmin.expireAccessTokens('com');
    world.garmin.addActivity('com', kit.GARMIN_EMAIL, {
      fitBytes: kit.workoutFit(kit.BASE + 2 * 86_400, 'garmin', 140),
      utcOffsetSec: 0,
    });
    world.garmin.addActivity('com', kit.GARMIN_EMAIL, {
      fitBytes: kit.workoutFit(kit.BASE + 3 * 86_400, 'garmin', 141),
      utcOffsetSec: 0,
    });
    // The COROS import stays "processing" for a while: the run is busy when the signal arrives.
    world.coros.knobs.importDelayMs = 2500;
  }

  /** A busy run, sent `signal` once it renewed the Garmin token and began the transfers. */
  function signalDuringTransfers(workspace: string, inputs: Record<string, string>, signal: NodeJS.Signals) {
    const refreshesBefore = world.garmin.counters().refreshes;
    return startBundle(runnerEnv(world.git.clone(workspace), inputs), async (child, output) => {
      await waitFor(
        () => world.garmin.counters().refreshes > refreshesBefore && output().includes('::group::Transfers'),
        'the refresh and the transfers',
      );
      await new Promise((done) => setTimeout(done, 300));
      child.kill(signal);
    });
  }

  /** A fresh job afterwards: no sign-in, no invalid_grant, every workout once everywhere. */
  async function expectFreshJobWorks(inputs: Record<string, string>): Promise<void> {
    await new Promise((done) => setTimeout(done, 2600));
    world.garmin.resetCounters();
    const fresh = await startBundle(runnerEnv(world.git.clone(`ws-fresh-${runCounter}`), inputs));
    expect(fresh.stdout).not.toContain('invalid_grant');
    expect(fresh.code, fresh.stdout.slice(-3000)).toBe(0);
    expect(world.garmin.counters().loginPosts).toBe(0);
    expect(world.garmin.counters().sso).toBe(0);
    const garminStarts = startTimes(world.garmin.activities('com', kit.GARMIN_EMAIL));
    const corosStarts = startTimes(
      world.coros.activities(kit.COROS_EMAIL).map((activity) => ({ startUtc: activity.startTime })),
    );
    expect(new Set(garminStarts).size).toBe(garminStarts.length);
    expect(corosStarts).toEqual(garminStarts);
  }

  it('SIGTERM during the run (state cache): the state with the renewed token is saved before exit, the post step has nothing left', async () => {
    const inputs = { INPUT_STATE: 'cache' };
    await prepareBusyRun(inputs);
    const cachesBefore = finalizedCaches().length;
    const cancelled = await signalDuringTransfers('ws-cancel', inputs, 'SIGTERM');
    expect(cancelled.stdout).toMatch(/SIGTERM received/);
    expect(cancelled.code).toBe(1);
    expect(cancelled.summary).toContain('cancelled');
    expect(finalizedCaches().length).toBe(cachesBefore + 1);
    const post = await postStep(cancelled);
    expect(post.code).toBe(0);
    expect(post.stdout).toContain('the main step saved the state');
    await expectFreshJobWorks(inputs);
  });

  it('a job killed outright (state cache): the post step saves the renewed token', async () => {
    const inputs = { INPUT_STATE: 'cache' };
    await prepareBusyRun(inputs);
    const cachesBefore = finalizedCaches().length;
    const killed = await signalDuringTransfers('ws-kill', inputs, 'SIGKILL');
    expect(killed.code).toBe(null);
    expect(finalizedCaches().length).toBe(cachesBefore);
    const post = await postStep(killed);
    expect(post.code, post.stdout.slice(-3000)).toBe(0);
    expect(post.summary).toContain('state saved by the post step');
    expect(finalizedCaches().length).toBe(cachesBefore + 1);
    await expectFreshJobWorks(inputs);
  });

  it('state git: the renewed token is pushed at once, so even a killed job without a post step keeps it', async () => {
    const inputs = {};
    await prepareBusyRun(inputs);
    const refreshesBefore = world.garmin.counters().refreshes;
    const headBefore = remoteHead();
    const killed = await startBundle(runnerEnv(world.git.clone('ws-kill-git'), inputs), async (child) => {
      await waitFor(() => world.garmin.counters().refreshes > refreshesBefore, 'the refresh');
      await waitFor(() => remoteHead() !== headBefore, 'the commit of the renewed token');
      child.kill('SIGKILL');
    });
    expect(killed.code).toBe(null);
    await expectFreshJobWorks(inputs);
  });
});

describe('refusals that protect tokens and keys', () => {
  it('state git in a public repository without STATE_SECRET: one line with the fix, nothing synced or pushed', async () => {
    const head = remoteHead();
    const result = await startBundle(runnerEnv(world.git.clone('ws-public'), { 'INPUT_STATE-SECRET': '' }, false));
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/::error::state: git in a public repository needs STATE_SECRET.*openssl rand/);
    expect(remoteHead()).toBe(head);
    expect(world.garmin.counters().total).toBe(0);
    expect(world.coros.activities(kit.COROS_EMAIL)).toHaveLength(0);
  });

  it('state none with a Garmin token is refused unless allow-state-none is set', async () => {
    const refused = await startBundle(runnerEnv(world.git.clone('ws-none'), { INPUT_STATE: 'none' }));
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/::error::state: none cannot keep the renewed Garmin token.*allow-state-none/);
    expect(world.garmin.counters().total).toBe(0);
    const allowed = await startBundle(
      runnerEnv(world.git.clone('ws-none-2'), { INPUT_STATE: 'none', 'INPUT_ALLOW-STATE-NONE': 'true' }),
    );
    expect(allowed.code, allowed.stdout.slice(-3000)).toBe(0);
  });

  it('report-json stays valid JSON with a webhook address that has query parameters', async () => {
    const url = `${world.hook.baseUrl}/hook?debug=true&mode=short&token=hook-token-0123456789`;
    const result = await startBundle(
      runnerEnv(world.git.clone('ws-hook'), { 'INPUT_NOTIFY-WEBHOOK-URL': url, 'INPUT_NOTIFY-POLICY': 'always' }),
    );
    expect(result.code, result.stdout.slice(-3000)).toBe(0);
    const report = JSON.parse(result.outputs['report-json']!) as { dryRun: boolean; counts: { uploaded: number } };
    expect(report.dryRun).toBe(false);
    expect(report.counts.uploaded).toBe(1);
    const visible = result.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    expect(visible).not.toContain('hook-token-0123456789');
    expect(result.outputs['report-json']).not.toContain('hook-token-0123456789');
    expect(result.stdout).not.toMatch(/too \*\*\*/);
  });
});
