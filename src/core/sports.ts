/**
 * Sport mapping between Garmin `typeKey`, COROS `sportType` and one normalised sport.
 * The COROS ↔ Garmin table follows ../shared/protocols/coros.md §9 (itself a proposal: the sport
 * travels inside the FIT, so this table serves matching, dedupe and display only).
 */

/** Families decide compatibility: two records of one family can be the same workout. */
export type SportFamily =
  | 'run'
  | 'ride'
  | 'swim'
  | 'walk'
  | 'hike'
  | 'climb'
  | 'strength'
  | 'cardio'
  | 'yoga'
  | 'ski'
  | 'snowboard'
  | 'row'
  | 'paddle'
  | 'surf'
  | 'multisport'
  | 'jump_rope'
  | 'other';

export interface NormalisedSport {
  /** Our own name for the sport, e.g. "trail_run". */
  readonly id: string;
  readonly family: SportFamily;
  /** Garmin typeKey we map this sport to when we need one. */
  readonly garminTypeKey: string;
  readonly garminTypeId: number;
  /** COROS sportType we map this sport to when we need one (undefined: COROS has none). */
  readonly corosSportType: number | undefined;
  readonly label: string;
}

const SPORTS: readonly NormalisedSport[] = [
  { id: 'run', family: 'run', garminTypeKey: 'running', garminTypeId: 1, corosSportType: 100, label: 'Run' },
  {
    id: 'treadmill_run',
    family: 'run',
    garminTypeKey: 'treadmill_running',
    garminTypeId: 18,
    corosSportType: 101,
    label: 'Treadmill run',
  },
  {
    id: 'trail_run',
    family: 'run',
    garminTypeKey: 'trail_running',
    garminTypeId: 6,
    corosSportType: 102,
    label: 'Trail run',
  },
  {
    id: 'track_run',
    family: 'run',
    garminTypeKey: 'track_running',
    garminTypeId: 8,
    corosSportType: 103,
    label: 'Track run',
  },
  { id: 'hike', family: 'hike', garminTypeKey: 'hiking', garminTypeId: 3, corosSportType: 104, label: 'Hike' },
  {
    id: 'mountaineering',
    family: 'hike',
    garminTypeKey: 'mountaineering',
    garminTypeId: 37,
    corosSportType: 105,
    label: 'Mountaineering',
  },
  {
    id: 'rock_climb',
    family: 'climb',
    garminTypeKey: 'rock_climbing',
    garminTypeId: 139,
    corosSportType: 106,
    label: 'Climb',
  },
  {
    id: 'road_ride',
    family: 'ride',
    garminTypeKey: 'road_biking',
    garminTypeId: 10,
    corosSportType: 200,
    label: 'Road ride',
  },
  { id: 'ride', family: 'ride', garminTypeKey: 'cycling', garminTypeId: 2, corosSportType: 299, label: 'Ride' },
  {
    id: 'indoor_ride',
    family: 'ride',
    garminTypeKey: 'indoor_cycling',
    garminTypeId: 25,
    corosSportType: 201,
    label: 'Indoor ride',
  },
  {
    id: 'e_bike',
    family: 'ride',
    garminTypeKey: 'e_bike_fitness',
    garminTypeId: 176,
    corosSportType: 202,
    label: 'E-bike ride',
  },
  {
    id: 'gravel_ride',
    family: 'ride',
    garminTypeKey: 'gravel_cycling',
    garminTypeId: 143,
    corosSportType: 203,
    label: 'Gravel ride',
  },
  {
    id: 'mountain_bike',
    family: 'ride',
    garminTypeKey: 'mountain_biking',
    garminTypeId: 5,
    corosSportType: 204,
    label: 'Mountain bike',
  },
  {
    id: 'e_mountain_bike',
    family: 'ride',
    garminTypeKey: 'e_bike_mountain',
    garminTypeId: 175,
    corosSportType: 205,
    label: 'E-mountain bike',
  },
  {
    id: 'pool_swim',
    family: 'swim',
    garminTypeKey: 'lap_swimming',
    garminTypeId: 27,
    corosSportType: 300,
    label: 'Pool swim',
  },
  {
    id: 'open_water_swim',
    family: 'swim',
    garminTypeKey: 'open_water_swimming',
    garminTypeId: 28,
    corosSportType: 301,
    label: 'Open-water swim',
  },
  {
    id: 'indoor_cardio',
    family: 'cardio',
    garminTypeKey: 'indoor_cardio',
    garminTypeId: 11,
    corosSportType: 400,
    label: 'Cardio',
  },
  {
    id: 'strength',
    family: 'strength',
    garminTypeKey: 'strength_training',
    garminTypeId: 13,
    corosSportType: 402,
    label: 'Strength',
  },
  { id: 'yoga', family: 'yoga', garminTypeKey: 'yoga', garminTypeId: 163, corosSportType: 403, label: 'Yoga' },
  { id: 'pilates', family: 'yoga', garminTypeKey: 'pilates', garminTypeId: 160, corosSportType: 905, label: 'Pilates' },
  {
    id: 'resort_ski',
    family: 'ski',
    garminTypeKey: 'resort_skiing',
    garminTypeId: 251,
    corosSportType: 500,
    label: 'Ski',
  },
  {
    id: 'snowboard',
    family: 'snowboard',
    garminTypeKey: 'resort_snowboarding',
    garminTypeId: 252,
    corosSportType: 501,
    label: 'Snowboard',
  },
  {
    id: 'xc_ski',
    family: 'ski',
    garminTypeKey: 'cross_country_skiing_ws',
    garminTypeId: 171,
    corosSportType: 502,
    label: 'Cross-country ski',
  },
  {
    id: 'ski_touring',
    family: 'ski',
    garminTypeKey: 'backcountry_skiing',
    garminTypeId: 203,
    corosSportType: 503,
    label: 'Ski touring',
  },
  { id: 'row', family: 'row', garminTypeKey: 'rowing_v2', garminTypeId: 237, corosSportType: 700, label: 'Rowing' },
  {
    id: 'indoor_row',
    family: 'row',
    garminTypeKey: 'indoor_rowing',
    garminTypeId: 32,
    corosSportType: 701,
    label: 'Indoor rowing',
  },
  {
    id: 'whitewater',
    family: 'paddle',
    garminTypeKey: 'whitewater_rafting_kayaking',
    garminTypeId: 60,
    corosSportType: 702,
    label: 'Whitewater',
  },
  {
    id: 'flatwater',
    family: 'paddle',
    garminTypeKey: 'kayaking_v2',
    garminTypeId: 231,
    corosSportType: 704,
    label: 'Flatwater',
  },
  {
    id: 'windsurf',
    family: 'surf',
    garminTypeKey: 'windsurfing_v2',
    garminTypeId: 242,
    corosSportType: 705,
    label: 'Windsurfing',
  },
  {
    id: 'indoor_climb',
    family: 'climb',
    garminTypeKey: 'indoor_climbing',
    garminTypeId: 173,
    corosSportType: 800,
    label: 'Indoor climb',
  },
  {
    id: 'bouldering',
    family: 'climb',
    garminTypeKey: 'bouldering',
    garminTypeId: 174,
    corosSportType: 801,
    label: 'Bouldering',
  },
  { id: 'walk', family: 'walk', garminTypeKey: 'walking', garminTypeId: 9, corosSportType: 900, label: 'Walk' },
  {
    id: 'jump_rope',
    family: 'jump_rope',
    garminTypeKey: 'jump_rope',
    garminTypeId: 254,
    corosSportType: 901,
    label: 'Jump rope',
  },
  {
    id: 'floor_climb',
    family: 'cardio',
    garminTypeKey: 'floor_climbing',
    garminTypeId: 150,
    corosSportType: 902,
    label: 'Floor climb',
  },
  {
    id: 'multisport',
    family: 'multisport',
    garminTypeKey: 'multi_sport',
    garminTypeId: 89,
    corosSportType: 10001,
    label: 'Multisport',
  },
  {
    id: 'triathlon',
    family: 'multisport',
    garminTypeKey: 'multi_sport',
    garminTypeId: 89,
    corosSportType: 10000,
    label: 'Triathlon',
  },
  { id: 'other', family: 'other', garminTypeKey: 'other', garminTypeId: 4, corosSportType: 98, label: 'Other' },
];

/** COROS codes that share a normalised sport with another code (aliases, see coros.md §9). */
const COROS_ALIASES: ReadonlyMap<number, string> = new Map([
  [401, 'indoor_cardio'],
  [706, 'windsurf'],
  [904, 'yoga'],
  [9807, 'ride'],
  [10002, 'ski_touring'],
  [10003, 'rock_climb'],
]);

/** Garmin typeKeys that are variants of one of our sports. */
const GARMIN_ALIASES: ReadonlyMap<string, string> = new Map([
  ['indoor_running', 'treadmill_run'],
  ['street_running', 'run'],
  ['ultra_run', 'trail_run'],
  ['virtual_run', 'treadmill_run'],
  ['obstacle_run', 'trail_run'],
  ['virtual_ride', 'indoor_ride'],
  ['cyclocross', 'gravel_ride'],
  ['downhill_biking', 'mountain_bike'],
  ['bmx', 'ride'],
  ['recumbent_cycling', 'ride'],
  ['track_cycling', 'road_ride'],
  ['e_bike_fitness', 'e_bike'],
  ['swimming', 'pool_swim'],
  ['stair_climbing', 'floor_climb'],
  ['elliptical', 'indoor_cardio'],
  ['hiit', 'indoor_cardio'],
  ['fitness_equipment', 'indoor_cardio'],
  ['breathwork', 'yoga'],
  ['skate_skiing_ws', 'xc_ski'],
  ['cross_country_skiing', 'xc_ski'],
  ['backcountry_snowboarding', 'snowboard'],
  ['skiing_ws', 'resort_ski'],
  ['rowing', 'row'],
  ['kayaking', 'flatwater'],
  ['paddling_v2', 'flatwater'],
  ['stand_up_paddleboarding_v2', 'flatwater'],
  ['stand_up_paddleboarding', 'flatwater'],
  ['windsurfing', 'windsurf'],
  ['casual_walking', 'walk'],
  ['speed_walking', 'walk'],
  ['triathlon', 'triathlon'],
  ['duathlon', 'multisport'],
  ['uncategorized', 'other'],
]);

const BY_ID = new Map(SPORTS.map((sport) => [sport.id, sport]));
const BY_GARMIN = new Map<string, NormalisedSport>();
const BY_COROS = new Map<number, NormalisedSport>();
for (const sport of SPORTS) {
  if (!BY_GARMIN.has(sport.garminTypeKey)) BY_GARMIN.set(sport.garminTypeKey, sport);
  if (sport.corosSportType !== undefined) BY_COROS.set(sport.corosSportType, sport);
}
for (const [key, id] of GARMIN_ALIASES) if (!BY_GARMIN.has(key)) BY_GARMIN.set(key, BY_ID.get(id)!);
for (const [code, id] of COROS_ALIASES) BY_COROS.set(code, BY_ID.get(id)!);

const OTHER = BY_ID.get('other')!;

export function allSports(): readonly NormalisedSport[] {
  return SPORTS;
}

/** The platform's own code for a sport (Activity.sport.code): COROS sportType (98 = other) or Garmin typeKey. */
export function platformSportCode(platform: 'garmin_com' | 'garmin_cn' | 'coros', sport: NormalisedSport): string {
  return platform === 'coros' ? String(sport.corosSportType ?? 98) : sport.garminTypeKey;
}

export function sportById(id: string): NormalisedSport {
  return BY_ID.get(id) ?? OTHER;
}

export function sportFromGarminTypeKey(typeKey: string | undefined | null): NormalisedSport {
  if (!typeKey) return OTHER;
  return BY_GARMIN.get(typeKey.toLowerCase()) ?? OTHER;
}

export function sportFromCorosSportType(sportType: number | string | undefined | null): NormalisedSport {
  const code = typeof sportType === 'string' ? Number(sportType) : sportType;
  if (code === undefined || code === null || !Number.isInteger(code)) return OTHER;
  return BY_COROS.get(code) ?? OTHER;
}

/**
 * The FIT session sport → sub-sport (decoder strings) → our sport id; `*` stands for every other
 * sub-sport (and none). A sport not listed is "other".
 */
const FIT_SPORTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  running: {
    treadmill: 'treadmill_run',
    indoorRunning: 'treadmill_run',
    virtualActivity: 'treadmill_run',
    trail: 'trail_run',
    track: 'track_run',
    '*': 'run',
  },
  cycling: {
    indoorCycling: 'indoor_ride',
    spin: 'indoor_ride',
    virtualActivity: 'indoor_ride',
    gravelCycling: 'gravel_ride',
    cyclocross: 'gravel_ride',
    mountain: 'mountain_bike',
    downhill: 'mountain_bike',
    road: 'road_ride',
    '*': 'ride',
  },
  eBiking: { '*': 'e_bike' },
  swimming: { openWater: 'open_water_swim', '*': 'pool_swim' },
  walking: { '*': 'walk' },
  hiking: { '*': 'hike' },
  mountaineering: { '*': 'mountaineering' },
  rockClimbing: { indoorClimbing: 'indoor_climb', bouldering: 'bouldering', '*': 'rock_climb' },
  training: {
    strengthTraining: 'strength',
    yoga: 'yoga',
    pilates: 'pilates',
    cardioTraining: 'indoor_cardio',
    '*': 'strength',
  },
  fitnessEquipment: { indoorRowing: 'indoor_row', stairClimbing: 'floor_climb', '*': 'indoor_cardio' },
  rowing: { indoorRowing: 'indoor_row', '*': 'row' },
  alpineSkiing: { backcountry: 'ski_touring', '*': 'resort_ski' },
  snowboarding: { '*': 'snowboard' },
  crossCountrySkiing: { '*': 'xc_ski' },
  kayaking: { '*': 'flatwater' },
  paddling: { '*': 'flatwater' },
  standUpPaddleboarding: { '*': 'flatwater' },
  windsurfing: { '*': 'windsurf' },
  jumprope: { '*': 'jump_rope' },
  multisport: { '*': 'multisport' },
  transition: { '*': 'multisport' },
};

/** The FIT session sport / sub-sport (decoder strings) to our sport. */
export function sportFromFit(sport: string | undefined, subSport: string | undefined): NormalisedSport {
  // Own keys only: a decoder string such as "constructor" must not find Object's members.
  const bySub = sport !== undefined && Object.hasOwn(FIT_SPORTS, sport) ? FIT_SPORTS[sport] : undefined;
  if (!bySub) return OTHER;
  const sub = subSport ?? 'generic';
  return sportById((Object.hasOwn(bySub, sub) ? bySub[sub] : undefined) ?? bySub['*'] ?? 'other');
}

/**
 * Two sports can be the same workout when they are of one family, when either side is
 * generic ("other"), or for the known cross-family variants (an imported `training` FIT lands on
 * COROS as Strength; a Garmin yoga or cardio session may come back as strength, and so on).
 */
export function sportsCompatible(a: SportFamily, b: SportFamily): boolean {
  if (a === b || a === 'other' || b === 'other') return true;
  const pair = new Set([a, b]);
  const TRAINING = new Set<SportFamily>(['strength', 'cardio', 'yoga']);
  if ([...pair].every((family) => TRAINING.has(family))) return true;
  if (pair.has('walk') && pair.has('hike')) return true;
  if (pair.has('multisport')) return true;
  if (pair.has('row') && pair.has('paddle')) return true;
  return false;
}
