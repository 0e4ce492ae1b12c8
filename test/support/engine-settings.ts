import { join } from 'node:path';
import { parseConfig, type SyncConfig } from '../../src/config/config.ts';

/** Settings for an engine test over in-memory platforms: placeholder credentials, files under `dir`. */
export function engineSettings(dir: string, platforms: string, extra: Record<string, string> = {}): SyncConfig {
  const values: Record<string, string> = {
    SYNC_PLATFORM: platforms,
    GARMIN_TOKEN_COM: 'unused-token-com',
    GARMIN_TOKEN_CN: 'unused-token-cn',
    COROS_EMAIL: 'x@example.com',
    COROS_PASSWORD: 'unused-password',
    SYNC_DB_PATH: join(dir, 'db', 'sports_sync.sqlite'),
    FIT_DIR: join(dir, 'fit'),
    ...extra,
  };
  return parseConfig((name) => values[name]);
}
