#!/usr/bin/env node
// Prints the release notes of one version from CHANGELOG.md (the section "## <version> …" up to
// the next "## "), for the release workflow. Exit 1 when the version has no section, so a
// release is never published without notes.
//   node scripts/release-notes.mjs 1.2.0 [CHANGELOG.md]
import { readFileSync } from 'node:fs';

export function releaseNotes(changelog, version) {
  const bare = version.replace(/^v/, '');
  const lines = changelog.split(/\r?\n/);
  const start = lines.findIndex((line) => new RegExp(`^## \\[?v?${bare.replace(/\./g, '\\.')}\\]?(\\s|$)`).test(line));
  if (start === -1) return undefined;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => line.startsWith('## '));
  const notes = (end === -1 ? rest : rest.slice(0, end)).join('\n').trim();
  return notes === '' ? undefined : notes;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [version, path = 'CHANGELOG.md'] = process.argv.slice(2);
  const notes = version ? releaseNotes(readFileSync(path, 'utf8'), version) : undefined;
  if (notes === undefined) {
    process.stderr.write(
      `${path} has no notes for ${version ?? '(no version given)'}; add a "## ${version ?? 'x.y.z'}" section\n`,
    );
    process.exitCode = 1;
  } else process.stdout.write(notes + '\n');
}
