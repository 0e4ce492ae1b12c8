/**
 * Progress of a long run, for people. On a terminal one live line per phase is redrawn
 * ("Uploads 12/300 · about 4 min left"); without one, a plain line every 10 % or 30 s, so a
 * 300-upload backfill logs a few dozen lines, not hundreds.
 *
 * The engine calls: progress.phase('Uploads', total) when a phase starts (total undefined when
 * unknown, e.g. listing pages), progress.tick() per finished item (or page), progress.done() at the end.
 */
export interface Progress {
  /** Starts a phase; ends the previous one. `total` undefined: count only ("Listing Garmin COM: 3 pages"). */
  phase(name: string, total?: number, unit?: string): void;
  /** `count` more items of the current phase are finished (default 1). */
  tick(count?: number): void;
  /** Ends the current phase (its last state stays visible). */
  done(): void;
}

export interface ProgressOptions {
  /** A full line (newline added by the writer). */
  readonly write: (line: string) => void;
  /** Present on a terminal: redraws the live line (the text replaces what is on the line). */
  readonly live?: ((text: string) => void) | undefined;
  /** Milliseconds since the epoch (tests move the clock). */
  readonly now?: () => number;
  /** Without a terminal: at most one line per this many ms unless 10 % more is done (default 30 s). */
  readonly intervalMs?: number;
}

/** "about 4 min left" from the pace so far; undefined before there is a pace. */
export function etaText(done: number, total: number, elapsedMs: number): string | undefined {
  if (done <= 0 || done >= total || elapsedMs <= 0) return undefined;
  const leftSec = Math.round(((total - done) * elapsedMs) / done / 1000);
  if (leftSec < 60) return `about ${Math.max(1, leftSec)} s left`;
  if (leftSec < 3600) return `about ${Math.round(leftSec / 60)} min left`;
  return `about ${(leftSec / 3600).toFixed(1)} h left`;
}

/** The words of one progress state. */
export function progressText(
  name: string,
  done: number,
  total: number | undefined,
  unit: string | undefined,
  elapsedMs: number,
): string {
  if (total === undefined) return `${name}: ${done} ${unit ?? 'done'}`;
  const eta = etaText(done, total, elapsedMs);
  return `${name} ${done}/${total}${eta ? ` · ${eta}` : ''}`;
}

export function createProgress(options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 30_000;
  let current:
    | {
        name: string;
        total: number | undefined;
        unit: string | undefined;
        done: number;
        startedAt: number;
        lastLineAt: number;
        lastLineDone: number;
      }
    | undefined;
  let liveShown = false;

  const text = () =>
    current ? progressText(current.name, current.done, current.total, current.unit, now() - current.startedAt) : '';
  const finish = () => {
    if (!current) return;
    if (options.live) {
      options.live(text());
      options.write('');
      liveShown = false;
    } else if (current.lastLineDone !== current.done) {
      options.write(text());
    }
    current = undefined;
  };

  return {
    phase(name, total, unit) {
      finish();
      const at = now();
      current = { name, total, unit, done: 0, startedAt: at, lastLineAt: at, lastLineDone: -1 };
      if (options.live) {
        options.live(text());
        liveShown = true;
      } else {
        options.write(text());
        current.lastLineDone = 0;
      }
    },
    tick(count = 1) {
      if (!current) return;
      current.done += count;
      if (options.live) {
        options.live(text());
        liveShown = true;
        return;
      }
      const at = now();
      const step = current.total ? Math.max(1, Math.ceil(current.total / 10)) : Number.POSITIVE_INFINITY;
      const crossedTenth =
        current.total !== undefined && Math.floor(current.done / step) > Math.floor(current.lastLineDone / step);
      const finished = current.total !== undefined && current.done >= current.total;
      if (crossedTenth || finished || at - current.lastLineAt >= intervalMs) {
        options.write(text());
        current.lastLineAt = at;
        current.lastLineDone = current.done;
      }
    },
    done() {
      finish();
      if (liveShown && options.live) options.write('');
      liveShown = false;
    },
  };
}
