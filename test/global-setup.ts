import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Builds the bundles once, so process-level tests run what users run; and gives the whole run one
 * temporary folder (TMPDIR, inherited by the test workers and every child process), removed at the
 * end, so no test leaves folders behind. SSX_KEEP_TMP=1 keeps it for inspection.
 */
export default function setup(): () => void {
  execFileSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'build.mjs')], {
    stdio: 'inherit',
    cwd: join(import.meta.dirname, '..'),
  });
  const outer = tmpdir();
  const temporary = mkdtempSync(join(outer, 'ssx-tests-'));
  process.env.TMPDIR = temporary;
  return () => {
    process.env.TMPDIR = outer;
    if (process.env.SSX_KEEP_TMP) console.log(`kept ${temporary}`);
    else rmSync(temporary, { recursive: true, force: true });
  };
}
