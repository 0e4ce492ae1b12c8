import { describe, expect, it } from 'vitest';
import {
  AuthError,
  BUG_REPORT_HINT,
  ConfigError,
  errorKind,
  RejectedError,
  RetryableError,
} from '../../src/core/errors.ts';
import { nextStepFor } from '../../src/engine/next-step.ts';

describe('errorKind names what the caller must do', () => {
  it.each([
    [new ConfigError('x'), 'config'],
    [new AuthError('x'), 'auth'],
    [new RetryableError('x'), 'retryable'],
    [new RejectedError('x'), 'rejected'],
    [new TypeError("Cannot read properties of undefined (reading 'id')"), 'bug'],
    ['a thrown string', 'bug'],
    [undefined, 'bug'],
  ] as const)('%s → %s', (error, kind) => {
    expect(errorKind(error)).toBe(kind);
  });

  it('a programming error never reads as a temporary problem: the next step asks for a report', () => {
    const step = nextStepFor(
      errorKind(new TypeError('x is not a function')),
      'coros',
      new TypeError('x is not a function'),
    );
    expect(step).toBe(BUG_REPORT_HINT);
    expect(step).not.toMatch(/temporary|retries/);
  });
});
