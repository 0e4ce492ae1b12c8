import type { Logger } from '../core/log.ts';
import type { FetchFunction } from '../http/http-client.ts';
import { notifyRun, type NotifyResult } from '../notify/index.ts';
import { Store } from '../store/store.ts';
import { runSync, type RunSyncOptions, type RunSyncResult } from './sync-run.ts';

export interface RunAndNotifyOptions extends RunSyncOptions {
  /** Link to this run (the Actions run page), shown in messages. */
  readonly runUrl?: string;
  readonly fetch?: FetchFunction;
}

export interface RunAndNotifyResult extends RunSyncResult {
  readonly notification: NotifyResult;
}

const HEARTBEAT_KEY = 'notify.lastHeartbeatAt';

/**
 * One sync run followed by its notification. A failed notification never fails the run: its
 * warnings join the report. The heartbeat time lives in the database, so it survives between runs.
 */
export async function runSyncAndNotify(options: RunAndNotifyOptions): Promise<RunAndNotifyResult> {
  const { config, log } = options;
  // One place opens the database for the whole run: the sync and the heartbeat share it.
  const store = Store.open(config.dbPath);
  try {
    const result = await runSync({ ...options, store });
    if (config.dryRun) {
      return {
        ...result,
        notification: {
          status: 'skipped',
          reason: 'dry run',
          heartbeatSent: false,
          lastHeartbeatAt: undefined,
          delivered: [],
          failedChannels: [],
          warnings: [],
        },
      };
    }
    const notification = await notifyRun(result.report, config.notify, {
      endpoints: config.endpoints,
      log: log satisfies Logger,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.runUrl ? { runUrl: options.runUrl } : {}),
      ...(store.getMeta(HEARTBEAT_KEY) ? { lastHeartbeatAt: store.getMeta(HEARTBEAT_KEY)! } : {}),
    });
    if (notification.lastHeartbeatAt) store.setMeta(HEARTBEAT_KEY, notification.lastHeartbeatAt);
    const report = notification.warnings.length
      ? { ...result.report, warnings: [...result.report.warnings, ...notification.warnings] }
      : result.report;
    return { ...result, report, notification };
  } finally {
    store.close();
  }
}
