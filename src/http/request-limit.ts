import type { FetchFunction } from './http-client.ts';

/** A counting semaphore: at most `limit` holders at once. */
export class Semaphore {
  private available: number;
  private readonly waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.available = limit;
  }

  async run<T>(body: () => Promise<T>): Promise<T> {
    if (this.available > 0) this.available--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await body();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.available++;
    }
  }
}

/**
 * A fetch that holds one of `limit` slots per request, from sending until the answer's headers
 * arrive: it limits requests, not the waits between them (a poll interval holds no slot).
 */
export function limitRequests(fetch: FetchFunction, limit: number): FetchFunction {
  const slots = new Semaphore(limit);
  return (input, init) => slots.run(() => fetch(input, init));
}
