import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sportById } from '../../src/core/sports.ts';
import { synthesiseFit } from '../../sandbox/fit-synth.ts';
import { verifyFit } from '../../src/fit/fit-verify.ts';

const start = Date.UTC(2026, 9, 1, 6) / 1000;
const bytes = synthesiseFit({
  startUtc: start,
  elapsedSec: 3600,
  distanceM: 10_000,
  sport: 'running',
  manufacturer: 'garmin',
  product: 4315,
});
const run = { startUtc: start, sport: sportById('run') };

describe('a FIT file is verified before any upload', () => {
  it('accepts the file of the listed workout', () => {
    expect(verifyFit(bytes, run, 60)).toMatchObject({ ok: true });
  });

  it('accepts a listing that stored local time as UTC (whole hours), with a note', () => {
    const check = verifyFit(bytes, { ...run, startUtc: start + 8 * 3600 }, 60);
    expect(check).toMatchObject({ ok: true });
    expect(check.ok && check.note).toMatch(/-8 h/);
  });

  const broken: Array<[string, Uint8Array, typeof run]> = [
    ['truncated bytes (a kill mid-write)', bytes.subarray(0, Math.floor(bytes.length / 2)), run],
    ['a flipped byte (CRC)', Uint8Array.from(bytes, (byte, index) => (index === 40 ? byte ^ 0xff : byte)), run],
    ['an empty body', new Uint8Array(0), run],
    ['HTML instead of FIT', new TextEncoder().encode('<html><body>Service Unavailable</body></html>'), run],
    ['another workout (start 2 h 13 min off)', bytes, { ...run, startUtc: start + 7980 }],
    ['another sport', bytes, { ...run, sport: sportById('pool_swim') }],
  ];
  it.each(broken)('refuses %s', (_name, input, listed) => {
    expect(verifyFit(input, listed, 60)).toMatchObject({ ok: false });
  });

  const corpus = join(import.meta.dirname, '..', '..', '..', 'shared', 'fit-corpus');
  it.skipIf(!existsSync(join(corpus, 'manifest.json')))(
    'accepts every valid corpus file and refuses the damaged ones (../shared/fit-corpus)',
    () => {
      const manifest = JSON.parse(readFileSync(join(corpus, 'manifest.json'), 'utf8')) as Record<
        string,
        { startTime?: string; integrity: boolean }
      >;
      const verdicts: Record<string, boolean> = {};
      for (const [path, entry] of Object.entries(manifest)) {
        const file = new Uint8Array(readFileSync(join(corpus, path)));
        const startUtc = entry.startTime ? Date.parse(entry.startTime) / 1000 : start;
        // The listing's sport is taken from the file itself here: only integrity is under test.
        const check = verifyFit(file, { startUtc, sport: sportById('other') }, 60);
        verdicts[path] = check.ok;
      }
      for (const [path, ok] of Object.entries(verdicts)) if (path.startsWith('valid/')) expect(ok, path).toBe(true);
      for (const path of [
        'broken/bad-file-crc.fit',
        'broken/truncated.fit',
        'broken/chained-second-crc-bad.fit',
        'broken/empty.fit',
        'broken/header-size-exceeds-file.fit',
        'broken/not-fit-bytes.fit',
        'broken/unterminated-sigma.fit',
      ]) {
        expect(verdicts[path], path).toBe(false);
      }
      // A valid file the SDK stumbles on (fit.md §3.5) is still a good file to copy.
      expect(verdicts['broken/sdk-decoder-bug-triathlon.fit']).toBe(true);
    },
  );
});
