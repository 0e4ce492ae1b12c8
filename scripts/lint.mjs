// `npm run lint`: ESLint from tools/lint (its own install, see tools/lint/eslint.config.js) over the project.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const tools = join(root, 'tools', 'lint');
const eslint = join(tools, 'node_modules', 'eslint', 'bin', 'eslint.js');
if (!existsSync(eslint)) {
  const npm = spawnSync('npm', ['ci', '--prefix', tools, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (npm.status !== 0) process.exit(npm.status ?? 1);
}
const args = ['--config', join(tools, 'eslint.config.js'), ...(process.argv.length > 2 ? process.argv.slice(2) : ['.'])];
const run = spawnSync(process.execPath, [eslint, ...args], { stdio: 'inherit', cwd: root });
process.exit(run.status ?? 1);
