import { AuthError, ConfigError } from '../../core/errors.ts';
import type { EndpointMap } from '../../core/endpoints.ts';
import type { Logger } from '../../core/log.ts';
import { registerSecret } from '../../core/secrets.ts';
import { HttpClient, type FetchFunction } from '../../http/http-client.ts';
import type { BackoffPolicy } from '../../http/retry.ts';
import { createProxyFetch } from '../../http/proxy-fetch.ts';
import type { PlatformState } from '../../store/state-box.ts';
import { LoginCircuitBreaker, type CircuitBreakerPolicy } from './garmin-circuit-breaker.ts';
import { exchangeServiceTicket, validateAccessToken } from './garmin-di.ts';
import { DEFAULT_DI_CLIENT_IDS, garminHosts, garminLoginCommand, garminTokenSecretName, type GarminRegion } from './garmin-hosts.ts';
import { BadCredentialsError, badCredentialsError, mobileLogin, mfaRequiredError, widgetLogin, type FrontDoorResult, type SsoLoginOptions } from './garmin-sso.ts';
import { encodeTokenBlob, fingerprint, GarminTokenStore, type DiTokens } from './garmin-tokens.ts';

const REFUSED_PASSWORD = 'refused_password';

export interface PasswordLoginOptions extends SsoLoginOptions {
  readonly clientIds?: readonly string[] | undefined;
  readonly nowSec: () => number;
  /** Persistent guard; without it (interactive login command) nothing is remembered. */
  readonly breaker?: LoginCircuitBreaker | undefined;
  readonly state?: PlatformState | undefined;
}

/**
 * The password cascade (reference §3.4): mobile JSON API, then the embed widget when the first
 * was blocked; credential errors and MFA-without-a-terminal stop at once; a block on both opens
 * the circuit breaker. The ticket then goes through the DI exchange and the validation call.
 */
export async function passwordLogin(options: PasswordLoginOptions): Promise<DiTokens> {
  const { region, log } = options;
  registerSecret(options.password);
  options.breaker?.check();
  const credentialPrint = fingerprint(`${options.email.toLowerCase()}\u0000${options.password}`);
  if (options.state && options.state.getSecret(REFUSED_PASSWORD) === credentialPrint) {
    throw badCredentialsError(region, 'refused on an earlier run; not sent again until the password changes');
  }

  const blocks: string[] = [];
  const doors = [mobileLogin, widgetLogin] as const;
  for (const door of doors) {
    let result: FrontDoorResult;
    try {
      result = await door(options);
    } catch (error) {
      if (error instanceof BadCredentialsError) options.state?.setSecret(REFUSED_PASSWORD, credentialPrint);
      throw error;
    }
    if (result.kind === 'blocked') {
      log.warn(`Garmin ${region.toUpperCase()} ${result.frontDoor} login was blocked (${result.reason})`);
      blocks.push(`${result.reason} (${result.frontDoor})`);
      continue;
    }
    log.debug(`Garmin ${region.toUpperCase()}: ${result.frontDoor} login yielded a service ticket`);
    const tokens = await exchangeServiceTicket(options.http, region, result.ticket, result.serviceUrl, options.clientIds ?? DEFAULT_DI_CLIENT_IDS, options.nowSec);
    const validation = await validateAccessToken(options.http, region, tokens.accessToken);
    if (!validation.ok) {
      log.warn(`Garmin ${region.toUpperCase()}: the token from the ${result.frontDoor} login is refused by connectapi (${validation.reason}); discarded`);
      blocks.push(`token not active (${result.frontDoor})`);
      continue;
    }
    options.breaker?.reset();
    options.state?.setSecret(REFUSED_PASSWORD, undefined);
    return tokens;
  }

  const reason = blocks.join(', then ');
  if (options.breaker) {
    const until = options.breaker.trip(reason);
    throw new AuthError(`Garmin ${region.toUpperCase()} login paused until ${until.toISOString()}: Garmin answered ${reason}`, {
      hint: `no login will be tried before then; or sign in in a browser and run \`${garminLoginCommand(region)} --ticket ST-…\``,
    });
  }
  throw new AuthError(`Garmin ${region.toUpperCase()} blocked the login: ${reason}`, {
    hint: `wait a few hours, or sign in in a browser and run \`${garminLoginCommand(region)} --ticket ST-…\``,
  });
}

/** Ticket-paste bootstrap (reference §4.6): exchange at once, then validate before storing. */
export async function ticketLogin(http: HttpClient, region: GarminRegion, ticket: string, serviceUrl: string | undefined, clientIds: readonly string[] | undefined, nowSec: () => number): Promise<DiTokens> {
  const trimmed = ticket.trim();
  registerSecret(trimmed);
  if (!/^ST-\d+-[A-Za-z0-9]+-(?:sso|cas)$/.test(trimmed)) {
    throw new ConfigError('the ticket must look like ST-0123456-AbCdEfGhIjKlMnOpQrSt-sso (copy serviceTicketId from the sign-in response)');
  }
  const hosts = garminHosts(region);
  const service = serviceUrl ?? (trimmed.endsWith('-cas') ? hosts.widgetService : hosts.mobileService);
  const tokens = await exchangeServiceTicket(http, region, trimmed, service, clientIds ?? DEFAULT_DI_CLIENT_IDS, nowSec);
  const validation = await validateAccessToken(http, region, tokens.accessToken);
  if (!validation.ok) {
    throw new AuthError(`Garmin ${region.toUpperCase()} refuses the token minted from that ticket (${validation.reason})`, {
      hint: `sign in on the mobile sign-in page (https://sso.${hosts.domain}/mobile/sso/en/sign-in?clientId=GCM_ANDROID_DARK) and paste its serviceTicketId`,
    });
  }
  return tokens;
}

/** How to reach one Garmin region: what every Garmin HTTP client is built from. */
export interface GarminConnectionOptions {
  readonly region: GarminRegion;
  readonly endpoints: EndpointMap;
  readonly fetch?: FetchFunction | undefined;
  /** The platform's own proxy (GARMIN_COM_PROXY / GARMIN_CN_PROXY); else HTTPS_PROXY/NO_PROXY from `env`. */
  readonly proxyUrl?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Default 30 s (COM) / 60 s (CN): cross-border calls are slow. */
  readonly timeoutMs?: number | undefined;
  readonly backoff?: Partial<BackoffPolicy> | undefined;
  /** Called for every HTTP attempt (counters, debug). */
  readonly onRequest?: ((info: { method: string; url: string; attempt: number }) => void) | undefined;
}

export interface GarminLoginOptions extends GarminConnectionOptions {
  readonly email?: string | undefined;
  readonly password?: string | undefined;
  /** A service ticket copied from a browser (ST-…); skips the password cascade. */
  readonly ticket?: string | undefined;
  /** The service URL the ticket was issued for, when not the mobile sign-in page's. */
  readonly serviceUrl?: string | undefined;
  readonly promptMfaCode: () => Promise<string>;
  readonly log: Logger;
  readonly clientIds?: readonly string[] | undefined;
  /** When given, the tokens are stored there too and the circuit breaker is honoured. */
  readonly state?: PlatformState | undefined;
  readonly circuitBreaker?: Partial<CircuitBreakerPolicy> | undefined;
  readonly now?: (() => number) | undefined;
}

export interface GarminLoginResult {
  /** For the repository secret GARMIN_TOKEN_COM / GARMIN_TOKEN_CN. A credential: never log it. */
  readonly tokenBlob: string;
  /** When the refresh token expires: the blob must be renewed before then. */
  readonly expiresAt: Date;
  readonly secretName: string;
}

/** The `login` command's work: password (+ MFA prompt) or pasted ticket → validated DI tokens → blob. */
export async function runGarminLogin(options: GarminLoginOptions): Promise<GarminLoginResult> {
  const now = options.now ?? Date.now;
  const nowSec = (): number => Math.floor(now() / 1000);
  const http = createGarminHttpClient(options);
  let tokens: DiTokens;
  if (options.ticket) {
    tokens = await ticketLogin(http, options.region, options.ticket, options.serviceUrl, options.clientIds, nowSec);
  } else {
    if (!options.email || !options.password) throw new ConfigError(`Garmin ${options.region.toUpperCase()} login needs an email and a password, or --ticket ST-… from a browser sign-in`);
    const breaker = options.state ? new LoginCircuitBreaker(options.state, options.region, options.circuitBreaker, now) : undefined;
    tokens = await passwordLogin({
      http,
      region: options.region,
      email: options.email,
      password: options.password,
      promptMfaCode: () => options.promptMfaCode(),
      log: options.log,
      clientIds: options.clientIds,
      nowSec,
      breaker,
      state: options.state,
    });
  }
  if (options.state) {
    const store = new GarminTokenStore(options.state, options.region);
    store.save(tokens);
  }
  const tokenBlob = encodeTokenBlob(tokens);
  if (options.state) new GarminTokenStore(options.state, options.region).setBlobFingerprint(fingerprint(tokenBlob));
  return { tokenBlob, expiresAt: new Date(tokens.refreshExpiresAt * 1000), secretName: garminTokenSecretName(options.region) };
}

/** The one-line error for a run that needs a login it cannot do (CI, MFA, no token). */
export function garminLoginRequiredError(region: GarminRegion, reason?: string): AuthError {
  if (!reason) return mfaRequiredError(region);
  return new AuthError(`Garmin ${region.toUpperCase()}: ${reason}`, {
    hint: `run \`${garminLoginCommand(region)}\` on a computer with a terminal and store the printed token as the secret ${garminTokenSecretName(region)}`,
  });
}

/** Region default: cross-border calls are slow, so never under 30 s (CN gets more). */
export function defaultGarminTimeoutMs(region: GarminRegion): number {
  return region === 'cn' ? 60_000 : 30_000;
}

export function createGarminHttpClient(options: GarminConnectionOptions): HttpClient {
  const fetchImpl = options.fetch ?? createProxyFetch({ proxyUrl: options.proxyUrl, env: options.env ?? process.env, endpoints: options.endpoints });
  return new HttpClient({
    endpoints: options.endpoints,
    fetch: fetchImpl,
    timeoutMs: options.timeoutMs ?? defaultGarminTimeoutMs(options.region),
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
  });
}
