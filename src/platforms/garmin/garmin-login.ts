import { AuthError, ConfigError } from '../../core/errors.ts';
import type { EndpointMap } from '../../core/endpoints.ts';
import type { Logger } from '../../core/log.ts';
import { registerSecret } from '../../core/secrets.ts';
import { HttpClient, type FetchFunction } from '../../http/http-client.ts';
import type { BackoffPolicy } from '../../http/retry.ts';
import { createProxyFetch } from '../../http/proxy-fetch.ts';
import type { PlatformState } from '../../store/state-box.ts';
import { LoginCircuitBreaker, type CircuitBreakerPolicy } from './garmin-circuit-breaker.ts';
import { ExchangeBlockedError, exchangeServiceTicket, TicketRefusedError, validateAccessToken } from './garmin-di.ts';
import {
  DEFAULT_DI_CLIENT_IDS,
  garminHosts,
  garminLoginCommand,
  garminTokenSecretName,
  ticketSignInUrl,
  type GarminRegion,
} from './garmin-hosts.ts';
import {
  BadCredentialsError,
  badCredentialsError,
  mobileLogin,
  mfaRequiredError,
  portalLogin,
  widgetLogin,
  type FrontDoorResult,
  type SsoLoginOptions,
} from './garmin-sso.ts';
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
  // COM: mobile, then widget (§3.4). CN: portal, widget, then the unverified .cn mobile (§4.9).
  const doors = region === 'cn' ? [portalLogin, widgetLogin, mobileLogin] : [mobileLogin, widgetLogin];
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
    let tokens: DiTokens;
    try {
      tokens = await exchangeServiceTicket(
        options.http,
        region,
        result.ticket,
        result.serviceUrl,
        options.clientIds ?? DEFAULT_DI_CLIENT_IDS,
        options.nowSec,
      );
    } catch (error) {
      // A refused or blocked exchange says this front door does not work from here (§4.3, §6):
      // the next front door, then the breaker; never the same ticket again.
      if (!(error instanceof TicketRefusedError || error instanceof ExchangeBlockedError)) throw error;
      log.warn(`Garmin ${region.toUpperCase()}: the ${result.frontDoor} ticket was not exchanged (${error.message})`);
      const block =
        error instanceof TicketRefusedError ? 'ticket refused at the exchange' : `exchange HTTP ${error.status ?? '?'}`;
      blocks.push(`${block} (${result.frontDoor})`);
      continue;
    }
    const validation = await validateAccessToken(options.http, region, tokens.accessToken);
    if (!validation.ok) {
      log.warn(
        `Garmin ${region.toUpperCase()}: the token from the ${result.frontDoor} login is refused by connectapi ` +
          `(${validation.reason}); discarded`,
      );
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
    throw new AuthError(
      `Garmin ${region.toUpperCase()} login paused until ${until.toISOString()}: Garmin answered ${reason}`,
      {
        hint:
          `no login will be tried before then; or sign in at ${ticketSignInUrl(region).url} and run ` +
          `\`${garminLoginCommand(region)} --ticket '<address with ?ticket=ST-…>'\``,
      },
    );
  }
  throw new AuthError(`Garmin ${region.toUpperCase()} blocked the login: ${reason}`, {
    hint:
      `wait a few hours, or sign in at ${ticketSignInUrl(region).url} and run ` +
      `\`${garminLoginCommand(region)} --ticket '<address with ?ticket=ST-…>'\``,
  });
}

/** What a pasted value means: the ticket and the service it was issued for. */
export interface PastedTicket {
  readonly ticket: string;
  readonly serviceUrl: string;
  /** Where the service came from (for the user's information). */
  readonly serviceSource: 'pasted URL' | '--service' | 'default (web sign-in)';
}

const TICKET_SHAPE = /^ST-[A-Za-z0-9-]{8,}$/;

/** The services a ticket for this region can belong to (§1): anything else is a typo or another region. */
function knownServices(region: GarminRegion): Map<string, string> {
  const hosts = garminHosts(region);
  return new Map([
    ['web', hosts.webService],
    ['mobile', hosts.mobileService],
    ['mobile-ios', hosts.mobileService.replace(/\/android$/, '/ios')],
    ['widget', hosts.widgetService],
  ]);
}

function serviceFromFlag(region: GarminRegion, flag: string): string {
  const services = knownServices(region);
  const named = services.get(flag.trim().toLowerCase());
  if (named) return named;
  const normalised = flag.trim().replace(/\/+$/, '');
  if ([...services.values()].includes(normalised)) return normalised;
  throw new ConfigError(
    `--service ${flag} is not a garmin.${region === 'cn' ? 'cn' : 'com'} ticket service; ` +
      `use web (${services.get('web')}), mobile (${services.get('mobile')}) or widget (${services.get('widget')})`,
  );
}

/**
 * Reads what the user pasted (reference §4.6): the bare `ST-…` ticket, or the whole address it
 * came with (`https://connect.<domain>/app?ticket=ST-…`), whose scheme, host and path are the
 * service. A bare ticket belongs to `--service`, else to the web sign-in the tool prints. Never a
 * guess from the suffix, and a value with two readings is refused rather than spent on one.
 */
export function parsePastedTicket(region: GarminRegion, pasted: string, serviceFlag?: string): PastedTicket {
  const value = pasted.trim().replace(/^["']|["']$/g, '');
  registerSecret(value);
  const flagService = serviceFlag === undefined ? undefined : serviceFromFlag(region, serviceFlag);
  if (/^https?:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      const message = 'the pasted address is not a valid URL; copy the whole address that carried ?ticket=ST-…';
      throw new ConfigError(message);
    }
    const ticket = url.searchParams.get('ticket') ?? '';
    registerSecret(ticket);
    if (!TICKET_SHAPE.test(ticket))
      throw new ConfigError(
        'the pasted address has no ?ticket=ST-… in it; copy the address of the request that carried the ticket',
      );
    const service = `${url.protocol}//${url.host}${url.pathname}`.replace(/\/+$/, '');
    if (![...knownServices(region).values()].includes(service)) {
      throw new ConfigError(
        `the pasted address is for ${url.host}${url.pathname}, ` +
          `not a garmin.${region === 'cn' ? 'cn' : 'com'} sign-in service; check --region, ` +
          `or sign in at ${ticketSignInUrl(region).url}`,
      );
    }
    if (flagService && flagService !== service)
      throw new ConfigError(
        `--service ${serviceFlag} disagrees with the pasted address (${service}); ` +
          `drop --service or paste the bare ticket`,
      );
    return { ticket, serviceUrl: service, serviceSource: 'pasted URL' };
  }
  if (!TICKET_SHAPE.test(value)) {
    throw new ConfigError(
      'the ticket must look like ST-0123456-AbCdEfGhIjKlMnOpQrSt-sso, ' +
        'or be the whole address that carried ?ticket=ST-…',
    );
  }
  if (flagService) return { ticket: value, serviceUrl: flagService, serviceSource: '--service' };
  return { ticket: value, serviceUrl: ticketSignInUrl(region).service, serviceSource: 'default (web sign-in)' };
}

/** Ticket-paste bootstrap (reference §4.6): exchange at once, then validate before storing. */
export async function ticketLogin(
  http: HttpClient,
  region: GarminRegion,
  pasted: PastedTicket,
  clientIds: readonly string[] | undefined,
  nowSec: () => number,
): Promise<DiTokens> {
  const tokens = await exchangeServiceTicket(
    http,
    region,
    pasted.ticket,
    pasted.serviceUrl,
    clientIds ?? DEFAULT_DI_CLIENT_IDS,
    nowSec,
  );
  const validation = await validateAccessToken(http, region, tokens.accessToken);
  if (!validation.ok) {
    throw new AuthError(
      `Garmin ${region.toUpperCase()} refuses the token minted from that ticket (${validation.reason})`,
      {
        hint:
          `sign in at ${ticketSignInUrl(region).url} and paste the fresh ticket, ` +
          `or the whole address that carried it`,
      },
    );
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
  /**
   * A service ticket copied from a browser (ST-…), or the whole address that carried it; skips the
   * password cascade.
   */
  readonly ticket?: string | undefined;
  /** `--service`: web | mobile | widget or the service URL, for a bare ticket (default: web). */
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
    const pasted = parsePastedTicket(options.region, options.ticket, options.serviceUrl);
    options.log.debug(
      `Garmin ${options.region.toUpperCase()}: ` +
        `exchanging the ticket for ${pasted.serviceUrl} (${pasted.serviceSource})`,
    );
    tokens = await ticketLogin(http, options.region, pasted, options.clientIds, nowSec);
  } else {
    if (!options.email || !options.password)
      throw new ConfigError(
        `Garmin ${options.region.toUpperCase()} login needs an email and a password, ` +
          `or --ticket ST-… from a browser sign-in`,
      );
    const breaker = options.state
      ? new LoginCircuitBreaker(options.state, options.region, options.circuitBreaker, now)
      : undefined;
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
  return {
    tokenBlob,
    expiresAt: new Date(tokens.refreshExpiresAt * 1000),
    secretName: garminTokenSecretName(options.region),
  };
}

/** The one-line error for a run that needs a login it cannot do (CI, MFA, no token). */
export function garminLoginRequiredError(region: GarminRegion, reason?: string): AuthError {
  if (!reason) return mfaRequiredError(region);
  return new AuthError(`Garmin ${region.toUpperCase()}: ${reason}`, {
    hint:
      `run \`${garminLoginCommand(region)}\` on a computer with a terminal and store the printed token as ` +
      `the secret ${garminTokenSecretName(region)}`,
  });
}

/** Region default: cross-border calls are slow, so never under 30 s (CN gets more). */
export function defaultGarminTimeoutMs(region: GarminRegion): number {
  return region === 'cn' ? 60_000 : 30_000;
}

export function createGarminHttpClient(options: GarminConnectionOptions): HttpClient {
  const fetchImpl = options.fetch ?? createProxyFetch({ proxyUrl: options.proxyUrl, env: options.env ?? process.env });
  return new HttpClient({
    endpoints: options.endpoints,
    fetch: fetchImpl,
    timeoutMs: options.timeoutMs ?? defaultGarminTimeoutMs(options.region),
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
  });
}
