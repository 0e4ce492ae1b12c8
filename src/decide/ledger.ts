import type { PlatformId } from '../core/activity.ts';

/**
 * The transfer ledger as one state machine: one entry per (source record, target platform).
 *
 *   planned → sending (written just before the request leaves)
 *   sending → created | duplicate | rejected | pending | failed     (the target answered)
 *   sending → sending (answer lost: reconciled against the target on the next run)
 *   pending → pending (a failed check keeps its ticket) | created | duplicate | rejected
 *   sending | failed | pending → created | duplicate (found on the target by reconciliation)
 *   sending → failed (reconciliation: the target does not have it, retry allowed)
 *
 * An attempt counts only when a request reached the target or the target refused it: a run killed
 * with work queued costs those workouts nothing.
 */
export type LedgerState = 'planned' | 'sending' | 'created' | 'duplicate' | 'rejected' | 'pending' | 'failed';

/** A ledger row as the planner needs it (plain data; the store's row adds what only persistence needs). */
export interface LedgerRowView {
  readonly sourcePlatform: PlatformId;
  readonly sourceId: string;
  readonly targetPlatform: PlatformId;
  readonly outcome: LedgerState;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly targetId: string | null;
  readonly ticket: string | null;
  readonly updatedAt: string;
}

export interface LedgerEntry {
  readonly state: LedgerState;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly targetId: string | null;
  readonly ticket: string | null;
  readonly fitSha256: string | null;
}

export type LedgerEvent =
  | { readonly type: 'send'; readonly fitSha256: string }
  | { readonly type: 'created'; readonly targetId: string | null }
  | { readonly type: 'duplicate'; readonly existingId: string | null }
  | { readonly type: 'rejected'; readonly message: string }
  | { readonly type: 'pending'; readonly ticket: string; readonly message: string }
  /** The request failed; `reached` when the target answered (an HTTP status) or may have received it. */
  | { readonly type: 'failed'; readonly message: string; readonly reached: boolean }
  /** The answer to a sent upload was lost (dropped connection, time-out after sending). */
  | { readonly type: 'lost'; readonly message: string }
  /** Checking a pending upload failed; the ticket stays for the next run. */
  | { readonly type: 'check-failed'; readonly message: string }
  /** Reconciliation found the upload on the target. */
  | { readonly type: 'found'; readonly targetId: string }
  /** Reconciliation: a listing that covers the start time does not hold it. */
  | { readonly type: 'not-found' };

export class LedgerTransitionError extends Error {
  override readonly name = 'LedgerTransitionError';
}

export const EMPTY_ENTRY: LedgerEntry = {
  state: 'planned',
  attempts: 0,
  lastError: null,
  targetId: null,
  ticket: null,
  fitSha256: null,
};

const SENDABLE: ReadonlySet<LedgerState> = new Set(['planned', 'failed', 'sending']);
const ANSWERABLE: ReadonlySet<LedgerState> = new Set(['sending', 'pending']);
const FINDABLE: ReadonlySet<LedgerState> = new Set(['sending', 'failed', 'pending', 'created', 'duplicate']);

function require(entry: LedgerEntry, allowed: ReadonlySet<LedgerState>, event: LedgerEvent): void {
  if (!allowed.has(entry.state))
    throw new LedgerTransitionError(
      `ledger: '${event.type}' is not allowed from '${entry.state}' (a bug: please report it)`,
    );
}

/** The next ledger entry after an event. Pure; an impossible transition is a bug and throws. */
export function transition(current: LedgerEntry | null, event: LedgerEvent): LedgerEntry {
  const entry = current ?? EMPTY_ENTRY;
  const counted = entry.state === 'sending' ? entry.attempts + 1 : entry.attempts;
  switch (event.type) {
    case 'send':
      require(entry, SENDABLE, event);
      return { ...entry, state: 'sending', fitSha256: event.fitSha256, ticket: null };
    case 'created':
      require(entry, ANSWERABLE, event);
      return { ...entry, state: 'created', attempts: counted, targetId: event.targetId, ticket: null, lastError: null };
    case 'duplicate':
      require(entry, ANSWERABLE, event);
      return {
        ...entry,
        state: 'duplicate',
        attempts: counted,
        targetId: event.existingId ?? entry.targetId,
        ticket: null,
        lastError: null,
      };
    case 'rejected':
      require(entry, ANSWERABLE, event);
      return { ...entry, state: 'rejected', attempts: counted, lastError: event.message, ticket: null };
    case 'pending':
      require(entry, new Set(['sending', 'pending']), event);
      return { ...entry, state: 'pending', attempts: counted, ticket: event.ticket, lastError: event.message };
    case 'failed':
      require(entry, new Set(['sending']), event);
      return {
        ...entry,
        state: 'failed',
        attempts: event.reached ? entry.attempts + 1 : entry.attempts,
        lastError: event.message,
      };
    case 'lost':
      require(entry, new Set(['sending']), event);
      // Stays 'sending': the next run asks the target before anything is sent again (and counts it then).
      return { ...entry, lastError: event.message };
    case 'check-failed':
      require(entry, new Set(['pending']), event);
      return { ...entry, lastError: event.message };
    case 'found':
      require(entry, FINDABLE, event);
      return {
        ...entry,
        state: entry.state === 'duplicate' ? 'duplicate' : 'created',
        targetId: event.targetId,
        ticket: null,
        lastError: null,
      };
    case 'not-found':
      require(entry, new Set(['sending']), event);
      // The request may have reached the target before the answer was lost or the run died.
      return {
        ...entry,
        state: 'failed',
        attempts: entry.attempts + 1,
        lastError: entry.lastError ?? 'interrupted before the target answered; not found there',
      };
  }
}

/** Delivered: the target has (or had) this workout; never upload it there again. */
export function isDelivered(entry: LedgerEntry): boolean {
  return entry.state === 'created' || entry.state === 'duplicate';
}

/** The ledger cannot tell whether the target holds it until a listing is checked. */
export function needsReconcile(entry: LedgerEntry): boolean {
  return entry.state === 'sending' || (isDelivered(entry) && entry.targetId === null);
}
