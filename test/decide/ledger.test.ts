import { describe, expect, it } from 'vitest';
import {
  EMPTY_ENTRY,
  isDelivered,
  LedgerTransitionError,
  needsReconcile,
  transition,
  type LedgerEntry,
  type LedgerEvent,
  type LedgerState,
} from '../../src/decide/ledger.ts';

const entry = (state: LedgerState, fields: Partial<LedgerEntry> = {}): LedgerEntry => ({
  ...EMPTY_ENTRY,
  state,
  fitSha256: 'abc',
  ...fields,
});
const send: LedgerEvent = { type: 'send', fitSha256: 'abc' };

/** A test name, the entry before, the event, and what the entry after must hold. */
type Transition = [string, LedgerEntry | null, LedgerEvent, Partial<LedgerEntry>];

describe('ledger transitions', () => {
  /** Each answer to the first send of an entry (`sending`, no attempt counted yet). */
  const answersToFirstSend: Array<[string, LedgerEvent, Partial<LedgerEntry>]> = [
    [
      'created counts the attempt and keeps the id',
      { type: 'created', targetId: '42' },
      { state: 'created', attempts: 1, targetId: '42' },
    ],
    [
      'rejected counts and says why',
      { type: 'rejected', message: '415' },
      { state: 'rejected', attempts: 1, lastError: '415' },
    ],
    [
      'pending keeps the ticket',
      { type: 'pending', ticket: 't-1', message: 'processing' },
      { state: 'pending', attempts: 1, ticket: 't-1' },
    ],
    ['an answered failure counts', { type: 'failed', message: '503', reached: true }, { state: 'failed', attempts: 1 }],
    [
      'a refused connection does not count',
      { type: 'failed', message: 'ECONNREFUSED', reached: false },
      { state: 'failed', attempts: 0 },
    ],
    [
      'a lost answer stays sending, to be reconciled',
      { type: 'lost', message: 'socket hang up' },
      { state: 'sending', attempts: 0, lastError: 'socket hang up' },
    ],
    [
      'reconciliation: not on the target, counts once, may be resent',
      { type: 'not-found' },
      { state: 'failed', attempts: 1 },
    ],
  ];
  const table: Transition[] = [
    [
      'a new transfer is sending before the request leaves, no attempt yet',
      null,
      send,
      { state: 'sending', attempts: 0 },
    ],
    [
      'duplicate keeps the existing id',
      entry('sending', { attempts: 1 }),
      { type: 'duplicate', existingId: '7' },
      { state: 'duplicate', attempts: 2, targetId: '7' },
    ],
    [
      'a failed check keeps the ticket',
      entry('pending', { ticket: 't-1', attempts: 1 }),
      { type: 'check-failed', message: 'timeout' },
      { state: 'pending', ticket: 't-1', attempts: 1 },
    ],
    [
      'a check that finds it created does not count again',
      entry('pending', { ticket: 't-1', attempts: 1 }),
      { type: 'created', targetId: '9' },
      { state: 'created', attempts: 1, ticket: null },
    ],
    [
      'still pending after a check: no new attempt',
      entry('pending', { ticket: 't-1', attempts: 1 }),
      { type: 'pending', ticket: 't-1', message: 'still' },
      { state: 'pending', attempts: 1 },
    ],
    [
      'reconciliation finds an interrupted upload',
      entry('sending', { attempts: 0 }),
      { type: 'found', targetId: '11' },
      { state: 'created', targetId: '11' },
    ],
    [
      'reconciliation fills the id of a duplicate',
      entry('duplicate', { targetId: null }),
      { type: 'found', targetId: '12' },
      { state: 'duplicate', targetId: '12' },
    ],
    ['a retry after a failure', entry('failed', { attempts: 1 }), send, { state: 'sending', attempts: 1 }],
    ...answersToFirstSend.map(([name, event, expected]): Transition => [name, entry('sending'), event, expected]),
  ];
  it.each(table)('%s', (_name, current, event, expected) => {
    expect(transition(current, event)).toMatchObject(expected);
  });

  const refused: Array<[LedgerState, LedgerEvent]> = [
    ['created', send],
    ['rejected', send],
    ['pending', send],
    ['created', { type: 'failed', message: 'x', reached: true }],
    ['planned', { type: 'created', targetId: '1' }],
    ['failed', { type: 'not-found' }],
    ['sending', { type: 'check-failed', message: 'x' }],
    ['rejected', { type: 'found', targetId: '1' }],
  ];
  it.each(refused)('refuses %s + %o as a bug', (state, event) => {
    expect(() => transition(entry(state), event)).toThrow(LedgerTransitionError);
  });

  it('says which entries are delivered and which wait for a listing', () => {
    expect(isDelivered(entry('created', { targetId: '1' }))).toBe(true);
    expect(isDelivered(entry('pending'))).toBe(false);
    expect(needsReconcile(entry('sending'))).toBe(true);
    expect(needsReconcile(entry('duplicate', { targetId: null }))).toBe(true);
    expect(needsReconcile(entry('created', { targetId: '1' }))).toBe(false);
    expect(needsReconcile(entry('failed'))).toBe(false);
  });
});
