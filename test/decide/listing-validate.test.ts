import { describe, expect, it } from 'vitest';
import type { Activity } from '../../src/core/activity.ts';
import { listingEntryProblem, validateListing } from '../../src/decide/listing-validate.ts';
import { activity } from '../support/activities.ts';

const now = Date.UTC(2026, 11, 1) / 1000;
const good = (platform: Activity['platform'], id: string) => ({
  ...activity(platform, '2026-10-01T06:00:00Z'),
  remoteId: id,
});

describe('listing entries are checked before they are used', () => {
  const cases: Array<[string, Activity, boolean]> = [
    ['a Garmin id', good('garmin_com', '21400000001'), true],
    ['an 18-digit COROS id', good('coros', '476543210987654321'), true],
    ['a zero-padded 30-digit id (phantom)', good('garmin_com', '000000000000000000021400000001'), false],
    ['a zero-padded COROS id', good('coros', '0476543210987654321'), false],
    ['a negative id', good('garmin_com', '-42'), false],
    ['a fractional id', good('garmin_com', '1.5'), false],
    ['an exponent id', good('coros', '1.23e29'), false],
    ['a Garmin id beyond 64 bits', good('garmin_cn', '9223372036854775808'), false],
    ['a short COROS id', good('coros', '1234'), false],
    ['a start of −1', { ...good('coros', '476543210987654321'), startUtc: -1 }, false],
    [
      'a start that is not a number (9999-99-99)',
      { ...good('garmin_com', '21400000002'), startUtc: Number.NaN },
      false,
    ],
    [
      'a start in 1990 (device system time)',
      { ...good('garmin_com', '21400000003'), startUtc: Date.UTC(1990, 6, 9) / 1000 },
      false,
    ],
    ['a start next week', { ...good('garmin_com', '21400000004'), startUtc: now + 7 * 86_400 }, false],
    ['a start later today', { ...good('garmin_com', '21400000005'), startUtc: now + 3600 }, true],
    ['a negative distance', { ...good('garmin_com', '21400000006'), distanceM: -5 }, false],
    ['a negative duration', { ...good('garmin_com', '21400000007'), elapsedSec: -1 }, false],
    ['an infinite duration', { ...good('garmin_com', '21400000008'), elapsedSec: Number.POSITIVE_INFINITY }, false],
    ['no distance or duration', { ...good('garmin_com', '21400000009'), distanceM: null, elapsedSec: null }, true],
  ];
  it.each(cases)('%s', (_name, entry, valid) => {
    expect(listingEntryProblem(entry, now) === null).toBe(valid);
  });

  it('splits a listing and says why each entry was skipped', () => {
    const result = validateListing([good('garmin_com', '21400000001'), good('garmin_com', '-42')], now);
    expect(result.valid.map((entry) => entry.remoteId)).toEqual(['21400000001']);
    expect(result.problems).toEqual(['id "-42" is not a canonical decimal id']);
  });
});
