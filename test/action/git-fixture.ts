import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A real bare repository as the remote, seeded with one commit on main, plus helpers to clone and push. */
export interface GitFixture {
  readonly root: string;
  readonly remote: string;
  /** A checkout like actions/checkout makes (depth 1, branch main, origin = the bare remote). */
  clone(name: string): string;
  /** Commits files in a checkout and pushes them (another run or person pushing concurrently). */
  pushFrom(checkout: string, files: Record<string, string | Buffer>, message: string): void;
  git(cwd: string, ...args: string[]): string;
}

const IDENTITY = ['-c', 'user.name=Someone', '-c', 'user.email=someone@example.com'];

export function createGitFixture(): GitFixture {
  const root = mkdtempSync(join(tmpdir(), 'ssx-git-'));
  const remote = join(root, 'remote.git');
  const run = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  run(root, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  const seed = join(root, 'seed');
  run(root, 'clone', '--quiet', remote, seed);
  run(seed, 'checkout', '--quiet', '-b', 'main');
  writeFileSync(join(seed, 'README.md'), '# my sync repo\n');
  run(seed, ...IDENTITY, 'add', 'README.md');
  run(seed, ...IDENTITY, 'commit', '--quiet', '-m', 'initial');
  run(seed, 'push', '--quiet', 'origin', 'main');
  const fixture: GitFixture = {
    root,
    remote,
    clone(name) {
      const target = join(root, name);
      run(root, 'clone', '--quiet', '--depth', '1', '--branch', 'main', `file://${remote}`, target);
      return target;
    },
    pushFrom(checkout, files, message) {
      run(checkout, 'pull', '--quiet', '--rebase', 'origin', 'main');
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(dirname(join(checkout, path)), { recursive: true });
        writeFileSync(join(checkout, path), content);
        run(checkout, ...IDENTITY, 'add', '--force', path);
      }
      run(checkout, ...IDENTITY, 'commit', '--quiet', '-m', message);
      run(checkout, 'push', '--quiet', 'origin', 'HEAD:main');
    },
    git: (cwd, ...args) => run(cwd, ...args),
  };
  return fixture;
}
