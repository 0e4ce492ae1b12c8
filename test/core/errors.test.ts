import { describe, expect, it } from 'vitest';
import {
  AuthError,
  BUG_REPORT_HINT,
  ConfigError,
  errorKind,
  RejectedError,
  RetryableError,
  SyncError,
} from '../../src/core/errors.ts';
import { nextStepFor } from '../../src/decide/next-step.ts';

describe('errorKind names what the caller must do', () => {
  it.each([
    [new ConfigError('x'), 'config'],
    [new AuthError('x'), 'auth'],
    [new RetryableError('x'), 'retryable'],
    [new RejectedError('x'), 'rejected'],
    [new TypeError("Cannot read properties of undefined (reading 'id')"), 'bug'],
    ['a thrown string', 'bug'],
    [undefined, 'bug'],
    // Only our own classes carry a kind: a look-alike object is still a bug, never "temporary".
    [{ name: 'RetryableError', kind: 'retryable', message: 'x' }, 'bug'],
  ] as const)('%s → %s', (error, kind) => {
    expect(errorKind(error)).toBe(kind);
  });

  it.each([
    ['ConfigError', ConfigError, 'config'],
    ['AuthError', AuthError, 'auth'],
    ['RetryableError', RetryableError, 'retryable'],
    ['RejectedError', RejectedError, 'rejected'],
  ] as const)('%s keeps its name, kind and details', (name, ErrorClass, kind) => {
    const error = new ErrorClass('went wrong', { status: 418, hint: 'do this' });
    expect(error).toBeInstanceOf(SyncError);
    expect(error).toBeInstanceOf(ErrorClass);
    expect([error.name, error.kind, error.status, error.hint]).toEqual([name, kind, 418, 'do this']);
    expect(String(error)).toBe(`${name}: went wrong`);
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
