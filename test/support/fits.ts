import { synthesiseFit, type SyntheticWorkout } from '../../sandbox/fit-synth.ts';

let heartRate = 100;

/** A valid FIT of a 30-minute, 5 km Garmin run starting at `startUtc`; every call gives different bytes. */
export function distinctRunFit(startUtc: number, workout: Partial<SyntheticWorkout> = {}): Uint8Array {
  heartRate = heartRate >= 170 ? 100 : heartRate + 1;
  return synthesiseFit({
    startUtc,
    elapsedSec: 1800,
    distanceM: 5000,
    sport: 'running',
    manufacturer: 'garmin',
    product: 4315,
    samples: 4,
    heartRate,
    ...workout,
  });
}

/** A valid FIT of a one-hour, 10 km Garmin run starting at `startUtc` (the same bytes for the same input). */
export function hourRunFit(startUtc: number, workout: Partial<SyntheticWorkout> = {}): Uint8Array {
  return synthesiseFit({
    startUtc,
    elapsedSec: 3600,
    distanceM: 10_000,
    sport: 'running',
    manufacturer: 'garmin',
    product: 4315,
    ...workout,
  });
}
