/**
 * Constants the Garmin sandbox takes straight from ../shared/protocols/garmin.md, written here on
 * purpose instead of imported from src/platforms: a wrong constant in the client must not be
 * mirrored by its emulator (a sandbox that agrees with a wrong client proves nothing).
 */

export type SandboxRegion = 'com' | 'cn';

export interface SandboxHosts {
  readonly domain: string;
  readonly sso: string;
  readonly connectapi: string;
  readonly diauth: string;
  /** §1: mobile ticket audiences (Android and iOS). */
  readonly mobileServices: readonly string[];
  /** §4.3: the embed widget's ticket audience. */
  readonly widgetService: string;
  /** §1, §4.6: what a browser (web) sign-in and the portal login mint. */
  readonly webService: string;
}

export function sandboxHosts(region: SandboxRegion): SandboxHosts {
  const domain = region === 'cn' ? 'garmin.cn' : 'garmin.com';
  return {
    domain,
    sso: `https://sso.${domain}`,
    connectapi: `https://connectapi.${domain}`,
    diauth: `https://diauth.${domain}`,
    mobileServices: [
      `https://mobile.integration.${domain}/gcm/android`,
      `https://mobile.integration.${domain}/gcm/ios`,
    ],
    widgetService: `https://sso.${domain}/sso/embed`,
    webService: `https://connect.${domain}/app`,
  };
}

/** §4.5: the grant type identifier, the same `.com` literal for CN. */
export const SERVICE_TICKET_GRANT_LITERAL =
  'https://connectapi.garmin.com/di-oauth2-service/oauth/grant/service_ticket';

/** §4.5: client ids seen, python-garminconnect's order (0.3.12). */
export const REFERENCE_DI_CLIENT_IDS: readonly string[] = [
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2024Q4',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI',
  'GARMIN_CONNECT_MOBILE_IOS_DI',
];

/** §4.1: mobile login client ids, and §4.1 "Portal variant". */
export const MOBILE_LOGIN_CLIENT_IDS: readonly string[] = ['GCM_ANDROID_DARK', 'GCM_IOS_DARK'];
export const PORTAL_LOGIN_CLIENT_ID = 'GarminConnect';

/** §5.1: `"YYYY-MM-DD HH:MM:SS"` (space separator, no zone). */
export function garminTimestamp(epochSec: number): string {
  return new Date(epochSec * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** The DI tokens a test hands to a client (the project's persisted shape, reference §3). */
export interface SandboxDiTokens {
  readonly region: SandboxRegion;
  readonly clientId: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresAt: number;
  readonly refreshExpiresAt: number;
}

/**
 * The project's documented token-blob format (README "Sign-in": `ssxg1.` + base64url of a JSON
 * object with v, region, client_id, access_token, refresh_token, expires_at, refresh_expires_at),
 * written independently of the client's encoder.
 */
export function sandboxTokenBlob(tokens: SandboxDiTokens): string {
  const json = JSON.stringify({
    v: 1,
    region: tokens.region,
    client_id: tokens.clientId,
    access_token: tokens.accessToken,
    refresh_token: tokens.refreshToken,
    expires_at: tokens.expiresAt,
    refresh_expires_at: tokens.refreshExpiresAt,
  });
  return 'ssxg1.' + Buffer.from(json, 'utf8').toString('base64url');
}
