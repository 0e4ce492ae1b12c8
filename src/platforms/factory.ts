import type { SyncConfig } from '../config/config.ts';
import { ConfigError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { PlatformFactory } from '../engine/sync-run.ts';

/** Builds the real platform adapters from the configuration. */
export function createPlatformFactory(_config: SyncConfig, _log: Logger): PlatformFactory {
  return (id) => {
    throw new ConfigError(`the ${id} client is not available yet`);
  };
}
