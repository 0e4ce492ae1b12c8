// `npm run lint`: ESLint from tools/lint (see tools/lint/eslint.config.js) over the project.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureLintTools, root, tools } from './lint-tools.mjs';

ensureLintTools();
const eslint = join(tools, 'node_modules', 'eslint', 'bin', 'eslint.js');
const given = process.argv.slice(2);
// Options alone (e.g. --quiet) still lint the whole project.
const files = given.some((arg) => !arg.startsWith('-')) ? [] : ['.'];
const args = ['--config', join(tools, 'eslint.config.js'), ...given, ...files];
const run = spawnSync(process.execPath, [eslint, ...args], { stdio: 'inherit', cwd: root });
process.exit(run.status ?? 1);
