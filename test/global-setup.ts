import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Builds the bundles once, so process-level tests run what users run. */
export default function setup(): void {
  execFileSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: join(import.meta.dirname, '..') });
}
