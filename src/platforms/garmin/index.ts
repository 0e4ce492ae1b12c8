export { createGarminPlatform, importOutcome, type GarminPlatformOptions } from './garmin-platform.ts';
export {
  runGarminLogin,
  garminLoginRequiredError,
  defaultGarminTimeoutMs,
  type GarminLoginOptions,
  type GarminLoginResult,
} from './garmin-login.ts';
export { encodeTokenBlob, decodeTokenBlob, type DiTokens } from './garmin-tokens.ts';
export {
  garminHosts,
  garminLoginCommand,
  garminTokenSecretName,
  garminPlatformId,
  GARMIN_REGIONS,
  DEFAULT_DI_CLIENT_IDS,
  type GarminRegion,
} from './garmin-hosts.ts';
export { LoginCircuitBreaker, DEFAULT_CIRCUIT_BREAKER, type CircuitBreakerPolicy } from './garmin-circuit-breaker.ts';
export type { MfaPrompt } from './garmin-sso.ts';
