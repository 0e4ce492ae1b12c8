import { describe, expect, it } from 'vitest';
import {
  sportFromCorosSportType,
  sportFromFit,
  sportFromGarminTypeKey,
  sportsCompatible,
} from '../../src/core/sports.ts';

// The table of ../shared/protocols/coros.md §9: COROS sportType → proposed Garmin typeKey.
const COROS_TABLE: Array<[number, string]> = [
  [98, 'other'],
  [100, 'running'],
  [101, 'treadmill_running'],
  [102, 'trail_running'],
  [103, 'track_running'],
  [104, 'hiking'],
  [105, 'mountaineering'],
  [106, 'rock_climbing'],
  [200, 'road_biking'],
  [201, 'indoor_cycling'],
  [202, 'e_bike_fitness'],
  [203, 'gravel_cycling'],
  [204, 'mountain_biking'],
  [205, 'e_bike_mountain'],
  [299, 'cycling'],
  [300, 'lap_swimming'],
  [301, 'open_water_swimming'],
  [400, 'indoor_cardio'],
  [401, 'indoor_cardio'],
  [402, 'strength_training'],
  [403, 'yoga'],
  [500, 'resort_skiing'],
  [501, 'resort_snowboarding'],
  [502, 'cross_country_skiing_ws'],
  [503, 'backcountry_skiing'],
  [700, 'rowing_v2'],
  [701, 'indoor_rowing'],
  [702, 'whitewater_rafting_kayaking'],
  [704, 'kayaking_v2'],
  [705, 'windsurfing_v2'],
  [706, 'windsurfing_v2'],
  [800, 'indoor_climbing'],
  [801, 'bouldering'],
  [900, 'walking'],
  [901, 'jump_rope'],
  [902, 'floor_climbing'],
  [904, 'yoga'],
  [905, 'pilates'],
  [9807, 'cycling'],
  [10000, 'multi_sport'],
  [10001, 'multi_sport'],
  [10002, 'backcountry_skiing'],
  [10003, 'rock_climbing'],
];

describe('sport mapping', () => {
  for (const [coros, garmin] of COROS_TABLE) {
    it(`COROS ${coros} ↔ Garmin ${garmin}`, () => {
      const sport = sportFromCorosSportType(coros);
      expect(sport.garminTypeKey).toBe(garmin);
      expect(sportFromGarminTypeKey(garmin).family).toBe(sport.family);
    });
  }

  it('maps unknown codes to other', () => {
    expect(sportFromCorosSportType(12345).id).toBe('other');
    expect(sportFromCorosSportType('abc').id).toBe('other');
    expect(sportFromGarminTypeKey('underwater_basket_weaving').id).toBe('other');
    expect(sportFromGarminTypeKey(undefined).id).toBe('other');
  });

  it('maps Garmin variants onto our sports', () => {
    expect(sportFromGarminTypeKey('indoor_running').id).toBe('treadmill_run');
    expect(sportFromGarminTypeKey('virtual_ride').id).toBe('indoor_ride');
    expect(sportFromGarminTypeKey('stand_up_paddleboarding_v2').family).toBe('paddle');
  });

  it('maps FIT sport/sub-sport', () => {
    expect(sportFromFit('running', 'trail').id).toBe('trail_run');
    expect(sportFromFit('cycling', undefined).id).toBe('ride');
    expect(sportFromFit('swimming', 'openWater').id).toBe('open_water_swim');
    expect(sportFromFit('training', undefined).id).toBe('strength');
  });

  it.each([
    ['running', 'virtualActivity', 'treadmill_run'],
    ['cycling', 'virtualActivity', 'indoor_ride'],
    ['cycling', 'generic', 'ride'],
    ['rockClimbing', 'bouldering', 'bouldering'],
    ['fitnessEquipment', 'stairClimbing', 'floor_climb'],
    ['kayaking', undefined, 'flatwater'],
    ['transition', 'generic', 'multisport'],
    ['someNewSport', 'generic', 'other'],
    [undefined, undefined, 'other'],
    // Decoder strings are data: none may reach Object's own members.
    ['constructor', 'generic', 'other'],
    ['running', 'constructor', 'run'],
  ] as const)('FIT %s / %s → %s', (sport, subSport, id) => {
    expect(sportFromFit(sport, subSport).id).toBe(id);
  });

  const families: Array<[Parameters<typeof sportsCompatible>[0], Parameters<typeof sportsCompatible>[1], boolean]> = [
    ['run', 'run', true],
    ['run', 'ride', false],
    ['swim', 'run', false],
    ['strength', 'yoga', true],
    ['strength', 'cardio', true],
    ['other', 'swim', true],
    ['walk', 'hike', true],
    ['ride', 'multisport', true],
    ['row', 'paddle', true],
    ['ski', 'run', false],
  ];
  for (const [a, b, expected] of families) {
    it(`${a} ${expected ? 'is' : 'is not'} compatible with ${b}`, () => {
      expect(sportsCompatible(a, b)).toBe(expected);
      expect(sportsCompatible(b, a)).toBe(expected);
    });
  }
});
