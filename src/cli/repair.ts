import { PLATFORM_LABELS, formatUtc, type PlatformId } from '../core/activity.ts';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/secrets.ts';
import { rollbackUploads, undoDeletions } from '../engine/undo.ts';
import { createPlatformFactory } from '../platforms/factory.ts';
import type { Platform } from '../platforms/platform.ts';
import { Store } from '../store/store.ts';
import { booleanFlag, stringFlag, UsageError, type FlagValues } from './args.ts';
import type { CliIo } from './io.ts';
import { prepareSyncConfig } from './sync-config.ts';
import { buildLookup } from './settings.ts';

const PLATFORM_FLAG: Readonly<Record<string, PlatformId>> = {
  GARMINCOM: 'garmin_com',
  GARMINCN: 'garmin_cn',
  COROS: 'coros',
};

function platformFlag(flags: FlagValues): PlatformId | undefined {
  const raw = stringFlag(flags, 'platform');
  if (raw === undefined) return undefined;
  const id = PLATFORM_FLAG[raw.toUpperCase().replace(/[^A-Z]/g, '')];
  if (!id) throw new UsageError(`--platform ${raw} is not a platform; use GARMINCOM, GARMINCN or COROS`);
  return id;
}

/**
 * `undo` re-uploads deleted duplicates from the backups in the database; `rollback` lists or
 * deletes the copies this tool uploaded. Both connect only the platforms they touch.
 */
export async function runRepair(
  command: 'undo' | 'rollback',
  flags: FlagValues,
  io: CliIo,
  log: Logger,
  json: boolean,
): Promise<number> {
  const config = prepareSyncConfig(buildLookup(io, flags), flags, log);
  const dryRun = booleanFlag(flags, 'dry-run') === true;
  const platform = platformFlag(flags);
  const store = Store.open(config.dbPath);
  const factory = createPlatformFactory(config, log);
  const connected = new Map<PlatformId, Platform>();
  const platformOf = async (id: PlatformId) => {
    let adapter = connected.get(id);
    if (!adapter) {
      adapter = factory(id, store);
      await adapter.connect();
      connected.set(id, adapter);
    }
    return adapter;
  };
  try {
    const runId = store.startRun({ dryRun, fullScan: false });
    const lines: string[] = [];
    let failed = 0;
    let items: unknown[];
    if (command === 'undo') {
      const results = await undoDeletions(store, platformOf, {
        dryRun,
        ...(platform ? { platform } : {}),
        ...(stringFlag(flags, 'id') ? { remoteId: stringFlag(flags, 'id')! } : {}),
      });
      items = results;
      for (const result of results) {
        if (result.outcome === 'failed' || result.outcome === 'no-backup') failed++;
        const what = {
          restored: `restored as ${result.restoredId ?? '(still processing)'}`,
          'would-restore': 'would be restored',
          'no-backup': 'no backup kept',
          failed: 'failed',
        }[result.outcome];
        lines.push(
          `  ${PLATFORM_LABELS[result.platform]} ${result.deletedId} (${formatUtc(result.startUtc)}): ` +
            `${what}${result.message ? ` — ${result.message}` : ''}`,
        );
      }
      lines.unshift(
        results.length
          ? `${dryRun ? 'Deleted duplicates that can be restored' : 'Restored'}:`
          : 'Nothing to restore: no deleted duplicate has a backup left (backups are kept 90 days).',
      );
    } else {
      const results = await rollbackUploads(store, platformOf, { dryRun, runId, ...(platform ? { platform } : {}) });
      items = results;
      for (const result of results) {
        if (result.outcome === 'failed') failed++;
        lines.push(
          `  ${PLATFORM_LABELS[result.target]} ${result.targetId} (copied from ` +
            `${PLATFORM_LABELS[result.source.platform]} ${result.source.remoteId}): ` +
            `${result.outcome}${result.message ? ` — ${result.message}` : ''}`,
        );
      }
      lines.unshift(
        results.length
          ? `${dryRun ? 'Copies this tool uploaded (run without --dry-run to delete them)' : 'Copies deleted'}:`
          : 'This tool has uploaded nothing (the ledger is empty).',
      );
    }
    store.finishRun(runId, failed ? 'partial' : 'ok', {});
    const exitCode = failed ? 1 : 0;
    if (json) io.out(redact(JSON.stringify({ ok: exitCode === 0, exitCode, command, dryRun, items })));
    else for (const line of lines) io.out(redact(line));
    return exitCode;
  } finally {
    store.close();
  }
}
