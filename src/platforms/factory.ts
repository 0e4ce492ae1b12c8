import type { PlatformId } from '../core/activity.ts';
import type { SyncConfig } from '../config/config.ts';
import type { Logger } from '../core/log.ts';
import { HttpClient } from '../http/http-client.ts';
import { createProxyFetch } from '../http/proxy-fetch.ts';
import { limitRequests } from '../http/request-limit.ts';
import type { BackoffPolicy } from '../http/retry.ts';
import { createStateKeyRing, processKeyContext, type StateKeyContext } from '../store/state-key.ts';
import type { Store } from '../store/store.ts';
import { createCorosPlatform, type CorosPlatformOptions } from './coros/coros-platform.ts';
import { createGarminPlatform, type GarminPlatformOptions } from './garmin/garmin-platform.ts';
import { PersonalApiClient, type PersonalApiClientOptions } from './garmin/personal-api-client.ts';
import { createPersonalApiPlatform } from './garmin/personal-api-platform.ts';
import type { Platform, PlatformFactory } from './platform.ts';

/** Adapter options beyond the configuration (the demo and benchmarks poll faster). */
export interface AdapterTuning {
  readonly garmin?: Partial<Pick<GarminPlatformOptions, 'uploadPoll' | 'backoff' | 'sleep'>>;
  readonly coros?: Partial<
    Pick<CorosPlatformOptions, 'importPollIntervalMs' | 'importPollTimeoutMs' | 'deleteSpacingMs' | 'backoff' | 'sleep'>
  >;
  readonly personal?: Partial<Pick<PersonalApiClientOptions, 'now' | 'sleep' | 'pagePauseMs'>> & {
    readonly backoff?: Partial<BackoffPolicy>;
  };
}

/**
 * The Personal API's retry policy (§4, §11): Retry-After honoured up to 120 s, at most two
 * retries per request, then the run ends for this platform and resumes next time.
 */
const PERSONAL_BACKOFF: Partial<BackoffPolicy> = { attempts: 3, maxRetryAfterMs: 120_000 };

/** How sealed state is keyed (src/store/state-key.ts): the context decides whether credentials may be the key. */
export interface StateKeyOptions {
  readonly context?: StateKeyContext;
  /** Called after a sealed value (a rotated token) was written. */
  readonly onSealedWrite?: (platform: PlatformId, name: string) => void;
}

/** Builds the real platform adapters from the configuration. */
export function createPlatformFactory(
  config: SyncConfig,
  log: Logger,
  tuning: AdapterTuning = {},
  keys: StateKeyOptions = {},
): PlatformFactory {
  const proxyEnv = { HTTPS_PROXY: config.httpsProxy, NO_PROXY: config.noProxy };
  const ring = createStateKeyRing(config, keys.context ?? processKeyContext(), keys.onSealedWrite);
  return (id: PlatformId, store: Store): Platform => {
    const state = ring.platformState(store, id);
    if (id === 'coros') {
      return createCorosPlatform({
        endpoints: config.endpoints,
        state,
        credentials: {
          ...(config.coros.email ? { email: config.coros.email } : {}),
          ...(config.coros.password ? { password: config.coros.password } : {}),
        },
        log,
        fetch: limitRequests(
          createProxyFetch({ proxyUrl: config.coros.proxyUrl, proxyVariable: 'COROS_PROXY', env: proxyEnv }),
          config.concurrency,
        ),
        timeoutMs: config.timeoutMs,
        ...tuning.coros,
      });
    }
    const region = id === 'garmin_com' ? 'com' : 'cn';
    const account = id === 'garmin_com' ? config.garminCom : config.garminCn;
    const hasDi = Boolean(account.tokenBlob || (account.email && account.password));
    const di = () => {
      const fetch = limitRequests(
        createProxyFetch({
          proxyUrl: account.proxyUrl,
          proxyVariable: region === 'com' ? 'GARMIN_COM_PROXY' : 'GARMIN_CN_PROXY',
          env: proxyEnv,
        }),
        config.concurrency,
      );
      return createGarminPlatform({
        region,
        endpoints: config.endpoints,
        state,
        credentials: { email: account.email, password: account.password, tokenBlob: account.tokenBlob },
        log,
        proxyUrl: account.proxyUrl,
        env: proxyEnv,
        fetch,
        requestsIdle: fetch.idle,
        timeoutMs: config.timeoutMs,
        ...tuning.garmin,
      });
    };
    if (!account.apiKey) return di();
    const client = new PersonalApiClient({
      region,
      apiKey: account.apiKey,
      state,
      log,
      keyExpires: account.apiKeyExpires,
      downloadPath: account.personalDownloadPath,
      http: new HttpClient({
        endpoints: config.endpoints,
        fetch: createProxyFetch({
          proxyUrl: account.proxyUrl,
          proxyVariable: `GARMIN_${region.toUpperCase()}_PROXY`,
          env: proxyEnv,
        }),
        timeoutMs: config.timeoutMs,
        backoff: { ...PERSONAL_BACKOFF, ...tuning.personal?.backoff },
        headers: { 'User-Agent': 'sports-sync-x (personal use)' },
        ...(tuning.personal?.sleep ? { sleep: tuning.personal.sleep } : {}),
      }),
      now: tuning.personal?.now,
      sleep: tuning.personal?.sleep,
      pagePauseMs: tuning.personal?.pagePauseMs,
    });
    return createPersonalApiPlatform({
      region,
      client,
      di: hasDi ? di() : undefined,
      state,
      log,
      now: tuning.personal?.now,
    });
  };
}
