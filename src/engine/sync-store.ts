import type { Store } from '../store/store.ts';

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
