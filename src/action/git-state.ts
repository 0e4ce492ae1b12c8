import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { ConfigError, RetryableError, describeError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/secrets.ts';
import { sleep } from '../http/retry.ts';

/** The identity first-party docs use for commits made by a workflow (protocol notes §6). */
export const BOT_IDENTITY = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com',
} as const;

export interface GitStateOptions {
  /** The repository checkout (GITHUB_WORKSPACE). */
  readonly workspace: string;
  /** State files relative to the workspace (the database, the Action's small state file). */
  readonly paths: readonly string[];
  readonly message: string;
  /** Push attempts in all: a rejected push is rebased onto the remote and retried. */
  readonly attempts: number;
  /** Branch to push to when the checkout is a detached HEAD (GITHUB_REF_NAME of a branch ref). */
  readonly fallbackBranch?: string | undefined;
  readonly remote?: string;
  readonly log: Logger;
  /** Wait before retry n (1-based); default 2 s × n. */
  readonly backoffMs?: (retry: number) => number;
  /**
   * Commit this file's bytes as `path` instead of the working-tree file (a consistent copy of a
   * database still in use): the working tree is left alone.
   */
  readonly snapshot?: { readonly path: string; readonly file: string };
}

export type GitStateResult =
  | { readonly status: 'unchanged' }
  | {
      readonly status: 'pushed';
      readonly sha: string;
      readonly branch: string;
      readonly attempts: number;
      readonly rebased: boolean;
    };

function git(workspace: string): SimpleGit {
  return simpleGit({
    baseDir: workspace,
    config: [`user.name=${BOT_IDENTITY.name}`, `user.email=${BOT_IDENTITY.email}`],
  });
}

/** What an unpushed state costs: no workout is copied twice, but a token renewed in the run is gone. */
const NOT_PUSHED_HINT =
  'The next run starts from the remote state and re-checks the platforms, so no workout is copied twice; but ' +
  "this run's state, including any sign-in token renewed in it, was not saved.";

const REJECTED =
  /\[rejected\]|non-fast-forward|fetch first|failed to push some refs|stale info|cannot lock ref|remote rejected/i;

async function currentBranch(repo: SimpleGit, fallback: string | undefined): Promise<string> {
  const name = (await repo.raw(['rev-parse', '--abbrev-ref', 'HEAD'])).trim();
  if (name !== 'HEAD') return name;
  if (fallback) return fallback;
  throw new ConfigError(
    'state: git needs a branch checkout, but this run is on a detached HEAD (a pull request or a tag?); run the ' +
      'workflow on a branch, or use state: cache',
  );
}

/**
 * Commits the state files with the bot identity and pushes them. No commit when they did not
 * change. A rejected push (someone pushed meanwhile) is fetched and rebased, then retried a bounded
 * number of times, but only when the remote commits did not touch the state files: git cannot
 * merge two SQLite files, so that case stops loudly.
 */
export async function commitAndPushState(options: GitStateOptions): Promise<GitStateResult> {
  const repo = git(options.workspace);
  const remote = options.remote ?? 'origin';
  const paths = options.paths.filter((path) => existsSync(join(options.workspace, path)));
  if (paths.length === 0) return { status: 'unchanged' };
  const branch = options.snapshot
    ? await commitSnapshot(repo, options.snapshot, options)
    : await commitWorkingFiles(repo, paths, options);
  if (branch === undefined) return { status: 'unchanged' };
  return pushWithRebase(repo, remote, branch, paths, options);
}

/** Commits the working-tree state files; undefined when they did not change. */
async function commitWorkingFiles(
  repo: SimpleGit,
  paths: readonly string[],
  options: GitStateOptions,
): Promise<string | undefined> {
  const status = await repo.raw([
    'status',
    '--porcelain',
    '--untracked-files=all',
    '--ignored=matching',
    '--',
    ...paths,
  ]);
  if (status.trim() === '') return undefined;
  const branch = await currentBranch(repo, options.fallbackBranch);
  // --force: the database must be committed even if a broad .gitignore (e.g. *.sqlite) matches it.
  await repo.raw(['add', '--force', '--', ...paths]);
  const staged = await repo.raw(['diff', '--cached', '--name-only', '--', ...paths]);
  if (staged.trim() === '') return undefined;
  await repo.raw(['commit', '--no-verify', '-m', options.message, '--', ...paths]);
  return branch;
}

/** Commits a copy of a file through the index only (the working file stays as it is). */
async function commitSnapshot(
  repo: SimpleGit,
  snapshot: NonNullable<GitStateOptions['snapshot']>,
  options: GitStateOptions,
): Promise<string | undefined> {
  const blob = (await repo.raw(['hash-object', '-w', '--', snapshot.file])).trim();
  const head = (await repo.raw(['rev-parse', '--verify', '--quiet', `HEAD:${snapshot.path}`]).catch(() => '')).trim();
  if (head === blob) return undefined;
  const branch = await currentBranch(repo, options.fallbackBranch);
  await repo.raw(['update-index', '--add', '--cacheinfo', `100644,${blob},${snapshot.path}`]);
  await repo.raw(['commit', '--no-verify', '-m', options.message]);
  return branch;
}

async function pushWithRebase(
  repo: SimpleGit,
  remote: string,
  branch: string,
  paths: readonly string[],
  options: GitStateOptions,
): Promise<GitStateResult> {
  const backoff = options.backoffMs ?? ((retry: number) => 2000 * retry);
  let rebased = false;
  for (let attempt = 1; ; attempt++) {
    try {
      await repo.raw(['push', '--porcelain', remote, `HEAD:refs/heads/${branch}`]);
      const sha = (await repo.raw(['rev-parse', 'HEAD'])).trim();
      return { status: 'pushed', sha, branch, attempts: attempt, rebased };
    } catch (error) {
      const message = redact(describeError(error));
      if (!REJECTED.test(String((error as Error).message ?? error))) {
        throw new RetryableError(`git push to ${branch} failed: ${message}`, {
          cause: error,
          hint:
            "Give the workflow `permissions: contents: write` and keep actions/checkout's default " +
            'persist-credentials: true (or use state: cache).',
        });
      }
      if (attempt >= options.attempts) {
        throw new RetryableError(
          `git push to ${branch} was rejected ${attempt} time(s): someone keeps pushing to the branch`,
          { cause: error, hint: NOT_PUSHED_HINT + ' Raise push-attempts if this happens often.' },
        );
      }
      options.log.warn(
        `push to ${branch} rejected (attempt ${attempt} of ${options.attempts}); fetching the remote and ` +
          'rebasing the state commit onto it',
      );
      await sleep(backoff(attempt));
      await rebaseOntoRemote(repo, remote, branch, paths);
      rebased = true;
    }
  }
}

async function rebaseOntoRemote(
  repo: SimpleGit,
  remote: string,
  branch: string,
  paths: readonly string[],
): Promise<void> {
  await repo.raw(['fetch', '--no-tags', remote, branch]);
  const remoteHead = (await repo.raw(['rev-parse', 'FETCH_HEAD'])).trim();
  let base: string;
  try {
    base = (await repo.raw(['merge-base', 'HEAD~1', remoteHead])).trim();
  } catch (error) {
    throw new RetryableError(
      `the remote branch ${branch} no longer contains the commit this run started from (force-pushed?); not ` +
        'pushing the state',
      { cause: error, hint: 'Run the workflow again: it starts from the new branch.' },
    );
  }
  const touched = (await repo.raw(['diff', '--name-only', base, remoteHead, '--', ...paths])).trim();
  if (touched !== '') {
    throw new RetryableError(
      `another run or person changed ${touched.split('\n').join(', ')} on ${branch} while this run was syncing; ` +
        `two SQLite files cannot be merged, so this run's state was not pushed`,
      {
        hint: NOT_PUSHED_HINT + ' Keep `concurrency:` in the workflow so runs do not overlap.',
      },
    );
  }
  try {
    await repo.raw(['rebase', '--autostash', remoteHead]);
  } catch (error) {
    await repo.raw(['rebase', '--abort']).catch(() => undefined);
    throw new RetryableError(`rebasing the state commit onto ${branch} failed: ${redact(describeError(error))}`, {
      cause: error,
    });
  }
}
