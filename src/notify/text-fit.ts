/**
 * Fitting text into a channel's size limit. WeCom and DingTalk count UTF-8 bytes (one CJK character
 * is 3 bytes); Telegram, Discord and Slack count characters (UTF-16 code units is the conservative
 * reading). Cuts only ever fall between grapheme clusters, so no character (nor an emoji sequence)
 * is split and the result is always valid UTF-8.
 */

export type SizeUnit = 'utf8-bytes' | 'utf16-units';

export interface SizeBudget {
  readonly unit: SizeUnit;
  readonly max: number;
}

const encoder = new TextEncoder();
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export const ELLIPSIS = '…';

export function utf8ByteLength(text: string): number {
  return encoder.encode(text).byteLength;
}

export function measure(text: string, unit: SizeUnit): number {
  return unit === 'utf8-bytes' ? utf8ByteLength(text) : text.length;
}

export function fits(text: string, budget: SizeBudget): boolean {
  return measure(text, budget.unit) <= budget.max;
}

/** The longest prefix of `text` that fits `max` units, cut between grapheme clusters. */
function prefixWithin(text: string, unit: SizeUnit, max: number): string {
  if (max <= 0) return '';
  if (measure(text, unit) <= max) return text;
  let used = 0;
  let end = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    const size = measure(segment, unit);
    if (used + size > max) break;
    used += size;
    end = index + segment.length;
  }
  return text.slice(0, end);
}

/** `text` cut to fit the budget, with `marker` appended when something was cut. */
export function truncateToFit(text: string, budget: SizeBudget, marker: string = ELLIPSIS): string {
  if (fits(text, budget)) return text;
  const room = budget.max - measure(marker, budget.unit);
  if (room <= 0) return prefixWithin(marker, budget.unit, budget.max);
  return prefixWithin(text, budget.unit, room).trimEnd() + marker;
}

export function truncateUtf8(text: string, maxBytes: number, marker: string = ELLIPSIS): string {
  return truncateToFit(text, { unit: 'utf8-bytes', max: maxBytes }, marker);
}

export function truncateChars(text: string, maxUnits: number, marker: string = ELLIPSIS): string {
  return truncateToFit(text, { unit: 'utf16-units', max: maxUnits }, marker);
}

export interface PackOptions {
  /** Most parts (messages) to produce; what does not fit is summarised by `overflowLine`. */
  readonly maxParts: number;
  /** Line that replaces what had to be dropped, given the number of dropped lines. */
  readonly overflowLine: (droppedLines: number) => string;
  /** Prefix of every part when there is more than one, e.g. "(2/3) ". Its size is reserved up front. */
  readonly partLabel?: (index: number, total: number) => string;
}

/**
 * Packs whole lines into at most `maxParts` texts that each fit the budget. Lines are never split
 * across parts; a single line longer than a part is truncated. When everything does not fit,
 * the tail is dropped and replaced by the overflow line, so the reader learns that more exists.
 */
export function packLines(lines: readonly string[], budget: SizeBudget, options: PackOptions): string[] {
  const maxParts = Math.max(1, options.maxParts);
  const labelRoom = options.partLabel ? measure(options.partLabel(maxParts, maxParts), budget.unit) : 0;
  const single = lines.join('\n');
  if (fits(single, budget)) return [single];

  const partBudget: SizeBudget = { unit: budget.unit, max: budget.max - labelRoom };
  const parts: string[][] = [];
  let current: string[] = [];
  let currentSize = 0;
  let consumed = 0;
  let overflowed = false;
  for (const [index, rawLine] of lines.entries()) {
    const line = truncateToFit(rawLine, partBudget);
    const size = measure(line, budget.unit) + (current.length > 0 ? 1 : 0);
    if (currentSize + size <= partBudget.max) {
      current.push(line);
      currentSize += size;
      consumed = index + 1;
      continue;
    }
    if (parts.length + 1 >= maxParts) {
      // The very last line may be shown cut rather than replaced by an overflow line of similar size.
      const room = partBudget.max - currentSize - (current.length > 0 ? 1 : 0);
      if (index === lines.length - 1 && room >= 16) {
        current.push(truncateToFit(line, { unit: budget.unit, max: room }));
        consumed = index + 1;
        break;
      }
      overflowed = true;
      break;
    }
    parts.push(current);
    current = [line];
    currentSize = measure(line, budget.unit);
    consumed = index + 1;
  }
  if (current.length > 0) parts.push(current);

  if (overflowed) {
    const last = parts[parts.length - 1] ?? [];
    // Make room for the overflow line by dropping more lines from the end of the last part.
    for (;;) {
      const dropped = lines.length - consumed;
      const overflow = truncateToFit(options.overflowLine(dropped), partBudget);
      const candidate = [...last, overflow].join('\n');
      if (fits(candidate, partBudget) || last.length === 0) {
        last.push(overflow);
        break;
      }
      last.pop();
      consumed -= 1;
    }
    parts[parts.length - 1] = last;
  }

  const total = parts.length;
  return parts.map((part, index) => {
    const text = part.join('\n');
    return total > 1 && options.partLabel ? options.partLabel(index + 1, total) + text : text;
  });
}
