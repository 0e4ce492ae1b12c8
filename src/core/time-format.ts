import { ConfigError } from './errors.ts';

/**
 * One way to show a time to a person: in the zone of the TIMEZONE setting (default UTC), always
 * with its label, so the same workout shows the same date in the CLI, the summary and messages.
 */

export const DEFAULT_TIME_ZONE = 'UTC';

/** True for an IANA zone name this Node knows ("Asia/Shanghai", "UTC"). */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** TIMEZONE (NOTIFY_TIMEZONE still accepted), default UTC; a bad name is a settings error naming the variable. */
export function readTimeZone(lookup: (name: string) => string | undefined): string {
  for (const name of ['TIMEZONE', 'NOTIFY_TIMEZONE']) {
    const raw = lookup(name)?.trim();
    if (!raw) continue;
    if (!isKnownTimeZone(raw))
      throw new ConfigError(
        `${name}="${raw}" is not a known time zone; ` +
          'use an IANA name such as Asia/Shanghai or Europe/Berlin (default UTC)',
      );
    return raw;
  }
  return DEFAULT_TIME_ZONE;
}

interface Parts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  offset: string;
}

/** One formatter per zone: building one costs far more than using it (a run formats thousands of times). */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'shortOffset',
    });
    formatters.set(zone, format);
  }
  return format;
}

function parts(date: Date, zone: string): Parts {
  const format = formatterFor(zone);
  const found: Record<string, string> = {};
  for (const part of format.formatToParts(date)) found[part.type] = part.value;
  // "GMT", "GMT+8", "GMT-3:30" → "UTC", "UTC+8", "UTC−3:30"
  const offset = (found.timeZoneName ?? 'GMT')
    .replace(/^GMT/, 'UTC')
    .replace(/^UTC[+-]0$/, 'UTC')
    .replace('-', '−');
  return { year: found.year!, month: found.month!, day: found.day!, hour: found.hour!, minute: found.minute!, offset };
}

function toDate(time: number | Date | string): Date {
  if (time instanceof Date) return time;
  if (typeof time === 'string') return new Date(time);
  return new Date(time * 1000);
}

/** "2026-11-01 15:00 UTC+8": epoch seconds, a Date or an ISO string, in `zone`, labelled. */
export function formatLocalTime(time: number | Date | string, zone: string = DEFAULT_TIME_ZONE): string {
  const date = toDate(time);
  if (Number.isNaN(date.getTime())) return String(time);
  const p = parts(date, zone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${p.offset}`;
}

/** "2026-11-01 15:00" in `zone`, for tables whose heading names the zone. */
export function formatLocalClock(time: number | Date | string, zone: string = DEFAULT_TIME_ZONE): string {
  const date = toDate(time);
  if (Number.isNaN(date.getTime())) return String(time);
  const p = parts(date, zone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** "2026-11-01 (UTC+8)": the day only, labelled. */
export function formatLocalDate(time: number | Date | string, zone: string = DEFAULT_TIME_ZONE): string {
  const date = toDate(time);
  if (Number.isNaN(date.getTime())) return String(time);
  const p = parts(date, zone);
  return `${p.year}-${p.month}-${p.day} (${p.offset})`;
}
