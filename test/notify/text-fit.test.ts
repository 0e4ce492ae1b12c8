import { describe, expect, it } from 'vitest';
import { packLines, truncateChars, truncateUtf8, utf8ByteLength } from '../../src/notify/text-fit.ts';

const decodeStrict = new TextDecoder('utf-8', { fatal: true });

function assertValidUtf8(text: string): void {
  // A lone surrogate would encode as U+FFFD; a strict decode round trip proves nothing was cut mid-character.
  expect(decodeStrict.decode(new TextEncoder().encode(text))).toBe(text);
  expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)).toBe(false);
}

describe('truncateUtf8', () => {
  it('keeps text that fits untouched', () => {
    expect(truncateUtf8('同步完成', 12)).toBe('同步完成');
  });

  it('cuts CJK text on a character boundary within the byte limit, marking the cut', () => {
    const text = '佳明到高驰同步完成'.repeat(500); // 27 bytes per repeat
    for (const limit of [4096, 4095, 4094, 2048, 2047, 100, 4]) {
      const cut = truncateUtf8(text, limit);
      expect(utf8ByteLength(cut)).toBeLessThanOrEqual(limit);
      expect(utf8ByteLength(cut)).toBeGreaterThan(limit - 6); // at most one CJK char plus the marker's slack lost
      expect(cut.endsWith('…')).toBe(true);
      assertValidUtf8(cut);
    }
  });

  it('never splits an emoji sequence (surrogate pairs, ZWJ sequences, skin tones)', () => {
    const text = 'a' + '🏃‍♀️🏽'.repeat(100);
    for (let limit = 4; limit < 60; limit++) {
      const cut = truncateUtf8(text, limit);
      expect(utf8ByteLength(cut)).toBeLessThanOrEqual(limit);
      assertValidUtf8(cut);
      const body = cut.slice(1, -1);
      expect(body.replaceAll('🏃‍♀️🏽', '')).toBe('');
    }
  });
});

describe('truncateChars', () => {
  it('counts UTF-16 units and never leaves half a surrogate pair', () => {
    const text = '😀'.repeat(50);
    const cut = truncateChars(text, 10);
    expect(cut.length).toBeLessThanOrEqual(10);
    assertValidUtf8(cut);
    expect(cut).toBe('😀😀😀😀…');
  });
});

describe('packLines', () => {
  const overflowLine = (dropped: number): string => `… ${dropped} more`;

  it('returns the joined text when it fits', () => {
    expect(packLines(['a', 'b'], { unit: 'utf8-bytes', max: 10 }, { maxParts: 3, overflowLine })).toEqual(['a\nb']);
  });

  it('splits whole lines into parts that each fit, labelled, without losing a line', () => {
    const lines = Array.from({ length: 60 }, (_, index) => `第${index}行：高驰上传成功`);
    const parts = packLines(
      lines,
      { unit: 'utf8-bytes', max: 400 },
      { maxParts: 10, overflowLine, partLabel: (i, n) => `(${i}/${n})\n` },
    );
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(utf8ByteLength(part)).toBeLessThanOrEqual(400);
      assertValidUtf8(part);
    }
    expect(parts[0]?.startsWith(`(1/${parts.length})\n`)).toBe(true);
    const rejoined = parts.map((part) => part.split('\n').slice(1)).flat();
    expect(rejoined).toEqual(lines);
  });

  it('summarises what does not fit into maxParts with an overflow line that counts the dropped lines', () => {
    const lines = Array.from({ length: 200 }, (_, index) => `记录 ${index} 失败：文件无法解析`);
    const parts = packLines(
      lines,
      { unit: 'utf8-bytes', max: 300 },
      { maxParts: 2, overflowLine, partLabel: (i, n) => `(${i}/${n})\n` },
    );
    expect(parts).toHaveLength(2);
    for (const part of parts) expect(utf8ByteLength(part)).toBeLessThanOrEqual(300);
    const last = parts[1]?.split('\n') ?? [];
    const overflow = last[last.length - 1] ?? '';
    const shown = parts.map((part) => part.split('\n').slice(1)).flat().length - 1;
    expect(overflow).toBe(`… ${200 - shown} more`);
  });

  it('truncates a single line longer than a part instead of dropping it', () => {
    const parts = packLines(['短', '长'.repeat(1000)], { unit: 'utf8-bytes', max: 100 }, { maxParts: 1, overflowLine });
    expect(parts).toHaveLength(1);
    expect(utf8ByteLength(parts[0] ?? '')).toBeLessThanOrEqual(100);
    expect(parts[0]?.startsWith('短\n长')).toBe(true);
  });
});
