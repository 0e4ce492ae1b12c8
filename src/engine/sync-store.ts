import type { PlatformId } from '../core/activity.ts';
import type { SyncConfig } from '../config/config.ts';
import type { Logger } from '../core/log.ts';
import type { Platform } from '../platforms/platform.ts';
import type { Store } from '../store/store.ts';
import type { FitFiles } from './fit-files.ts';

/**
 * What the engine needs from persistence: the SQLite store implements it. Named here so the
 * pipeline's steps say which part of the state they read and write.
 */
export type SyncStore = Pick<
  Store,
  | 'startRun'
  | 'transaction'
  | 'finishRun'
  | 'upsertActivities'
  | 'markGone'
  | 'markOneGone'
  | 'presentActivities'
  | 'presentActivitiesSince'
  | 'windowCut'
  | 'goneActivities'
  | 'activityById'
  | 'presentActivitiesBetween'
  | 'knownIds'
  | 'activityCount'
  | 'listingState'
  | 'setListingState'
  | 'recordLinks'
  | 'suspectLinkKeys'
  | 'transfers'
  | 'unsettledTransfers'
  | 'transfersFor'
  | 'applyLedgerEvent'
  | 'sourceProblems'
  | 'recordSourceProblem'
  | 'clearSourceProblem'
  | 'recordDuplicateDecision'
  | 'duplicateFirstSeen'
  | 'saveDeletionBackup'
  | 'markBackupDeleted'
  | 'pruneDeletionBackups'
  | 'restoredRecords'
  | 'platformState'
  | 'getMeta'
  | 'setMeta'
>;

/** What a step that acts on the platforms is given: the run's settings, state, log, connections and files. */
export interface RunContext {
  readonly config: SyncConfig;
  readonly store: SyncStore;
  readonly runId: number;
  readonly log: Logger;
  /** Platforms whose listing worked this run. */
  readonly platforms: ReadonlyMap<PlatformId, Platform>;
  readonly fitFiles: FitFiles;
}
