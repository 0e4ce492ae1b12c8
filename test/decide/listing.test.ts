import { describe, expect, it } from 'vitest';
import type { Activity } from '../../src/core/activity.ts';
import { collectListing, decideListing, goneFromUtc, nextListingState } from '../../src/decide/listing.ts';
import type { ListingState } from '../../src/store/store.ts';
import { activity } from '../support/activities.ts';

const never: ListingState = {
  platform: 'coros',
  coveredFromUtc: null,
  complete: false,
  lastFullScanRun: null,
  lastFullScanDay: null,
};
const listed: ListingState = {
  platform: 'coros',
  coveredFromUtc: 1000,
  complete: true,
  lastFullScanRun: 1,
  lastFullScanDay: 100,
};

async function* pages(...lists: Activity[][]): AsyncIterable<readonly Activity[]> {
  for (const list of lists) yield list;
}

describe('listing window', () => {
  const decisions: Array<[string, ListingState, { fullScan: boolean; fullScanDays: number; today: number }, boolean]> =
    [
      ['first run lists everything', never, { fullScan: false, fullScanDays: 7, today: 100 }, true],
      ['--full-scan forces it', listed, { fullScan: true, fullScanDays: 7, today: 100 }, true],
      ['incremental within the week', listed, { fullScan: false, fullScanDays: 7, today: 106 }, false],
      ['full scan once a week', listed, { fullScan: false, fullScanDays: 7, today: 107 }, true],
      ['never with 0 days', listed, { fullScan: false, fullScanDays: 0, today: 900 }, false],
    ];
  for (const [name, state, options, full] of decisions) {
    it(name, () => expect(decideListing(state, options).fullScan).toBe(full));
  }

  it('stops at a page of known records when incremental, not when full', async () => {
    const page1 = [
      activity('coros', '2026-03-10T06:00:00Z', { id: 'new' }),
      activity('coros', '2026-03-09T06:00:00Z', { id: 'a' }),
    ];
    const page2 = [
      activity('coros', '2026-03-08T06:00:00Z', { id: 'b' }),
      activity('coros', '2026-03-07T06:00:00Z', { id: 'c' }),
    ];
    const page3 = [activity('coros', '2026-03-06T06:00:00Z', { id: 'd' })];
    const known = new Set(['a', 'b', 'c', 'd']);
    const incremental = await collectListing(pages(page1, page2, page3), { newestNum: 100, fullScan: false, known });
    expect(incremental.stop).toBe('known');
    expect(incremental.activities.map((record) => record.remoteId)).toEqual(['new', 'a', 'b', 'c']);
    const full = await collectListing(pages(page1, page2, page3), { newestNum: 100, fullScan: true, known });
    expect(full.stop).toBe('end');
    expect(full.activities).toHaveLength(5);
    const limited = await collectListing(pages(page1, page2, page3), { newestNum: 3, fullScan: true, known });
    expect(limited).toMatchObject({ stop: 'limit' });
    expect(limited.activities).toHaveLength(3);
    // An interrupted upload of the 7 March workout: read past the limit until records start before it.
    const reachBackToUtc = Date.parse('2026-03-07T06:00:00Z') / 1000;
    const deep = await collectListing(pages(page1, page2, page3), {
      newestNum: 2,
      fullScan: true,
      known,
      reachBackToUtc,
    });
    expect(deep).toMatchObject({ stop: 'limit' });
    expect(deep.activities.map((record) => record.remoteId)).toEqual(['new', 'a', 'b', 'c', 'd']);
  });

  it('dedupes records that shift between pages', async () => {
    const a = activity('coros', '2026-03-10T06:00:00Z', { id: 'x' });
    const result = await collectListing(pages([a], [a]), { newestNum: 100, fullScan: true, known: new Set() });
    expect(result.activities).toHaveLength(1);
  });

  it('tracks coverage and full-scan day; gone detection keeps a day of margin unless the list ended', async () => {
    const records = [activity('coros', '2026-03-10T06:00:00Z'), activity('coros', '2026-03-05T06:00:00Z')];
    const oldest = Math.round(Date.parse('2026-03-05T06:00:00Z') / 1000);
    expect(nextListingState(never, { activities: records, stop: 'end' }, 7, true, 200)).toEqual({
      platform: 'coros',
      coveredFromUtc: oldest,
      complete: true,
      lastFullScanRun: 7,
      lastFullScanDay: 200,
    });
    expect(nextListingState(listed, { activities: records, stop: 'known' }, 8, false, 201)).toMatchObject({
      coveredFromUtc: 1000,
      complete: true,
      lastFullScanDay: 100,
    });
    expect(nextListingState(listed, { activities: records, stop: 'limit' }, 9, false, 202)).toMatchObject({
      coveredFromUtc: oldest,
      complete: false,
    });
    expect(goneFromUtc({ activities: records, stop: 'limit' })).toBe(oldest + 86_400);
    expect(goneFromUtc({ activities: records, stop: 'end' })).toBe(Number.MIN_SAFE_INTEGER);
  });
});
