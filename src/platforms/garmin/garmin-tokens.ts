import { createHash } from 'node:crypto';
import { AuthError, ConfigError, RetryableError } from '../../core/errors.ts';
import { registerSecret } from '../../core/secrets.ts';
import type { PlatformState } from '../../store/state-box.ts';
import { garminLoginCommand, garminTokenSecretName, type GarminRegion } from './garmin-hosts.ts';

/** What we persist per region (reference §3); times are epoch seconds. */
export interface DiTokens {
  readonly region: GarminRegion;
  readonly clientId: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresAt: number;
  readonly refreshExpiresAt: number;
}

/** Reads the payload of a JWT without checking its signature (only the service can). */
export function jwtPayload(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Tokens from a DI token response (exchange or refresh). Lifetimes are read from each response
 * and the JWT `exp`, never hard-coded. A refresh response without a refresh token keeps the old one.
 */
export function tokensFromDiResponse(
  body: unknown,
  region: GarminRegion,
  clientId: string,
  nowSec: number,
  previous?: DiTokens,
): DiTokens {
  const record = (body ?? {}) as Record<string, unknown>;
  const accessToken = typeof record.access_token === 'string' ? record.access_token : '';
  if (!accessToken) throw new RetryableError('Garmin DI token response has no access_token');
  registerSecret(accessToken);
  const refreshToken =
    typeof record.refresh_token === 'string' && record.refresh_token ? record.refresh_token : previous?.refreshToken;
  if (!refreshToken) throw new RetryableError('Garmin DI token response has no refresh_token');
  registerSecret(refreshToken);
  const payload = jwtPayload(accessToken);
  const exp = payload?.exp;
  // §4.5: keep the JWT's client_id claim (falling back to the id sent); refreshes use it.
  const claimedClientId = typeof payload?.client_id === 'string' && payload.client_id ? payload.client_id : clientId;
  const expiresIn = Number(record.expires_in);
  const expiresAt =
    typeof exp === 'number' && Number.isFinite(exp) ? exp : nowSec + (Number.isFinite(expiresIn) ? expiresIn : 3600);
  const refreshIn = Number(record.refresh_token_expires_in);
  const refreshExpiresAt = Number.isFinite(refreshIn)
    ? nowSec + refreshIn
    : (previous?.refreshExpiresAt ?? nowSec + 30 * 86400);
  return { region, clientId: claimedClientId, accessToken, refreshToken, expiresAt, refreshExpiresAt };
}

// ---------------------------------------------------------------------------------------------
// Token blob: what the login command prints for the repository secret GARMIN_TOKEN_COM / _CN.

const BLOB_PREFIX = 'ssxg1.';

export function encodeTokenBlob(tokens: DiTokens): string {
  const json = JSON.stringify({
    v: 1,
    region: tokens.region,
    client_id: tokens.clientId,
    access_token: tokens.accessToken,
    refresh_token: tokens.refreshToken,
    expires_at: tokens.expiresAt,
    refresh_expires_at: tokens.refreshExpiresAt,
  });
  const blob = BLOB_PREFIX + Buffer.from(json, 'utf8').toString('base64url');
  registerSecret(blob);
  return blob;
}

/** Parses a token blob; `variableName` names the setting in the one-line error. */
export function decodeTokenBlob(blob: string, expectedRegion?: GarminRegion, variableName?: string): DiTokens {
  const trimmed = blob.trim();
  registerSecret(trimmed);
  const name = variableName ?? (expectedRegion ? garminTokenSecretName(expectedRegion) : 'the Garmin token');
  const rerun = expectedRegion
    ? ` run \`${garminLoginCommand(expectedRegion)}\` and paste the token it prints`
    : ' run `node cli.js login --for action` and paste the token it prints';
  if (!trimmed.startsWith(BLOB_PREFIX)) {
    throw new ConfigError(`${name} is not a Sports Sync X Garmin token (it must start with "${BLOB_PREFIX}"):${rerun}`);
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(Buffer.from(trimmed.slice(BLOB_PREFIX.length), 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    throw new ConfigError(`${name} is damaged (not decodable); copy it again in full or${rerun}`);
  }
  const region = parsed.region;
  const fields = [parsed.client_id, parsed.access_token, parsed.refresh_token];
  if (
    (region !== 'com' && region !== 'cn') ||
    fields.some((field) => typeof field !== 'string' || field === '') ||
    typeof parsed.expires_at !== 'number' ||
    typeof parsed.refresh_expires_at !== 'number'
  ) {
    throw new ConfigError(`${name} is damaged (fields missing); copy it again in full or${rerun}`);
  }
  if (expectedRegion && region !== expectedRegion) {
    throw new ConfigError(
      `${name} holds a garmin.${region} token but is configured for garmin.${expectedRegion}; ` +
        `use the token printed by \`${garminLoginCommand(expectedRegion)}\``,
    );
  }
  const tokens: DiTokens = {
    region,
    clientId: parsed.client_id as string,
    accessToken: parsed.access_token as string,
    refreshToken: parsed.refresh_token as string,
    expiresAt: parsed.expires_at as number,
    refreshExpiresAt: parsed.refresh_expires_at as number,
  };
  registerSecret(tokens.accessToken);
  registerSecret(tokens.refreshToken);
  return tokens;
}

/** A short, non-reversible fingerprint (tells whether the configured blob changed). */
export function fingerprint(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 16);
}

// ---------------------------------------------------------------------------------------------
// Persistence in the platform state (sealed: encrypted at rest, written immediately).

const TOKENS_KEY = 'di_tokens';
const BLOB_FINGERPRINT_KEY = 'token_blob_fingerprint';

export class GarminTokenStore {
  private readonly state: PlatformState;
  private readonly region: GarminRegion;

  constructor(state: PlatformState, region: GarminRegion) {
    this.state = state;
    this.region = region;
  }

  load(): DiTokens | undefined {
    const raw = this.state.getSecret(TOKENS_KEY);
    if (!raw) return undefined;
    try {
      const parsed = JSON.parse(raw) as DiTokens;
      if (parsed.region !== this.region || !parsed.accessToken || !parsed.refreshToken) return undefined;
      registerSecret(parsed.accessToken);
      registerSecret(parsed.refreshToken);
      return parsed;
    } catch {
      return undefined;
    }
  }

  save(tokens: DiTokens): void {
    this.state.setSecret(TOKENS_KEY, JSON.stringify(tokens));
  }

  clear(): void {
    this.state.setSecret(TOKENS_KEY, undefined);
  }

  /** Which configured blob the stored tokens descend from (so a newly pasted blob wins). */
  blobFingerprint(): string | undefined {
    return this.state.getPlain(BLOB_FINGERPRINT_KEY);
  }

  setBlobFingerprint(value: string | undefined): void {
    this.state.setPlain(BLOB_FINGERPRINT_KEY, value);
  }
}

export function tokenExpiredError(region: GarminRegion, reason: string): AuthError {
  return new AuthError(`Garmin ${region.toUpperCase()} token can no longer be refreshed (${reason})`, {
    hint: `run \`${garminLoginCommand(region)}\` and store the printed token as ${garminTokenSecretName(region)}`,
  });
}
