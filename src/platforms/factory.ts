import type { PlatformId } from '../core/activity.ts';
import type { SyncConfig } from '../config/config.ts';
import type { Logger } from '../core/log.ts';
import type { PlatformFactory } from '../engine/sync-run.ts';
import { createProxyFetch } from '../http/proxy-fetch.ts';
import { createStateKeyRing, processKeyContext, type StateKeyContext } from '../store/state-key.ts';
import type { Store } from '../store/store.ts';
import { createCorosPlatform, type CorosPlatformOptions } from './coros/coros-platform.ts';
import { createGarminPlatform, type GarminPlatformOptions } from './garmin/garmin-platform.ts';
import type { Platform } from './platform.ts';

/** Adapter options beyond the configuration (the demo and benchmarks poll faster). */
export interface AdapterTuning {
  readonly garmin?: Partial<Pick<GarminPlatformOptions, 'uploadPoll' | 'backoff' | 'sleep'>>;
  readonly coros?: Partial<Pick<CorosPlatformOptions, 'importPollIntervalMs' | 'importPollTimeoutMs' | 'deleteSpacingMs' | 'backoff' | 'sleep'>>;
}

/** How sealed state is keyed (src/store/state-key.ts): the context decides whether credentials may be the key. */
export interface StateKeyOptions {
  readonly context?: StateKeyContext;
  /** Called after a sealed value (a rotated token) was written. */
  readonly onSealedWrite?: (platform: PlatformId, name: string) => void;
}

/** Builds the real platform adapters from the configuration. */
export function createPlatformFactory(config: SyncConfig, log: Logger, tuning: AdapterTuning = {}, keys: StateKeyOptions = {}): PlatformFactory {
  const proxyEnv = { HTTPS_PROXY: config.httpsProxy, NO_PROXY: config.noProxy };
  const ring = createStateKeyRing(config, keys.context ?? processKeyContext(), keys.onSealedWrite);
  return (id: PlatformId, store: Store): Platform => {
    const state = ring.platformState(store, id);
    if (id === 'coros') {
      return createCorosPlatform({
        endpoints: config.endpoints,
        state,
        credentials: { ...(config.coros.email ? { email: config.coros.email } : {}), ...(config.coros.password ? { password: config.coros.password } : {}) },
        log,
        fetch: createProxyFetch({ proxyUrl: config.coros.proxyUrl, proxyVariable: 'COROS_PROXY', env: proxyEnv }),
        timeoutMs: config.timeoutMs,
        ...tuning.coros,
      });
    }
    const region = id === 'garmin_com' ? 'com' : 'cn';
    const account = id === 'garmin_com' ? config.garminCom : config.garminCn;
    return createGarminPlatform({
      region,
      endpoints: config.endpoints,
      state,
      credentials: { email: account.email, password: account.password, tokenBlob: account.tokenBlob },
      log,
      proxyUrl: account.proxyUrl,
      env: proxyEnv,
      timeoutMs: config.timeoutMs,
      ...tuning.garmin,
    });
  };
}
