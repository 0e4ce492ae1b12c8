import { PLATFORM_LABELS, type Activity, type PlatformId } from '../core/activity.ts';
import { describeError } from '../core/errors.ts';
import { redact } from '../core/secrets.ts';
import type { Platform } from '../platforms/platform.ts';
import type { DeletionBackup, Store } from '../store/store.ts';

export interface UndoResult {
  readonly platform: PlatformId;
  readonly deletedId: string;
  readonly startUtc: number;
  readonly outcome: 'restored' | 'would-restore' | 'no-backup' | 'failed';
  readonly restoredId?: string | null;
  readonly message?: string;
}

export interface UndoOptions {
  readonly dryRun: boolean;
  /** Only this platform's / this record's deletions (default: every deletion not restored yet). */
  readonly platform?: PlatformId;
  readonly remoteId?: string;
}

/** Deletions `undo` can restore: deleted, not restored yet, matching the filter. */
export function restorableBackups(
  backups: readonly DeletionBackup[],
  filter: Pick<UndoOptions, 'platform' | 'remoteId'>,
): DeletionBackup[] {
  return backups.filter(
    (backup) =>
      // Deleted by us, or the delete went through while its answer was lost (a later listing shows it gone).
      (backup.deletedAt !== null || backup.goneFromPlatform) &&
      backup.restoredId === null &&
      (!filter.platform || backup.activity.platform === filter.platform) &&
      (!filter.remoteId || backup.activity.remoteId === filter.remoteId),
  );
}

/** Re-uploads deleted duplicates from the backups kept in the state. */
export async function undoDeletions(
  store: Store,
  platformOf: (id: PlatformId) => Promise<Platform>,
  options: UndoOptions,
): Promise<UndoResult[]> {
  const results: UndoResult[] = [];
  for (const backup of restorableBackups(store.deletionBackups(), options)) {
    const activity = backup.activity;
    const base = { platform: activity.platform, deletedId: activity.remoteId, startUtc: activity.startUtc };
    if (!backup.fit) {
      results.push({ ...base, outcome: 'no-backup', message: 'no file was kept for it' });
      continue;
    }
    if (options.dryRun) {
      results.push({ ...base, outcome: 'would-restore' });
      continue;
    }
    results.push(await restoreOne(store, await platformOf(activity.platform), backup.fit, activity));
  }
  return results;
}

async function restoreOne(store: Store, platform: Platform, fit: Uint8Array, activity: Activity): Promise<UndoResult> {
  const base = { platform: activity.platform, deletedId: activity.remoteId, startUtc: activity.startUtc };
  try {
    const outcome = await platform.uploadFit({
      bytes: fit,
      fileName: `restored-${activity.remoteId}.fit`,
      source: activity,
    });
    if (outcome.kind === 'rejected') return { ...base, outcome: 'failed', message: redact(outcome.message) };
    const restoredId =
      outcome.kind === 'created' ? outcome.remoteId : outcome.kind === 'duplicate' ? outcome.existingId : null;
    // Recorded as restored: that workout's records on this platform are never deleted again.
    store.markBackupRestored(activity.platform, activity.remoteId, restoredId ?? 'pending');
    return { ...base, outcome: 'restored', restoredId };
  } catch (error) {
    return { ...base, outcome: 'failed', message: redact(describeError(error)) };
  }
}

export interface RollbackItem {
  readonly target: PlatformId;
  readonly targetId: string;
  readonly source: { readonly platform: PlatformId; readonly remoteId: string };
  readonly outcome: 'would-delete' | 'deleted' | 'failed';
  readonly message?: string;
}

/** Lists (dry run) or deletes every copy this tool created, from the ledger; sources are never touched. */
export async function rollbackUploads(
  store: Store,
  platformOf: (id: PlatformId) => Promise<Platform>,
  options: { readonly dryRun: boolean; readonly runId: number; readonly platform?: PlatformId },
): Promise<RollbackItem[]> {
  const created = store
    .transfers()
    .filter(
      (row) =>
        row.outcome === 'created' && row.targetId && (!options.platform || row.targetPlatform === options.platform),
    );
  const items: RollbackItem[] = [];
  for (const row of created) {
    const base = {
      target: row.targetPlatform,
      targetId: row.targetId!,
      source: { platform: row.sourcePlatform, remoteId: row.sourceId },
    };
    if (options.dryRun) {
      items.push({ ...base, outcome: 'would-delete' });
      continue;
    }
    const copy = store.presentActivities(row.targetPlatform).find((activity) => activity.remoteId === row.targetId);
    if (!copy) {
      items.push({
        ...base,
        outcome: 'failed',
        message: `not listed on ${PLATFORM_LABELS[row.targetPlatform]} any more`,
      });
      continue;
    }
    try {
      await (await platformOf(row.targetPlatform)).deleteActivity(copy);
      store.markOneGone(row.targetPlatform, copy.remoteId, options.runId);
      items.push({ ...base, outcome: 'deleted' });
    } catch (error) {
      items.push({ ...base, outcome: 'failed', message: redact(describeError(error)) });
    }
  }
  return items;
}
