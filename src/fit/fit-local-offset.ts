import { Decoder, Stream } from '@garmin/fitsdk';

/** Seconds from the Unix epoch to the FIT epoch (1989-12-31T00:00:00Z). */
const FIT_EPOCH_SEC = 631065600;

const toUnixSeconds = (value: unknown): number | null => {
  if (value instanceof Date) return Math.round(value.getTime() / 1000);
  if (typeof value === 'number' && Number.isFinite(value)) return value + FIT_EPOCH_SEC;
  return null;
};

/**
 * The workout's own UTC offset in quarter hours east of UTC, from the `activity` message:
 * (local_timestamp − timestamp) / 900, rounded; only −48…+56 (UTC−12…UTC+14) is accepted
 * (coros.md §7.6, fit.md). Undefined when the file does not tell or the value is implausible.
 */
export function fitLocalOffsetQuarterHours(bytes: Uint8Array): number | undefined {
  try {
    const stream = Stream.fromByteArray(bytes);
    if (!Decoder.isFIT(stream)) return undefined;
    const { messages } = new Decoder(stream).read({ mergeHeartRates: false, convertDateTimesToDates: true });
    for (const activity of (messages.activityMesgs ?? []) as Array<{ timestamp?: unknown; localTimestamp?: unknown }>) {
      const utc = toUnixSeconds(activity.timestamp);
      // local_date_time is not a UTC instant: the SDK leaves it as FIT seconds (or a Date read as if UTC).
      const local = toUnixSeconds(activity.localTimestamp);
      if (utc === null || local === null) continue;
      const quarters = Math.round((local - utc) / 900);
      if (quarters >= -48 && quarters <= 56) return quarters;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
