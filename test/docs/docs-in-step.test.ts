import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
// @ts-expect-error: a plain .mjs script without types
import { releaseNotes } from '../../scripts/release-notes.mjs';

const root = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** Every setting name (UPPER_CASE with an underscore) a document mentions. */
export function settingNames(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)].map((match) => match[0]));
}

function difference(a: Set<string>, b: Set<string>): string[] {
  return [...a].filter((name) => !b.has(name)).sort();
}

describe('the Chinese docs are kept in step with the English ones', () => {
  it.each([
    ['README.md', 'README.zh-CN.md'],
    ['docs/action.md', 'docs/action.zh-CN.md'],
  ])('%s and %s name the same settings', (english, chinese) => {
    const en = settingNames(read(english));
    const zh = settingNames(read(chinese));
    expect(en.size).toBeGreaterThan(20);
    expect({ missingInChinese: difference(en, zh), missingInEnglish: difference(zh, en) }).toEqual({
      missingInChinese: [],
      missingInEnglish: [],
    });
  });

  it('the check fails when a setting is missing from one of them', () => {
    const zh = read('README.zh-CN.md').replaceAll('SYNC_SINCE', 'SINCE');
    expect(difference(settingNames(read('README.md')), settingNames(zh))).toEqual(['SYNC_SINCE']);
  });

  it('the Chinese inputs table lists every input of action.yml with its variable name', () => {
    const inputs = parse(read('action.yml')).inputs as Record<string, { description: string }>;
    const rows = new Map(
      [...read('docs/action.zh-CN.md').matchAll(/^\| `([a-z0-9-]+)` \| (`[A-Z0-9_]+`|—) \|/gm)].map((match) => [
        match[1]!,
        match[2]!.replace(/`/g, ''),
      ]),
    );
    expect([...rows.keys()].sort()).toEqual(Object.keys(inputs).sort());
    for (const [input, { description }] of Object.entries(inputs)) {
      const variable = /\(env ([A-Z0-9_]+)\)/.exec(description)?.[1] ?? '—';
      expect(rows.get(input), input).toBe(variable);
    }
  });

  it('each README links the other language', () => {
    expect(read('README.md')).toContain('(README.zh-CN.md)');
    expect(read('README.zh-CN.md')).toContain('(README.md)');
    expect(read('docs/action.md')).toContain('(action.zh-CN.md)');
    expect(read('docs/action.zh-CN.md')).toContain('(action.md)');
  });
});

describe('releases', () => {
  const release = parse(read('.github/workflows/release.yml')) as Record<string, any>;
  const steps = release.jobs.release.steps as Array<{ run?: string; name?: string }>;
  const script = steps.map((step) => step.run ?? '').join('\n');

  it('publishes on a version tag only, in this repository, with notes from CHANGELOG.md, and moves the major tag', () => {
    expect(release.on).toEqual({ push: { tags: ['v[0-9]+.[0-9]+.[0-9]+'] } });
    expect(release.jobs.release.if).toContain('is_template');
    expect(release.jobs.release.permissions).toEqual({ contents: 'write' });
    expect(script).toContain("require('./package.json').version");
    expect(script).toContain('node scripts/release-notes.mjs');
    expect(script).toContain('gh release create "$TAG"');
    expect(script).toMatch(/major="\$\{TAG%%\.\*\}"[\s\S]*git push --force origin "refs\/tags\/\$major"/);
    expect(script).toContain('npx vitest run');
  });

  it('release notes are the section of that version; no section, no release', () => {
    const changelog = '# Changelog\n\n## 1.2.0 — 2026-12-01\n\n- fixed Garmin sign-in\n\n## 1.1.0\n\n- older\n';
    expect(releaseNotes(changelog, 'v1.2.0')).toBe('- fixed Garmin sign-in');
    expect(releaseNotes(changelog, '1.1.0')).toBe('- older');
    expect(releaseNotes(changelog, 'v1.3.0')).toBeUndefined();
    expect(releaseNotes(changelog, 'v1.1.0.1')).toBeUndefined();
    expect(read('CHANGELOG.md')).toMatch(/^## /m);
  });
});
