import type { Activity, PlatformId } from '../core/activity.ts';
import type { Store } from '../store/store.ts';

/** The original file of a workout, or the reason there is none (manual entry, GPX import …). */
export type FitDownload =
  | { readonly kind: 'fit'; readonly bytes: Uint8Array; readonly fileName: string }
  | { readonly kind: 'no-original'; readonly reason: string };

export interface FitUpload {
  /** The original FIT bytes, never re-encoded. */
  readonly bytes: Uint8Array;
  /** A file name ending in .fit. */
  readonly fileName: string;
  /** The record the bytes came from (for start-time lookups after an asynchronous import). */
  readonly source: Activity;
  /**
   * No earlier attempt of this transfer reached the target (the ledger says so), so nothing of it
   * can be there: a platform may skip its "sent before?" look-up. Absent: look.
   */
  readonly firstAttempt?: boolean;
  /**
   * Nothing else of the run waits to start (its last uploads, or a single new workout): an early
   * look at the result may save seconds, at the cost of one request at most.
   */
  readonly finishing?: boolean;
}

export type UploadOutcome =
  /** A new activity exists on the target (its id when known). */
  | { readonly kind: 'created'; readonly remoteId: string | null }
  /** The target already had this workout; nothing new was created. */
  | { readonly kind: 'duplicate'; readonly existingId: string | null }
  /** The target refused the file for good; its own message. */
  | { readonly kind: 'rejected'; readonly message: string }
  /** Accepted but still processing; `ticket` lets a later run check on it without uploading again. */
  | { readonly kind: 'pending'; readonly ticket: string; readonly message: string };

export interface ListPagesOptions {
  /** Page size the adapter should ask for (it may use its own maximum). */
  readonly pageSize?: number;
}

/** What a platform can be asked to do; absent means everything. */
export interface PlatformCapabilities {
  readonly upload: boolean;
  readonly delete: boolean;
  /** Why uploads or deletes are impossible and what the user can do, for the report. */
  readonly readOnlyReason?: string | undefined;
}

/**
 * One adapter per platform. Every call may throw a SyncError (config, auth, retryable, rejected);
 * adapters retry transient failures through the shared HTTP layer before throwing.
 */
export interface Platform {
  readonly id: PlatformId;
  /** Read after connect(); absent = can upload and delete (e.g. a Personal-API-only Garmin is read-only). */
  readonly capabilities?: PlatformCapabilities;
  /** Makes sure a usable session exists (token refresh or login); throws AuthError when it can't. */
  connect(): Promise<void>;
  /** Pages of activities, newest first. The engine stops iterating when it has seen enough. */
  listActivities(options?: ListPagesOptions): AsyncIterable<readonly Activity[]>;
  downloadFit(activity: Activity): Promise<FitDownload>;
  uploadFit(upload: FitUpload): Promise<UploadOutcome>;
  /** Checks an upload left pending by an earlier run. */
  checkPendingUpload?(ticket: string, source: Activity): Promise<UploadOutcome>;
  deleteActivity(activity: Activity): Promise<void>;
  /** Expiry of the stored credentials, for the report (undefined when unknown). */
  credentialExpiry?(): Promise<Date | undefined>;
  /** Warnings for the report after connect() (e.g. a key that expires soon). */
  notices?(): readonly string[];
}

/** Builds the adapter for a platform (the real clients in the product; in-memory ones in tests). */
export type PlatformFactory = (id: PlatformId, store: Store) => Platform;
