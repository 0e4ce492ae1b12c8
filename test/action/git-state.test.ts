import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BOT_IDENTITY, commitAndPushState } from '../../src/action/git-state.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createGitFixture } from './git-fixture.ts';

const fixture = createGitFixture();
afterAll(() => rmSync(fixture.root, { recursive: true, force: true }));

const DB = 'db/sports_sync.sqlite';
const write = (checkout: string, content: string) => {
  mkdirSync(join(checkout, 'db'), { recursive: true });
  writeFileSync(join(checkout, DB), content);
};
const options = (workspace: string, attempts = 3) => ({
  workspace,
  paths: [DB, 'db/missing.json'],
  message: 'Update sync state',
  attempts,
  log: silentLogger,
  backoffMs: () => 0,
});
const remoteFile = (path: string) => fixture.git(fixture.root, '--git-dir', fixture.remote, 'show', `main:${path}`);

describe('state in the repository (git)', () => {
  it('commits the database with the bot identity and pushes it', async () => {
    const workspace = fixture.clone('run-1');
    write(workspace, 'db-v1');
    const result = await commitAndPushState(options(workspace));
    expect(result).toMatchObject({ status: 'pushed', branch: 'main', attempts: 1, rebased: false });
    expect(remoteFile(DB)).toBe('db-v1');
    const author = fixture
      .git(fixture.root, '--git-dir', fixture.remote, 'log', '-1', '--format=%an <%ae>|%cn|%s', 'main')
      .trim();
    expect(author).toBe(`${BOT_IDENTITY.name} <${BOT_IDENTITY.email}>|${BOT_IDENTITY.name}|Update sync state`);
  });

  it('makes no commit when the state did not change', async () => {
    const workspace = fixture.clone('run-2');
    const before = fixture.git(workspace, 'rev-parse', 'HEAD');
    expect(await commitAndPushState(options(workspace))).toEqual({ status: 'unchanged' });
    expect(fixture.git(workspace, 'rev-parse', 'HEAD')).toBe(before);
  });

  it('commits only the state files, even when other files changed', async () => {
    const workspace = fixture.clone('run-3');
    writeFileSync(join(workspace, 'README.md'), 'edited by hand\n');
    write(workspace, 'db-v3');
    await commitAndPushState(options(workspace));
    expect(remoteFile(DB)).toBe('db-v3');
    expect(remoteFile('README.md')).toBe('# my sync repo\n');
  });

  it('rebases and retries when someone pushed an unrelated commit during the run', async () => {
    const workspace = fixture.clone('run-4');
    const other = fixture.clone('other-4');
    write(workspace, 'db-v4');
    fixture.pushFrom(other, { '.github/workflows/extra.yml': 'name: extra\n' }, 'someone edits a workflow');
    const result = await commitAndPushState(options(workspace));
    expect(result).toMatchObject({ status: 'pushed', attempts: 2, rebased: true });
    expect(remoteFile(DB)).toBe('db-v4');
    expect(remoteFile('.github/workflows/extra.yml')).toBe('name: extra\n');
    const subjects = fixture
      .git(fixture.root, '--git-dir', fixture.remote, 'log', '-2', '--format=%s', 'main')
      .trim()
      .split('\n');
    expect(subjects).toEqual(['Update sync state', 'someone edits a workflow']);
  });

  it('stops loudly when the concurrent push changed the database itself', async () => {
    const workspace = fixture.clone('run-5');
    const other = fixture.clone('other-5');
    write(workspace, 'db-mine');
    fixture.pushFrom(other, { [DB]: 'db-theirs' }, 'another run');
    await expect(commitAndPushState(options(workspace))).rejects.toThrow(/cannot be merged/);
    expect(remoteFile(DB)).toBe('db-theirs');
  });

  it('gives up after the bounded number of attempts', async () => {
    const workspace = fixture.clone('run-6');
    const other = fixture.clone('other-6');
    write(workspace, 'db-v6');
    fixture.pushFrom(other, { 'notes.txt': 'a' }, 'noise');
    await expect(commitAndPushState(options(workspace, 1))).rejects.toThrow(/rejected 1 time/);
  });

  it('refuses a detached HEAD without a branch to push to', async () => {
    const workspace = fixture.clone('run-7');
    fixture.git(workspace, 'checkout', '--quiet', '--detach');
    write(workspace, 'db-v7');
    await expect(commitAndPushState(options(workspace))).rejects.toThrow(/detached HEAD/);
    const result = await commitAndPushState({ ...options(workspace), fallbackBranch: 'main' });
    expect(result).toMatchObject({ status: 'pushed', branch: 'main' });
  });
});
