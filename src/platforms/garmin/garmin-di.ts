import { AuthError } from '../../core/errors.ts';
import { redact, registerSecret } from '../../core/secrets.ts';
import type { HttpClient, HttpResponse } from '../../http/http-client.ts';
import { DI_HEADERS, DI_SERVICE_TICKET_GRANT, garminHosts, garminLoginCommand, type GarminRegion } from './garmin-hosts.ts';
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
    return { error: String(body.error ?? `HTTP ${response.status}`), description: redact(String(body.error_description ?? '')) };
  } catch {
    return { error: `HTTP ${response.status}`, description: '' };
  }
}

/**
 * Exchanges a CAS service ticket for DI tokens (reference §4.5). The ticket is single-use, so a
 * client id is only tried again when the service refused the client id itself (invalid_client).
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
  const hosts = garminHosts(region);
  let last: OAuthError | undefined;
  for (const clientId of clientIds) {
    const response = await http.request({
      method: 'POST',
      url: hosts.diauth + TOKEN_PATH,
      headers: { ...DI_HEADERS, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', Authorization: basicAuth(clientId) },
      body: new URLSearchParams({ client_id: clientId, service_ticket: ticket, grant_type: DI_SERVICE_TICKET_GRANT, service_url: serviceUrl }).toString(),
      retry: 'unprocessed',
      accept: [400, 401, 403],
    });
    if (response.status === 200) return tokensFromDiResponse(response.json(), region, clientId, nowSec());
    last = oauthError(response);
    if (last.error !== 'invalid_client') break;
  }
  throw new AuthError(`Garmin ${region.toUpperCase()} refused the service ticket (${last?.error ?? 'no client id'}${last?.description ? `: ${last.description}` : ''})`, {
    hint: `tickets are single-use and expire within seconds: sign in again and paste a fresh ticket into \`${garminLoginCommand(region)} --ticket ST-…\` at once`,
  });
}

/** Refreshes with the stored refresh token; the answer rotates it (the caller persists at once). */
export async function refreshDiTokens(http: HttpClient, tokens: DiTokens, nowSec: () => number): Promise<DiTokens> {
  const hosts = garminHosts(tokens.region);
  const response = await http.request({
    method: 'POST',
    url: hosts.diauth + TOKEN_PATH,
    headers: { ...DI_HEADERS, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', Authorization: basicAuth(tokens.clientId) },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: tokens.clientId, refresh_token: tokens.refreshToken }).toString(),
    // A refresh that reached the server may have rotated the token: never resend it blindly.
    retry: 'unprocessed',
    accept: [400, 401],
  });
  if (response.status === 200) return tokensFromDiResponse(response.json(), tokens.region, tokens.clientId, nowSec(), tokens);
  const error = oauthError(response);
  throw tokenExpiredError(tokens.region, `${error.error}${error.description ? `: ${error.description}` : ''}`);
}

/** The validation call (reference §4.7): a token connectapi refuses is useless, whatever diauth said. */
export async function validateAccessToken(http: HttpClient, region: GarminRegion, accessToken: string): Promise<{ ok: true; displayName: string | null } | { ok: false; reason: string }> {
  const response = await http.request({
    url: garminHosts(region).connectapi + '/userprofile-service/socialProfile',
    headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
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
