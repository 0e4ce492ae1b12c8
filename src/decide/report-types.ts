import type { PlatformId } from '../core/activity.ts';
import type { ErrorKind } from '../core/errors.ts';

/** What a run did, as plain data: rendered as text, a job summary, notifications and outputs. */
export interface SyncReport {
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly dryRun: boolean;
  /** ok: everything worked; partial: some items or platforms failed; failed: nothing could be done. */
  readonly outcome: 'ok' | 'partial' | 'failed';
  readonly counts: ReportCounts;
  readonly platforms: readonly PlatformSummary[];
  readonly transfers: readonly TransferResult[];
  readonly duplicates: readonly DuplicateResult[];
  /** Matches made only by allowing a whole- or half-hour time-zone error: reported, never silent. */
  readonly timezoneSuspects: readonly TimezoneSuspect[];
  readonly failures: readonly FailureItem[];
  readonly warnings: readonly string[];
  /** The directions copies were made in (SYNC_ROUTES or every direction) and SYNC_SINCE. */
  readonly routing?: ReportRouting;
}

export interface ReportRouting {
  readonly routes: readonly { readonly from: PlatformId; readonly to: PlatformId }[];
  /** true: no SYNC_ROUTES, every direction among the platforms. */
  readonly everyDirection: boolean;
  /** SYNC_SINCE as an ISO date-time (UTC), when set. */
  readonly since?: string;
}

export interface ReportCounts {
  readonly uploaded: number;
  /** Uploads the target answered with "already there". */
  readonly alreadyThere: number;
  readonly duplicatesFound: number;
  readonly deleted: number;
  readonly failed: number;
  readonly pending: number;
  readonly planned: number;
  /** Copies that need the user (listed in every report until resolved). */
  readonly setAside: number;
  /** Copies impossible because no original file exists. */
  readonly noOriginal: number;
  /** Transfers not started because the run stopped early (time budget, upload cap, cancel). */
  readonly remaining: number;
}

export interface PlatformSummary {
  readonly id: PlatformId;
  readonly label: string;
  /** Records seen in this run's listing. */
  readonly listed: number;
  /** Records known for this platform after the run (listing plus store). */
  readonly known: number;
  readonly error?: { readonly kind: ErrorKind; readonly message: string; readonly nextStep?: string };
  /** ISO time the stored credentials stop working without a password, when known. */
  readonly credentialExpiry?: string;
}

export type TransferOutcome =
  'created' | 'duplicate' | 'rejected' | 'failed' | 'pending' | 'planned' | 'set-aside' | 'no-original';

export interface TransferResult {
  readonly from: PlatformId;
  readonly to: PlatformId;
  readonly sourceId: string;
  readonly startUtc: number;
  readonly sport: string;
  readonly distanceM: number | null;
  readonly elapsedSec: number | null;
  readonly name: string | null;
  readonly outcome: TransferOutcome;
  readonly targetId?: string | null;
  readonly message?: string;
  /** What the user should do, for failures. */
  readonly nextStep?: string;
}

export type DuplicateAction = 'reported' | 'deleted' | 'would-delete' | 'delete-failed' | 'kept-safe';

export interface DuplicateResult {
  readonly platform: PlatformId;
  readonly keptId: string;
  readonly duplicateId: string;
  readonly startUtc: number;
  readonly sport: string;
  readonly action: DuplicateAction;
  readonly reason: string;
  readonly message?: string;
}

export interface TimezoneSuspect {
  readonly a: { readonly platform: PlatformId; readonly remoteId: string; readonly startUtc: number };
  readonly b: { readonly platform: PlatformId; readonly remoteId: string; readonly startUtc: number };
  readonly offsetSec: number;
  readonly reason: string;
}

export interface FailureItem {
  readonly scope: string;
  readonly kind: ErrorKind;
  readonly message: string;
  readonly nextStep?: string;
}
