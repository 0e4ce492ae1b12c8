import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layer rule of `npm run lint` (tools/lint/layers.js) on code fed through standard input, as
// ESLint would see it in the named file. Skips where the lint tools are not installed yet.
const root = resolve(import.meta.dirname, '..', '..');
const eslint = join(root, 'tools', 'lint', 'node_modules', 'eslint', 'bin', 'eslint.js');

function lint(code: string, file: string): { status: number | null; out: string } {
  const run = spawnSync(
    process.execPath,
    [
      eslint,
      '--config',
      join(root, 'tools', 'lint', 'eslint.config.js'),
      '--stdin',
      '--stdin-filename',
      file,
      '--rule',
      'max-len: off',
    ],
    { cwd: root, input: code, encoding: 'utf8' },
  );
  return { status: run.status, out: run.stdout + run.stderr };
}

describe.skipIf(!existsSync(eslint))('imports go down the layers', () => {
  it.each([
    [
      'a pure decision importing the store',
      "import { Store } from '../store/store.ts';\nexport const s = Store;\n",
      'src/decide/plan.ts',
      /decisions\) must not import src\/store\/store\.ts \(ports\)/,
    ],
    [
      'a type-only import upwards',
      "import type { PlatformFactory } from '../engine/sync-run.ts';\nexport type F = PlatformFactory;\n",
      'src/platforms/factory.ts',
      /ports\) must not import src\/engine\/sync-run\.ts \(orchestration\)/,
    ],
    [
      'core importing config',
      "import { parseConfig } from '../config/config.ts';\nexport const p = parseConfig;\n",
      'src/core/log.ts',
      /core types\) must not import/,
    ],
    [
      'the Action reaching an emulator',
      "import { startCorosSandbox } from '../../sandbox/coros/coros-sandbox.ts';\nexport const s = startCorosSandbox;\n",
      'src/action/run-action.ts',
      /never loads emulators or test code/,
    ],
    [
      'the demo importing an emulator eagerly',
      "import { startCorosSandbox } from '../../sandbox/coros/coros-sandbox.ts';\nexport const s = startCorosSandbox;\n",
      'src/demo/demo.ts',
      /never loads emulators or test code/,
    ],
  ])('refuses %s', (_name, code, file, message) => {
    const result = lint(code, file);
    expect(result.status).toBe(1);
    expect(result.out).toMatch(message);
  });

  it.each([
    [
      'orchestration importing a port and a decision',
      "import { Store } from '../store/store.ts';\nimport { planTransfers } from './plan.ts';\nexport const x = [Store, planTransfers];\n",
      'src/engine/sync-run.ts',
    ],
    [
      'the demo loading an emulator lazily',
      "export const load = () => import('../../sandbox/coros/coros-sandbox.ts');\n",
      'src/demo/demo.ts',
    ],
  ])('accepts %s', (_name, code, file) => {
    const result = lint(code, file);
    expect(result.out).toBe('');
    expect(result.status).toBe(0);
  });
});
