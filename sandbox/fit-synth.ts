import { Encoder, Profile, type FileIdMesg } from '@garmin/fitsdk';

/** writeMesg is typed with the base Mesg; our literal messages carry real profile fields. */
type LooseMesg = { mesgNum: number } & Record<string, unknown>;

/** A synthetic workout: enough to build a valid FIT activity file (demo, sandboxes, tests). */
export interface SyntheticWorkout {
  readonly startUtc: number;
  readonly elapsedSec: number;
  readonly distanceM: number;
  /** FIT sport and sub-sport names as the decoder writes them ("running", "trail"). */
  readonly sport: string;
  readonly subSport?: string;
  readonly manufacturer: 'garmin' | 'coros' | 'wahooFitness' | 'suunto';
  readonly product: number;
  readonly productName?: string;
  readonly serialNumber?: number;
  /** Local time offset in seconds (UTC+8 → 28800). */
  readonly utcOffsetSec?: number;
  /** Number of record samples (default 20). */
  readonly samples?: number;
  /** Heart rate base, varies the bytes between otherwise equal workouts. */
  readonly heartRate?: number;
}

const FIT_EPOCH_SEC = 631065600;

function mesgNum(name: string): number {
  const value = (Profile.MesgNum as Record<string, number | undefined>)[name];
  if (value === undefined) throw new Error(`FIT profile has no message ${name}`);
  return value;
}
const MESG = {
  FILE_ID: mesgNum('FILE_ID'),
  DEVICE_INFO: mesgNum('DEVICE_INFO'),
  EVENT: mesgNum('EVENT'),
  RECORD: mesgNum('RECORD'),
  LAP: mesgNum('LAP'),
  SESSION: mesgNum('SESSION'),
  ACTIVITY: mesgNum('ACTIVITY'),
};

/** Builds a valid FIT activity following Garmin's activity recipe (fit.md §4). */
export function synthesiseFit(workout: SyntheticWorkout): Uint8Array {
  const encoder = new Encoder();
  const write = (mesg: LooseMesg): void => {
    encoder.writeMesg(mesg as Parameters<Encoder['writeMesg']>[0]);
  };
  const start = new Date(workout.startUtc * 1000);
  const end = new Date((workout.startUtc + workout.elapsedSec) * 1000);
  const fileId: FileIdMesg = {
    type: 'activity',
    manufacturer: workout.manufacturer,
    product: workout.product,
    timeCreated: start,
    ...(workout.serialNumber === undefined ? {} : { serialNumber: workout.serialNumber }),
    ...(workout.productName === undefined ? {} : { productName: workout.productName }),
  };
  encoder.onMesg(MESG.FILE_ID, fileId);
  write({
    mesgNum: MESG.DEVICE_INFO,
    deviceIndex: 'creator',
    manufacturer: workout.manufacturer,
    product: workout.product,
    timestamp: start,
  });
  write({ mesgNum: MESG.EVENT, timestamp: start, event: 'timer', eventType: 'start' });
  const samples = Math.max(2, workout.samples ?? 20);
  const hr = workout.heartRate ?? 140;
  for (let i = 0; i < samples; i++) {
    const fraction = i / (samples - 1);
    write({
      mesgNum: MESG.RECORD,
      timestamp: new Date((workout.startUtc + Math.round(workout.elapsedSec * fraction)) * 1000),
      distance: workout.distanceM * fraction,
      heartRate: hr + (i % 7),
    });
  }
  write({ mesgNum: MESG.EVENT, timestamp: end, event: 'timer', eventType: 'stopAll' });
  // One lap covering the whole session: both carry the same totals.
  const totals = {
    timestamp: end,
    startTime: start,
    totalElapsedTime: workout.elapsedSec,
    totalTimerTime: workout.elapsedSec,
    totalDistance: workout.distanceM,
    sport: workout.sport,
    subSport: workout.subSport ?? 'generic',
  };
  write({ mesgNum: MESG.LAP, ...totals });
  write({ mesgNum: MESG.SESSION, ...totals, firstLapIndex: 0, numLaps: 1 });
  write({
    mesgNum: MESG.ACTIVITY,
    timestamp: end,
    numSessions: 1,
    totalTimerTime: workout.elapsedSec,
    localTimestamp: workout.startUtc + workout.elapsedSec + (workout.utcOffsetSec ?? 0) - FIT_EPOCH_SEC,
  });
  return encoder.close();
}
