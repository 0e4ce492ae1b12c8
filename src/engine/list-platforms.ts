import { PLATFORM_LABELS, type Activity, type PlatformId } from '../core/activity.ts';
import type { SyncConfig } from '../config/config.ts';
import { describeError, errorKind } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Progress } from '../core/progress.ts';
import { redact } from '../core/secrets.ts';
import type { Platform } from '../platforms/platform.ts';
import {
  collectListing,
  dayNumber,
  decideListing,
  goneFromUtc,
  nextListingState,
  type ListingResult,
} from '../decide/listing.ts';
import { validateListing } from '../decide/listing-validate.ts';
import { nextStepFor } from '../decide/next-step.ts';
import type { PlatformSummary } from '../decide/report-types.ts';
import type { SyncStore } from './sync-store.ts';

export interface PlatformRun {
  readonly id: PlatformId;
  platform: Platform | null;
  available: boolean;
  listed: number;
  error?: PlatformSummary['error'];
  credentialExpiry?: string;
}

export interface ListStepOptions {
  readonly config: SyncConfig;
  readonly store: SyncStore;
  readonly runId: number;
  readonly log: Logger;
  readonly createPlatform: (id: PlatformId) => Platform;
  /**
   * Platforms to list in full this run (an interrupted upload waits for their answer), each back
   * to at least the start of the oldest such workout, even beyond GARMIN_NEWEST_NUM.
   */
  readonly forceFull: ReadonlyMap<PlatformId, number>;
  readonly nowMs: number;
  /** One tick per listed page (the CLI's live line). */
  readonly progress?: Progress;
}

export interface ListStepResult {
  readonly runs: ReadonlyMap<PlatformId, PlatformRun>;
  /** Platforms listed in full (to the end or to GARMIN_NEWEST_NUM) this run. */
  readonly fullyListed: ReadonlySet<PlatformId>;
  readonly warnings: readonly string[];
}

/** Connects and lists every platform in parallel; a failing platform does not stop the others. */
export async function listPlatforms(options: ListStepOptions): Promise<ListStepResult> {
  options.progress?.phase('Listing', undefined, 'pages');
  const runs = new Map<PlatformId, PlatformRun>();
  const fullyListed = new Set<PlatformId>();
  const warnings: string[] = [];
  await Promise.all(
    options.config.platforms.map(async (id) => {
      const run: PlatformRun = { id, platform: null, available: false, listed: 0 };
      runs.set(id, run);
      try {
        run.platform = options.createPlatform(id);
        await run.platform.connect();
        const { full, warning } = await listOne(run, run.platform, options);
        if (full) fullyListed.add(id);
        if (warning) warnings.push(warning);
        warnings.push(...(run.platform.notices?.() ?? []));
        const expiry = await run.platform.credentialExpiry?.().catch(() => undefined);
        if (expiry) run.credentialExpiry = expiry.toISOString();
      } catch (error) {
        const message = redact(describeError(error));
        const kind = errorKind(error);
        run.error = { kind, message, nextStep: nextStepFor(kind, id, error) };
        options.log.error(`${PLATFORM_LABELS[id]}: ${message}`);
      }
    }),
  );
  options.progress?.done();
  return { runs, fullyListed, warnings };
}

async function listOne(
  run: PlatformRun,
  platform: Platform,
  options: ListStepOptions,
): Promise<{ full: boolean; warning?: string }> {
  const { config, store, runId, log } = options;
  const today = dayNumber(options.nowMs);
  const state = store.listingState(run.id);
  const decision = decideListing(state, {
    fullScan: config.fullScan || options.forceFull.has(run.id),
    fullScanDays: config.fullScanDays,
    today,
  });
  const raw = await collectListing(countPages(platform.listActivities(), options.progress), {
    newestNum: config.newestNum,
    fullScan: decision.fullScan,
    known: store.knownIds(run.id),
    reachBackToUtc: options.forceFull.get(run.id),
  });
  // Entries that cannot be trusted are never matched, kept or deleted.
  const checked = validateListing(raw.activities, Math.floor(options.nowMs / 1000));
  const result: ListingResult = { ...raw, activities: checked.valid };
  store.upsertActivities(runId, result.activities);
  // Every id the platform listed counts as seen: a garbled entry never makes a stored record "gone".
  markGone(run.id, result, new Set(raw.activities.map((activity: Activity) => String(activity.remoteId))), options);
  store.setListingState(nextListingState(state, result, runId, decision.fullScan, today));
  run.listed = result.activities.length;
  run.available = true;
  log.info(
    `${PLATFORM_LABELS[run.id]}: listed ${result.activities.length} ` +
      `(${decision.fullScan ? 'full scan' : 'incremental'}, stopped: ${result.stop})`,
  );
  if (checked.problems.length === 0) return { full: decision.fullScan };
  const shown = checked.problems.slice(0, 3).join('; ');
  const more = checked.problems.length > 3 ? ` and ${checked.problems.length - 3} more` : '';
  const warning =
    `${PLATFORM_LABELS[run.id]}: skipped ${checked.problems.length} listing ` +
    `entr${checked.problems.length === 1 ? 'y' : 'ies'} that cannot be right (${shown}${more}); ` +
    `they are never matched, kept or deleted`;
  log.warn(warning);
  return { full: decision.fullScan, warning };
}

function markGone(id: PlatformId, result: ListingResult, seen: ReadonlySet<string>, options: ListStepOptions): void {
  const from = goneFromUtc(result);
  if (from === null) return;
  const removed = options.store.markGone(id, from, seen, options.runId);
  if (removed.length)
    options.log.info(
      `${PLATFORM_LABELS[id]}: ${removed.length} record(s) no longer listed (deleted there); ` +
        `they will not be uploaded again`,
    );
}

async function* countPages(
  pages: AsyncIterable<readonly Activity[]>,
  progress: Progress | undefined,
): AsyncIterable<readonly Activity[]> {
  for await (const page of pages) {
    progress?.tick();
    yield page;
  }
}
