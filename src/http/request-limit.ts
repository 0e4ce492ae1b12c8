import { AsyncLocalStorage } from 'node:async_hooks';
import type { FetchFunction } from './http-client.ts';

/** The priority of the requests made inside `withRequestPriority` (lower goes first). */
const requestPriority = new AsyncLocalStorage<number>();

/** Requests outside any job (sign-in, listing, a token refresh every job waits for) go first. */
const OUTSIDE_JOBS = -1;

/**
 * Runs `body` with its requests queued at `priority`: the executor numbers its jobs, so a job
 * started earlier finishes its next request before a later job starts its first. Without it a
 * full pool's first requests would queue ahead of every follow-up (a status check behind a dozen
 * uploads), jobs would finish late, and the source would sit idle waiting for free jobs.
 */
export function withRequestPriority<T>(priority: number, body: () => Promise<T>): Promise<T> {
  return requestPriority.run(priority, body);
}

interface Waiter {
  readonly priority: number;
  readonly order: number;
  readonly wake: () => void;
}

/** A counting semaphore: at most `limit` holders at once; waiters by priority, then arrival. */
export class Semaphore {
  private available: number;
  private readonly waiting: Waiter[] = [];
  private arrivals = 0;

  constructor(limit: number) {
    this.available = limit;
  }

  /** A holder would start at once (a free slot, nobody waiting). */
  idle(): boolean {
    return this.available > 0;
  }

  async run<T>(body: () => Promise<T>, priority = requestPriority.getStore() ?? OUTSIDE_JOBS): Promise<T> {
    if (this.available > 0) this.available--;
    else await new Promise<void>((wake) => this.enqueue({ priority, order: this.arrivals++, wake }));
    try {
      return await body();
    } finally {
      const next = this.waiting.shift();
      if (next) next.wake();
      else this.available++;
    }
  }

  private enqueue(waiter: Waiter): void {
    let low = 0;
    let high = this.waiting.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      const other = this.waiting[middle]!;
      if (other.priority < waiter.priority || (other.priority === waiter.priority && other.order < waiter.order))
        low = middle + 1;
      else high = middle;
    }
    this.waiting.splice(low, 0, waiter);
  }
}

/**
 * A fetch that holds one of `limit` slots per request, from sending until the answer's headers
 * arrive: it limits requests, not the waits between them (a poll interval holds no slot).
 */
export function limitRequests(fetch: FetchFunction, limit: number): LimitedFetch {
  const slots = new Semaphore(limit);
  const limited: FetchFunction = (input, init) => slots.run(() => fetch(input, init));
  return Object.assign(limited, { idle: () => slots.idle() });
}

/** A limited fetch that also says whether a request would start at once. */
export type LimitedFetch = FetchFunction & { readonly idle: () => boolean };
