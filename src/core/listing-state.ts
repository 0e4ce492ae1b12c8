import type { PlatformId } from './activity.ts';

/** How far back a platform's history is known to be listed (kept in the store, decided by the listing rules). */
export interface ListingState {
  readonly platform: PlatformId;
  /** Oldest start time covered by a contiguous listing from the newest (null: nothing listed yet). */
  readonly coveredFromUtc: number | null;
  /** True when a listing reached the end of the platform's history. */
  readonly complete: boolean;
  readonly lastFullScanRun: number | null;
  /** Day (days since 1970-01-01, UTC) of the last full listing. */
  readonly lastFullScanDay: number | null;
}
