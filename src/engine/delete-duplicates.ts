import { PLATFORM_LABELS } from '../core/activity.ts';
import type { SyncConfig } from '../config/config.ts';
import { describeError } from '../core/errors.ts';
import { redact } from '../core/secrets.ts';
import type { DuplicateDecision } from '../decide/duplicates.ts';
import type { DuplicateResult } from '../decide/report-types.ts';
import type { RunContext } from './sync-store.ts';

export type DeleteContext = RunContext;

/** Why a duplicate must not be deleted now, or null when it may be (pure). */
export function deletionBlocker(
  decision: DuplicateDecision,
  facts: {
    readonly reachable: boolean;
    readonly canDelete: boolean;
    readonly deletedSoFar: number;
    readonly firstSeenRun: number | undefined;
    readonly runId: number;
    /** Kept or duplicate was restored by `undo`: the user chose to keep both. */
    readonly restored: boolean;
  },
  config: Pick<SyncConfig, 'maxDeletesPerRun' | 'confirmDeletes'>,
): string | null {
  if (facts.restored) return 'restored by undo earlier; kept as you chose';
  if (!facts.reachable) return 'platform not reachable this run';
  if (!facts.canDelete)
    return `${PLATFORM_LABELS[decision.platform]} is read-only here; delete it there by hand if you want`;
  if (decision.kept.manual) return 'the record kept is a manual entry with no file to check; not deleted';
  if (!config.confirmDeletes && (facts.firstSeenRun === undefined || facts.firstSeenRun >= facts.runId)) {
    return 'found for the first time; deleted on a later run if it is still a duplicate (or pass --confirm-deletes)';
  }
  if (facts.deletedSoFar >= config.maxDeletesPerRun) {
    return (
      `more than ${config.maxDeletesPerRun} deletions in one run; ` +
      `the rest waits for the next run (MAX_DELETES_PER_RUN)`
    );
  }
  return null;
}

/**
 * Deletes duplicates inside one platform, safely: only a duplicate seen again in a later run,
 * only after the kept record's file was fetched and verified in this run, and only once the
 * duplicate's own file is stored in the state (the backup `undo` restores from).
 */
export async function deleteDuplicates(
  decisions: readonly DuplicateDecision[],
  context: DeleteContext,
): Promise<DuplicateResult[]> {
  const { config, store, runId } = context;
  const results: DuplicateResult[] = [];
  let deleted = 0;
  const restored = config.deleteDuplicate ? store.restoredRecords() : [];
  // A workout the user restored with `undo` (matched by start: the restored copy has a new id).
  const wasRestored = (decision: DuplicateDecision) =>
    restored.some(
      (record) =>
        record.platform === decision.platform &&
        Math.abs(record.startUtc - decision.duplicate.startUtc) <= config.sportDiffSecond,
    );
  for (const decision of decisions) {
    const base = {
      platform: decision.platform,
      keptId: decision.kept.remoteId,
      duplicateId: decision.duplicate.remoteId,
      startUtc: decision.duplicate.startUtc,
      sport: decision.duplicate.sport.id,
      reason: decision.reason,
    };
    const firstSeenRun = store.duplicateFirstSeen(
      decision.platform,
      decision.duplicate.remoteId,
      decision.kept.remoteId,
    );
    let action: DuplicateResult['action'] = 'reported';
    let message: string | undefined;
    const capabilities = context.platforms.get(decision.platform)?.capabilities;
    if (config.deleteDuplicate && capabilities?.delete === false)
      message = `not deleted: ${capabilities.readOnlyReason ?? 'the platform is read-only'}`;
    else if (config.deleteDuplicate && config.dryRun) action = 'would-delete';
    else if (config.deleteDuplicate) {
      ({ action, message } = await deleteOne(
        decision,
        { firstSeenRun, deletedSoFar: deleted, restored: wasRestored(decision) },
        context,
      ));
      if (action === 'deleted') deleted++;
    }
    if (!config.dryRun) {
      store.recordDuplicateDecision(runId, {
        platform: decision.platform,
        duplicateId: decision.duplicate.remoteId,
        keptId: decision.kept.remoteId,
        reason: decision.reason,
        action,
        message: message ?? null,
      });
    }
    results.push({ ...base, action, ...(message ? { message } : {}) });
  }
  return results;
}

async function deleteOne(
  decision: DuplicateDecision,
  facts: { readonly firstSeenRun: number | undefined; readonly deletedSoFar: number; readonly restored: boolean },
  context: DeleteContext,
): Promise<{ action: DuplicateResult['action']; message?: string }> {
  const platform = context.platforms.get(decision.platform);
  const blocker = deletionBlocker(
    decision,
    {
      ...facts,
      reachable: Boolean(platform),
      canDelete: platform?.capabilities?.delete !== false,
      runId: context.runId,
    },
    context.config,
  );
  if (blocker || !platform) return { action: 'kept-safe', message: blocker ?? 'platform not reachable this run' };
  try {
    // Fetched by id in this run, never from the cache: the kept record must be there now.
    const kept = await context.fitFiles.get(decision.kept, platform, undefined, true);
    if (kept.kind === 'problem')
      return {
        action: 'kept-safe',
        message: `the kept record's file could not be verified (${kept.message}); not deleted`,
      };
    const backup = await context.fitFiles.get(decision.duplicate, platform, 'deleted');
    if (backup.kind === 'problem')
      return { action: 'kept-safe', message: `no backup possible (${backup.message}); not deleted` };
    // The backup lives in the state itself before the delete is sent (the file under FIT_DIR is for the artifact).
    context.store.saveDeletionBackup(decision.duplicate, backup.bytes, decision.kept.remoteId, context.runId);
    await platform.deleteActivity(decision.duplicate);
    context.store.markBackupDeleted(decision.platform, decision.duplicate.remoteId);
    context.store.markOneGone(decision.platform, decision.duplicate.remoteId, context.runId);
    context.log.info(
      `deleted duplicate ${decision.duplicate.remoteId} on ${PLATFORM_LABELS[decision.platform]} ` +
        `(kept ${decision.kept.remoteId}; undo with \`undo\`)`,
    );
    return { action: 'deleted' };
  } catch (error) {
    const message = redact(describeError(error));
    context.log.warn(
      `could not delete duplicate ${decision.duplicate.remoteId} on ${PLATFORM_LABELS[decision.platform]}: ${message}`,
    );
    return { action: 'delete-failed', message };
  }
}
