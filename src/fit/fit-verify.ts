import { describeError } from '../core/errors.ts';
import { sportsCompatible, type SportFamily } from '../core/sports.ts';
import { summariseFit, type FitSummary } from './fit-summary.ts';

export type FitCheck =
  | { readonly ok: true; readonly summary: FitSummary; readonly note?: string }
  | { readonly ok: false; readonly problem: string };

const HALF_HOUR = 1800;
const MAX_ZONE_SEC = 14 * 3600;
// Read errors that mean the bytes themselves are damaged (not a decoder limitation, fit.md §3.5).
const DAMAGE = /crc|end of stream|unexpected end|truncat|exceeds/i;

/**
 * Checks downloaded bytes before they go anywhere: a FIT activity whose header and CRC are
 * intact, with a session start time that agrees with the listing (directly, or off by a whole or
 * half number of hours when a platform stored local time), and a compatible sport.
 */
/** What the listing said of the workout whose file this should be. */
export interface ListedWorkout {
  readonly startUtc: number;
  readonly sport: { readonly id: string; readonly family: SportFamily };
}

export function verifyFit(bytes: Uint8Array, listed: ListedWorkout, toleranceSec: number): FitCheck {
  let summary: FitSummary;
  try {
    summary = summariseFit(bytes);
  } catch (error) {
    return { ok: false, problem: describeError(error) };
  }
  const damage = summary.errors.find((text) => DAMAGE.test(text));
  if (!summary.integrity || damage)
    return { ok: false, problem: `damaged FIT file (${damage ?? 'header or CRC check failed'})` };
  if (summary.fileType !== null && summary.fileType !== 'activity')
    return { ok: false, problem: `not an activity FIT file (type ${summary.fileType})` };
  if (!sportsCompatible(summary.sport.family, listed.sport.family)) {
    return { ok: false, problem: `the file's sport (${summary.sport.id}) is not the listed one (${listed.sport.id})` };
  }
  const delta = summary.startUtc - listed.startUtc;
  const tolerance = Math.max(toleranceSec, 60);
  if (Math.abs(delta) <= tolerance) return withNote(summary);
  const offset = Math.round(delta / HALF_HOUR) * HALF_HOUR;
  if (offset !== 0 && Math.abs(offset) <= MAX_ZONE_SEC && Math.abs(delta - offset) <= tolerance) {
    return withNote(summary, `the file starts ${offset / 3600} h from the listed time (a platform stored local time)`);
  }
  return {
    ok: false,
    problem:
      `the file starts at ${new Date(summary.startUtc * 1000).toISOString()}, ` +
      `not at the listed ${new Date(listed.startUtc * 1000).toISOString()}`,
  };
}

function withNote(summary: FitSummary, note?: string): FitCheck {
  const decoderNote = summary.errors.length ? `decoder warning: ${summary.errors[0]}` : undefined;
  const text = [note, decoderNote].filter(Boolean).join('; ');
  return text ? { ok: true, summary, note: text } : { ok: true, summary };
}
