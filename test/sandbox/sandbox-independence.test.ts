import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

// A sandbox that imports the client's code agrees with every mistake the client makes.
const root = resolve(import.meta.dirname, '..', '..');
const sandboxDir = join(root, 'sandbox');
const platformsDir = join(root, 'src', 'platforms');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(?:ts|mts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Every module specifier of static imports, re-exports and dynamic imports. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const pattern of [
    /\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ]) {
    for (const match of text.matchAll(pattern)) found.push(match[1]!);
  }
  return found;
}

describe('sandboxes are written from the references, not from the clients', () => {
  it('no file under sandbox/ imports anything from src/platforms (directly)', () => {
    const files = sourceFiles(sandboxDir);
    expect(files.length).toBeGreaterThan(4);
    const offenders: string[] = [];
    for (const file of files) {
      for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
        if (!specifier.startsWith('.')) continue;
        const target = resolve(dirname(file), specifier);
        if (target === platformsDir || target.startsWith(platformsDir + '/'))
          offenders.push(`${relative(root, file)} → ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('nor through a module it imports from outside the sandbox', () => {
    const seen = new Set<string>();
    const offenders: string[] = [];
    const visit = (file: string, via: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      if (file.startsWith(platformsDir + '/')) {
        offenders.push(`${via} → ${relative(root, file)}`);
        return;
      }
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        return;
      }
      for (const specifier of specifiers(text)) {
        if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier), relative(root, file));
      }
    };
    for (const file of sourceFiles(sandboxDir)) visit(file, relative(root, file));
    expect(offenders).toEqual([]);
  });

  it('the checker finds an offending import (it can fail)', () => {
    expect(
      specifiers("import { x } from '../../platforms/garmin/garmin-hosts.ts';\nexport { y } from './y.ts';"),
    ).toEqual(['../../platforms/garmin/garmin-hosts.ts', './y.ts']);
  });
});

describe('the shipped Action carries no emulator', () => {
  // Texts only the emulators answer with (the Garmin SSO's and COROS storage's own error bodies).
  const EMULATOR_TEXTS = ['no pending MFA', 'bucket or service not allowed', 'File verification failed'];
  const bundle = (name: string) => readFileSync(join(root, 'action', name), 'utf8');

  it("action/index.js holds none of the emulators' texts", () => {
    const index = bundle('index.js');
    expect(EMULATOR_TEXTS.filter((text) => index.includes(text))).toEqual([]);
  });

  it('the check can fail: the CLI, whose demo loads the emulators, holds every one', () => {
    const cli = bundle('cli.js');
    expect(EMULATOR_TEXTS.filter((text) => !cli.includes(text))).toEqual([]);
    for (const text of EMULATOR_TEXTS)
      expect(
        readdirSync(join(root, 'src'), { recursive: true }).some(
          (file) =>
            typeof file === 'string' &&
            file.endsWith('.ts') &&
            readFileSync(join(root, 'src', file), 'utf8').includes(text),
        ),
        text,
      ).toBe(false);
  });
});
