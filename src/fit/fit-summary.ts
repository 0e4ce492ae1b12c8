import { Decoder, Stream } from '@garmin/fitsdk';
import { RejectedError } from '../core/errors.ts';
import { sportFromFit, type NormalisedSport } from '../core/sports.ts';

/** What Sports Sync X needs from a FIT file (see ../shared/protocols/fit.md §3). */
export interface FitSummary {
  /** Earliest session start, UTC Unix seconds. */
  readonly startUtc: number;
  readonly elapsedSec: number | null;
  readonly timerSec: number | null;
  readonly distanceM: number | null;
  readonly sport: NormalisedSport;
  readonly fitSport: string | null;
  readonly fitSubSport: string | null;
  readonly manufacturer: string | null;
  readonly productName: string | null;
  readonly sessions: number;
  /** True when the file passed the integrity check and decoded without errors. */
  readonly intact: boolean;
  /** Header and file CRC of the (first) FIT in the file check out. */
  readonly integrity: boolean;
  readonly errors: readonly string[];
  /** file_id.type, e.g. "activity" or "workout". */
  readonly fileType: string | null;
}

interface SessionLike {
  startTime?: unknown;
  totalElapsedTime?: unknown;
  totalTimerTime?: unknown;
  totalDistance?: unknown;
  sport?: unknown;
  subSport?: unknown;
  timestamp?: unknown;
}

const toSeconds = (value: unknown): number | null =>
  value instanceof Date ? Math.round(value.getTime() / 1000) : null;
const toNumber = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;
const toText = (value: unknown): string | null =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;

/**
 * Decodes the summary of a FIT file. Throws RejectedError when the bytes are not a FIT activity
 * with at least one session start time (a service would refuse such a file too).
 */
export function summariseFit(bytes: Uint8Array): FitSummary {
  if (bytes.byteLength < 12) throw new RejectedError('not a FIT file (too short)');
  const stream = Stream.fromByteArray(bytes);
  if (!Decoder.isFIT(stream)) throw new RejectedError('not a FIT file (no .FIT header)');
  const decoder = new Decoder(stream);
  const intactBytes = decoder.checkIntegrity();
  const { messages, errors } = decoder.read({ mergeHeartRates: false });
  const errorTexts = errors.map((error: unknown) => (error instanceof Error ? error.message : String(error)));

  const sessions = ((messages.sessionMesgs ?? []) as SessionLike[])
    .map((session) => ({ session, start: toSeconds(session.startTime) }))
    .filter((entry): entry is { session: SessionLike; start: number } => entry.start !== null)
    .sort((a, b) => a.start - b.start);
  const first = sessions[0];
  if (!first)
    throw new RejectedError(
      `FIT file has no session with a start time${errorTexts.length ? ` (${errorTexts[0]})` : ''}`,
    );

  let elapsed: number | null = null;
  let timer: number | null = null;
  let distance: number | null = null;
  for (const { session } of sessions) {
    const e = toNumber(session.totalElapsedTime);
    const t = toNumber(session.totalTimerTime);
    const d = toNumber(session.totalDistance);
    if (e !== null) elapsed = (elapsed ?? 0) + e;
    if (t !== null) timer = (timer ?? 0) + t;
    if (d !== null) distance = (distance ?? 0) + d;
  }
  if (elapsed === null) elapsed = timer;
  if (elapsed === null) {
    const records = (messages.recordMesgs ?? []) as Array<{ timestamp?: unknown }>;
    const last = toSeconds(records.at(-1)?.timestamp);
    if (last !== null) elapsed = last - first.start;
  }

  const fileId = (messages.fileIdMesgs?.[0] ?? {}) as Record<string, unknown>;
  const fitSport = toText(first.session.sport);
  const fitSubSport = toText(first.session.subSport);
  const multisport = sessions.length > 1 && new Set(sessions.map(({ session }) => session.sport)).size > 1;
  return {
    startUtc: first.start,
    elapsedSec: elapsed,
    timerSec: timer,
    distanceM: distance,
    sport: sportFromFit(multisport ? 'multisport' : (fitSport ?? undefined), fitSubSport ?? undefined),
    fitSport,
    fitSubSport,
    manufacturer: toText(fileId.manufacturer),
    productName: toText(fileId.productName) ?? toText(fileId.garminProduct),
    sessions: sessions.length,
    intact: intactBytes && errorTexts.length === 0,
    integrity: intactBytes,
    errors: errorTexts,
    fileType: toText(fileId.type),
  };
}
