import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RejectedError } from '../../src/core/errors.ts';
import { summariseFit } from '../../src/fit/fit-summary.ts';
import { synthesiseFit } from '../../sandbox/fit-synth.ts';

const corpus = join(import.meta.dirname, '..', '..', '..', 'shared', 'fit-corpus');
const manifestPath = join(corpus, 'manifest.json');
const haveCorpus = existsSync(manifestPath);

interface ManifestEntry {
  startTime: string | null;
  sessions: number;
  totalElapsedTime: number | null;
  totalTimerTime: number | null;
  totalDistance: number | null;
  errors: string[];
}

describe.skipIf(!haveCorpus)('FIT corpus (../shared/fit-corpus)', () => {
  const manifest = haveCorpus ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, ManifestEntry>) : {};
  for (const [file, expected] of Object.entries(manifest)) {
    if (!file.startsWith('valid/')) continue;
    it(`${file}: start time, elapsed and distance as the manifest says`, () => {
      const summary = summariseFit(readFileSync(join(corpus, file)));
      expect(new Date(summary.startUtc * 1000).toISOString()).toBe(expected.startTime);
      if (expected.sessions === 1 && expected.totalElapsedTime !== null)
        expect(summary.elapsedSec).toBeCloseTo(expected.totalElapsedTime, 3);
      if (expected.sessions === 1 && expected.totalDistance !== null)
        expect(summary.distanceM).toBeCloseTo(expected.totalDistance, 2);
    });
  }
  it('rejects bytes that are not FIT and empty files', () => {
    for (const file of ['broken/not-fit-bytes.fit', 'broken/empty.fit']) {
      if (!existsSync(join(corpus, file))) continue;
      expect(() => summariseFit(readFileSync(join(corpus, file)))).toThrow(RejectedError);
    }
  });
  it('flags damaged files as not intact', () => {
    for (const file of ['broken/bad-file-crc.fit', 'broken/truncated.fit']) {
      if (!existsSync(join(corpus, file))) continue;
      let intact: boolean;
      try {
        intact = summariseFit(readFileSync(join(corpus, file))).intact;
      } catch {
        intact = false;
      }
      expect(intact).toBe(false);
    }
  });
});

describe('synthetic FIT files', () => {
  it('round-trip through the decoder', () => {
    const bytes = synthesiseFit({
      startUtc: 1_767_881_421,
      elapsedSec: 2225,
      distanceM: 4261.2,
      sport: 'swimming',
      subSport: 'openWater',
      manufacturer: 'garmin',
      product: 4315,
    });
    const summary = summariseFit(bytes);
    expect(summary).toMatchObject({
      startUtc: 1_767_881_421,
      elapsedSec: 2225,
      distanceM: 4261.2,
      intact: true,
      fileType: 'activity',
    });
    expect(summary.sport.id).toBe('open_water_swim');
  });
});
