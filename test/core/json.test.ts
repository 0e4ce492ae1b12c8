import { describe, expect, it } from 'vitest';
import { jsonObject } from '../../src/core/json.ts';

describe('jsonObject', () => {
  it.each([
    ['{"a":1}', { a: 1 }],
    ['  {"nested":{"b":[1]}} ', { nested: { b: [1] } }],
    ['[1,2]', undefined],
    ['null', undefined],
    ['"text"', undefined],
    ['42', undefined],
    ['{"a":', undefined],
    ['', undefined],
    [undefined, undefined],
    [null, undefined],
  ] as const)('%j → %j', (text, expected) => {
    expect(jsonObject(text)).toEqual(expected);
  });
});
