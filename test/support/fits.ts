import { synthesiseFit, type SyntheticWorkout } from '../../sandbox/fit-synth.ts';

/** Makes the FIT of one kind of workout: what a call names (the start, any field) over the kind's fields. */
export type FitMaker = (startUtc: number, workout?: Partial<SyntheticWorkout>) => Uint8Array;

export function fitMaker(kind: Omit<SyntheticWorkout, 'startUtc'>): FitMaker {
  return (startUtc, workout = {}) => synthesiseFit({ ...kind, startUtc, ...workout });
}

/** A run recorded on a Garmin Forerunner (product 4315). */
export const GARMIN_RUN = { sport: 'running', manufacturer: 'garmin', product: 4315 } as const;

/** A one-hour, 10 km Garmin run (the same bytes for the same input). */
export const hourRunFit = fitMaker({ ...GARMIN_RUN, elapsedSec: 3600, distanceM: 10_000 });

const halfHourRunFit = fitMaker({ ...GARMIN_RUN, elapsedSec: 1800, distanceM: 5000, samples: 4 });
let heartRate = 100;

/** A 30-minute, 5 km Garmin run; every call gives different bytes (the heart rate steps on). */
export const distinctRunFit: FitMaker = (startUtc, workout = {}) => {
  heartRate = heartRate >= 170 ? 100 : heartRate + 1;
  return halfHourRunFit(startUtc, { heartRate, ...workout });
};
