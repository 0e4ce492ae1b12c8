import { parseConfig, type Lookup, type SyncConfig } from '../config/config.ts';
import { ConfigError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { decodeTokenBlob } from '../platforms/garmin/garmin-tokens.ts';
import type { FlagValues } from './args.ts';
import { checkDatabase, databasePath, readLocalKey, readLocalLogins } from './settings.ts';

/**
 * Every settings problem before the first request: the whole configuration, the database path,
 * each Garmin token's shape; and the local login (a token kept by `login --for local`) is used first.
 */
export function prepareSyncConfig(lookup: Lookup, flags: FlagValues, log: Logger): SyncConfig {
  const dbState = checkDatabase(lookup, flags);
  const dbPath = databasePath(lookup);
  const localLogins = readLocalLogins(dbPath, dbState);
  let config = parseConfig(lookup, { storedLogins: new Set(localLogins.keys()) });
  if (config.platforms.length === 0)
    throw new ConfigError('SYNC_PLATFORM is empty; list the platforms to sync, e.g. SYNC_PLATFORM=GARMINCOM,COROS');
  for (const warning of config.configWarnings) log.warn(warning);
  for (const [id, region, account] of [
    ['garmin_com', 'com', config.garminCom],
    ['garmin_cn', 'cn', config.garminCn],
  ] as const) {
    if (!config.platforms.includes(id)) continue;
    if (localLogins.has(id)) {
      if (account.tokenBlob)
        log.debug(
          `${region === 'com' ? 'Garmin COM' : 'Garmin CN'}: using the token from \`login --for local\`; ` +
            `GARMIN_TOKEN_${region.toUpperCase()} is left to the Action`,
        );
      config = { ...config, [id === 'garmin_com' ? 'garminCom' : 'garminCn']: { ...account, tokenBlob: undefined } };
    } else if (account.tokenBlob) {
      decodeTokenBlob(account.tokenBlob, region, `GARMIN_TOKEN_${region.toUpperCase()}`);
      log.warn(
        `GARMIN_TOKEN_${region.toUpperCase()} is the Action's token: if the Action uses it too, whichever ` +
          `refreshes second is locked out; run \`node cli.js login --for ` +
          `local${region === 'cn' ? ' --region cn' : ''}\` for this computer`,
      );
    }
  }
  const localKey = config.stateSecret ? undefined : readLocalKey(dbPath);
  if (localKey) config = { ...config, stateSecret: localKey };
  return config;
}
