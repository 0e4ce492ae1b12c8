import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreStateFromCache, saveStateToCache, type SavedEntryLookup } from '../../src/action/cache-state.ts';
import { uploadFitArtifact } from '../../src/action/fit-artifact.ts';
import { silentLogger } from '../../src/core/log.ts';
import { startActionsResultsFake, type ActionsResultsFake } from './actions-results-fake.ts';

// The real @actions/cache and @actions/artifact, in-process, against the loopback fake. The
// libraries read their configuration from process.env at call time.
let fake: ActionsResultsFake;
let workspace: string;
const saved = { ...process.env };

beforeAll(async () => {
  fake = await startActionsResultsFake();
  workspace = mkdtempSync(join(tmpdir(), 'ssx-fake-'));
  mkdirSync(join(workspace, 'runner-temp'));
  Object.assign(process.env, fake.env(), { GITHUB_WORKSPACE: workspace, RUNNER_TEMP: join(workspace, 'runner-temp') });
  process.chdir(workspace);
});

afterAll(async () => {
  process.env = saved;
  await fake.close();
  rmSync(workspace, { recursive: true, force: true });
});

const lookup = (): SavedEntryLookup => ({
  apiUrl: fake.url,
  repository: 'octo/sync',
  token: 'ghs_faketoken123',
  ref: undefined,
});
const options = (runId: string) => ({
  paths: ['db/state.sqlite'],
  prefix: 'state-v1-',
  runId,
  runAttempt: '1',
  log: silentLogger,
});

describe('cache state against the loopback results service', () => {
  it('reports a first run when nothing was ever saved', async () => {
    const result = await restoreStateFromCache(options('1'), lookup());
    expect(result.status).toBe('first-run');
  });

  it('saves under a unique key per run and restores the newest entry by prefix', async () => {
    mkdirSync(join(workspace, 'db'), { recursive: true });
    writeFileSync(join(workspace, 'db/state.sqlite'), 'first');
    expect(await saveStateToCache(options('100'))).toMatchObject({ status: 'saved', key: 'state-v1-100-1' });
    writeFileSync(join(workspace, 'db/state.sqlite'), 'second');
    expect(await saveStateToCache(options('101'))).toMatchObject({ status: 'saved', key: 'state-v1-101-1' });
    rmSync(join(workspace, 'db'), { recursive: true });

    const result = await restoreStateFromCache(options('102'), lookup());
    expect(result).toEqual({ status: 'restored', matchedKey: 'state-v1-101-1' });
    expect(readFileSync(join(workspace, 'db/state.sqlite'), 'utf8')).toBe('second');
  });

  it('does not overwrite an existing key: saveCache answers -1 and we report it', async () => {
    const result = await saveStateToCache(options('101'));
    expect(result.status).toBe('failed');
    expect(fake.caches.filter((entry) => entry.key === 'state-v1-101-1')).toHaveLength(1);
  });

  it('a broken restore with saved entries present is "unavailable", never a first run', async () => {
    fake.failNext({ target: 'GetCacheEntryDownloadURL', status: 400 });
    const result = await restoreStateFromCache(options('103'), lookup());
    expect(result.status).toBe('unavailable');
    if (result.status === 'unavailable') expect(result.detail).toContain('2 saved state entries');
  });

  it('without a token the miss is a first run whose detail says it could not check', async () => {
    fake.failNext({ target: 'GetCacheEntryDownloadURL', status: 400 });
    const result = await restoreStateFromCache(options('104'), { ...lookup(), token: undefined });
    expect(result.status).toBe('first-run');
    if (result.status === 'first-run') expect(result.detail).toContain('actions: read');
  });
});

describe('FIT artifact against the loopback results service', () => {
  it("uploads the run's FIT files as one zip with the retention, skipping dotfiles and outsiders", async () => {
    const fit = join(workspace, 'fit');
    mkdirSync(join(fit, 'garmin_com'), { recursive: true });
    mkdirSync(join(fit, 'coros', 'deleted'), { recursive: true });
    writeFileSync(join(fit, 'garmin_com', '111.fit'), Buffer.from('FIT-A'));
    writeFileSync(join(fit, 'coros', 'deleted', '222.fit'), Buffer.from('FIT-B'));
    writeFileSync(join(fit, '.env'), 'SECRET=1');
    writeFileSync(join(workspace, 'outside.fit'), 'x');
    const before = Date.now();
    const result = await uploadFitArtifact({
      files: [
        join(fit, 'garmin_com', '111.fit'),
        'fit/coros/deleted/222.fit',
        join(fit, '.env'),
        join(workspace, 'outside.fit'),
        join(fit, 'missing.fit'),
      ],
      rootDirectory: fit,
      name: 'fit-files-7-1',
      retentionDays: 3,
    });
    expect(result).toMatchObject({ status: 'uploaded', files: ['coros/deleted/222.fit', 'garmin_com/111.fit'] });
    const artifact = fake.artifacts.find((entry) => entry.name === 'fit-files-7-1')!;
    expect(artifact.finalized).toBe(true);
    const days = (Date.parse(artifact.expiresAt!) - before) / 86_400_000;
    expect(days).toBeGreaterThan(2.9);
    expect(days).toBeLessThan(3.1);
    const entries = unzipSync(new Uint8Array(artifact.blob!));
    expect(Object.keys(entries).sort()).toEqual(['coros/deleted/222.fit', 'garmin_com/111.fit']);
    expect(Buffer.from(entries['garmin_com/111.fit']!).toString()).toBe('FIT-A');
  });

  it('a second upload with the same name fails as a result, not an exception', async () => {
    const result = await uploadFitArtifact({
      files: ['fit/garmin_com/111.fit'],
      rootDirectory: join(workspace, 'fit'),
      name: 'fit-files-7-1',
      retentionDays: 3,
    });
    expect(result.status).toBe('failed');
  });

  it('skips when the run downloaded nothing', async () => {
    expect(
      await uploadFitArtifact({ files: [], rootDirectory: join(workspace, 'fit'), name: 'x', retentionDays: 1 }),
    ).toMatchObject({ status: 'skipped' });
  });
});
