/** A COROS import job as the import list shows it (§7.7). */
export interface ImportJob {
  readonly id: string;
  readonly md5: string;
  readonly status: number;
  readonly finishSize: number;
  readonly errorSize: number;
  readonly createTimeMs: number | undefined;
}

export type JobState = 'done' | 'processing' | 'rejected';

export function jobState(job: ImportJob): JobState {
  if (job.status < 0) return 'rejected';
  if (job.errorSize > 0 && job.finishSize === 0) return 'rejected';
  if (job.status === 2) return 'done';
  return 'processing';
}

/** The web app's size, and the wider one for a job that is not among the newest (§7.7). */
export const IMPORT_LIST_SIZE = 10;
export const IMPORT_LIST_WIDE_SIZE = 50;

export interface ImportPollerOptions {
  /** One read of the import list, newest first. */
  readonly readJobs: (size: number) => Promise<readonly ImportJob[]>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** The first pause, and the one after a read that found a job finished. */
  readonly firstIntervalMs: number;
  /** The longest pause: it doubles up to this while every job is still processing. */
  readonly maxIntervalMs: number;
  /** How long one job is waited for. */
  readonly timeoutMs: number;
}

/** How a wait ended: the job as last seen, and whether the list still showed it. */
export interface ImportWait {
  readonly job: ImportJob;
  readonly listed: boolean;
}

interface Waiter {
  readonly id: string;
  readonly md5: string;
  readonly deadline: number;
  latest: ImportJob;
  /** Not among the ten newest: read fifty. */
  needsWide: boolean;
  /** Reads of fifty that did not show it. */
  missedWide: number;
  readonly resolve: (wait: ImportWait) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Waits for import jobs with one shared read of the import list per round, however many uploads
 * wait: a backfill's parallel imports would otherwise each poll, and push one another's jobs off the
 * list's ten newest entries. A job not among the ten is looked for among fifty; one not even there
 * twice is handed back as unlisted (the caller looks for the activity by its start time instead).
 */
export class ImportPoller {
  private readonly options: ImportPollerOptions;
  private readonly waiters = new Set<Waiter>();
  private running = false;
  private intervalMs: number;

  constructor(options: ImportPollerOptions) {
    this.options = options;
    this.intervalMs = options.firstIntervalMs;
  }

  wait(job: ImportJob, md5: string): Promise<ImportWait> {
    return new Promise<ImportWait>((resolve, reject) => {
      const deadline = this.options.now() + this.options.timeoutMs;
      this.waiters.add({ id: job.id, md5, deadline, latest: job, needsWide: false, missedWide: 0, resolve, reject });
      if (!this.running) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    this.intervalMs = this.options.firstIntervalMs;
    try {
      while (this.waiters.size > 0) {
        await this.options.sleep(this.intervalMs);
        await this.round();
      }
    } finally {
      this.running = false;
    }
  }

  private async round(): Promise<void> {
    const waiting = [...this.waiters];
    const wide = waiting.length > IMPORT_LIST_SIZE - 2 || waiting.some((waiter) => waiter.needsWide);
    let jobs: readonly ImportJob[];
    try {
      jobs = await this.options.readJobs(wide ? IMPORT_LIST_WIDE_SIZE : IMPORT_LIST_SIZE);
    } catch (error) {
      for (const waiter of waiting) this.settle(waiter, () => waiter.reject(error));
      return;
    }
    let finished = 0;
    for (const waiter of waiting) {
      const found = jobs.find((job) => job.id === waiter.id) ?? jobs.find((job) => job.md5 === waiter.md5);
      if (found) waiter.latest = found;
      if (found && jobState(found) !== 'processing') {
        finished++;
        this.settle(waiter, () => waiter.resolve({ job: found, listed: true }));
      } else if (!found) {
        // Not among the ten: look among fifty next round; not among fifty twice: stop looking for it there.
        if (!wide) waiter.needsWide = true;
        else if (++waiter.missedWide >= 2)
          this.settle(waiter, () => waiter.resolve({ job: waiter.latest, listed: false }));
      }
      if (this.waiters.has(waiter) && this.options.now() >= waiter.deadline)
        this.settle(waiter, () => waiter.resolve({ job: waiter.latest, listed: found !== undefined }));
    }
    this.intervalMs =
      finished > 0 ? this.options.firstIntervalMs : Math.min(this.intervalMs * 2, this.options.maxIntervalMs);
  }

  private settle(waiter: Waiter, answer: () => void): void {
    this.waiters.delete(waiter);
    answer();
  }
}
