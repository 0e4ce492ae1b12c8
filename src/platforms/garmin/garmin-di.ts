import { AuthError, RetryableError } from '../../core/errors.ts';
import { jsonObject } from '../../core/json.ts';
import { redact, registerSecret } from '../../core/secrets.ts';
import type { HttpClient, HttpResponse } from '../../http/http-client.ts';
import {
  DI_HEADERS,
  DI_SERVICE_TICKET_GRANT,
  garminHosts,
  garminLoginCommand,
  NATIVE_HEADERS,
  ticketSignInUrl,
  type GarminRegion,
} from './garmin-hosts.ts';
import { tokenExpiredError, tokensFromDiResponse, type DiTokens } from './garmin-tokens.ts';

const TOKEN_PATH = '/di-oauth2-service/oauth/token';

function basicAuth(clientId: string): string {
  return 'Basic ' + Buffer.from(`${clientId}:`).toString('base64');
}

interface OAuthError {
  readonly error: string;
  readonly description: string;
}

function oauthError(response: HttpResponse): OAuthError {
  try {
    const body = JSON.parse(response.text()) as { error?: unknown; error_description?: unknown };
    return {
      error: String(body.error ?? `HTTP ${response.status}`),
      description: redact(String(body.error_description ?? '')),
    };
  } catch {
    return { error: `HTTP ${response.status}`, description: '' };
  }
}

/** "invalid_grant: Refresh token expired", or the code alone when diauth gave no description. */
const oauthText = (error: OAuthError) => `${error.error}${error.description ? `: ${error.description}` : ''}`;

/**
 * One POST to diauth's token endpoint. Never resent: a request that reached the server may have
 * consumed the ticket or rotated the refresh token. Every status is returned to the caller to judge.
 */
function postToTokenEndpoint(
  http: HttpClient,
  region: GarminRegion,
  clientId: string,
  acceptHeader: string,
  form: Readonly<Record<string, string>>,
): Promise<HttpResponse> {
  return http.request({
    method: 'POST',
    url: garminHosts(region).diauth + TOKEN_PATH,
    headers: { ...DI_HEADERS, Accept: acceptHeader, Authorization: basicAuth(clientId) },
    body: new URLSearchParams({ client_id: clientId, ...form }).toString(),
    retry: 'never',
    accept: EVERY_ERROR_STATUS,
  });
}

/** The body of a 2xx answer that carries an access token; undefined for anything else. */
function tokenBody(response: HttpResponse): Record<string, unknown> | undefined {
  if (response.status < 200 || response.status >= 300) return undefined;
  const body = jsonObject(response.text());
  return typeof body?.access_token === 'string' ? body : undefined;
}

/** diauth refused the ticket itself ("invalid service ticket provided"): another id will not help. */
export class TicketRefusedError extends AuthError {}

/** diauth answered 429/403/5xx to the exchange: a block, not a verdict on the ticket or the id. */
export class ExchangeBlockedError extends RetryableError {}

const EVERY_ERROR_STATUS: readonly number[] = Array.from({ length: 200 }, (_, index) => 400 + index);

/** Only an answer that names the client id itself moves the walk to the next id (§4.5, §6). */
function refusesClientId(response: HttpResponse, error: OAuthError): boolean {
  if (error.error === 'invalid_client') return true;
  if (response.status !== 401) return false;
  return /unauthori[sz]ed|whitelabel/i.test(`${error.description} ${response.text().slice(0, 500)}`);
}

/**
 * Exchanges a CAS service ticket for DI tokens (reference §4.5). The ticket is single-use and may
 * be consumed by a refusal, so the next client id is tried only when diauth refused the client id
 * itself; a 429, 403 or 5xx stops the walk as a block; any other refusal is the ticket's.
 */
export async function exchangeServiceTicket(
  http: HttpClient,
  region: GarminRegion,
  ticket: string,
  serviceUrl: string,
  clientIds: readonly string[],
  nowSec: () => number,
): Promise<DiTokens> {
  registerSecret(ticket);
  let last: OAuthError | undefined;
  for (const clientId of clientIds) {
    const response = await postToTokenEndpoint(http, region, clientId, 'application/json,text/html;q=0.9,*/*;q=0.8', {
      service_ticket: ticket,
      grant_type: DI_SERVICE_TICKET_GRANT,
      service_url: serviceUrl,
    });
    const body = tokenBody(response);
    if (body !== undefined) return tokensFromDiResponse(body, region, clientId, nowSec());
    if (response.status >= 200 && response.status < 300) {
      last = { error: `HTTP ${response.status} without access_token`, description: '' };
      continue;
    }
    last = oauthError(response);
    if (response.status === 429 || response.status === 403 || response.status >= 500) {
      throw new ExchangeBlockedError(
        `Garmin ${region.toUpperCase()} token exchange answered HTTP ${response.status}; the ticket was not retried`,
        { status: response.status },
      );
    }
    if (!refusesClientId(response, last)) {
      throw new TicketRefusedError(`Garmin ${region.toUpperCase()} refused the service ticket (${oauthText(last)})`, {
        status: response.status,
        hint:
          `tickets are single-use, expire within a minute and belong to one service: ` +
          `sign in again (${ticketSignInUrl(region).url}) and paste the fresh ticket, ` +
          `or the whole address it came with, into \`${garminLoginCommand(region)} --ticket …\` at once`,
      });
    }
  }
  throw new AuthError(
    `Garmin ${region.toUpperCase()} refused every DI client id (${last ? oauthText(last) : 'no client id'})`,
    {
      hint: 'the client id list may be stale: update Sports Sync X',
    },
  );
}

/** diauth answered the refresh with something other than a verdict on the token (§4.7): tokens kept. */
export class RefreshRefusedError extends RetryableError {}

/**
 * Refreshes with the stored refresh token; the answer rotates it (the caller persists at once).
 * Only 400 invalid_grant means the refresh token is dead; every other answer leaves it alone.
 */
export async function refreshDiTokens(http: HttpClient, tokens: DiTokens, nowSec: () => number): Promise<DiTokens> {
  const response = await postToTokenEndpoint(http, tokens.region, tokens.clientId, 'application/json', {
    grant_type: 'refresh_token',
    refresh_token: tokens.refreshToken,
  });
  const body = tokenBody(response);
  if (body !== undefined) return tokensFromDiResponse(body, tokens.region, tokens.clientId, nowSec(), tokens);
  const error = oauthError(response);
  if (response.status === 400 && error.error === 'invalid_grant')
    throw tokenExpiredError(tokens.region, oauthText(error));
  throw new RefreshRefusedError(
    `Garmin ${tokens.region.toUpperCase()} temporarily refused the token refresh (HTTP ${response.status}); ` +
      `tokens kept, no login tried this run`,
    {
      status: response.status,
      hint: 'nothing to do: the next run tries again with the same tokens',
    },
  );
}

/** The validation call (reference §4.7): a token connectapi refuses is useless, whatever diauth said. */
export async function validateAccessToken(
  http: HttpClient,
  region: GarminRegion,
  accessToken: string,
): Promise<{ ok: true; displayName: string | null } | { ok: false; reason: string }> {
  const response = await http.request({
    url: garminHosts(region).connectapi + '/userprofile-service/socialProfile',
    headers: { ...NATIVE_HEADERS, Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
    accept: [401, 403],
  });
  if (response.status === 200) {
    const body = response.json<{ displayName?: unknown }>();
    return { ok: true, displayName: typeof body.displayName === 'string' ? body.displayName : null };
  }
  const challenge = response.headers.get('www-authenticate') ?? '';
  const description = /error_description="([^"]*)"/.exec(challenge)?.[1];
  return { ok: false, reason: `HTTP ${response.status}${description ? ` "${description}"` : ''}` };
}
