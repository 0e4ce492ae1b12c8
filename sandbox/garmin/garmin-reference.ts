/**
 * Constants the Garmin sandbox takes straight from ../shared/protocols/garmin.md, written here on
 * purpose instead of imported from src/platforms: a wrong constant in the client must not be
 * mirrored by its emulator (a sandbox that agrees with a wrong client proves nothing).
 */

export type SandboxRegion = 'com' | 'cn';

const DOMAINS: Readonly<Record<SandboxRegion, string>> = { com: 'garmin.com', cn: 'garmin.cn' };

/**
 * §1 "Hosts" as the reference writes its rows, `<domain>` standing for the region's domain; the
 * sandbox fills the pattern in rather than spelling each region's URLs out.
 */
const HOST_PATTERNS = {
  sso: 'https://sso.<domain>',
  connectapi: 'https://connectapi.<domain>',
  diauth: 'https://diauth.<domain>',
  /** §1: mobile ticket audiences (Android and iOS). */
  mobileServices: ['https://mobile.integration.<domain>/gcm/android', 'https://mobile.integration.<domain>/gcm/ios'],
  /** §4.3: the embed widget's ticket audience. */
  widgetService: 'https://sso.<domain>/sso/embed',
  /** §1, §4.6: what a browser (web) sign-in and the portal login mint. */
  webService: 'https://connect.<domain>/app',
} as const;

type HostPatterns = typeof HOST_PATTERNS;

/** The table's rows filled in for one region, plus the domain itself. */
export type SandboxHosts = { readonly domain: string } & {
  readonly [Role in keyof HostPatterns]: HostPatterns[Role] extends string ? string : readonly string[];
};

export function sandboxHosts(region: SandboxRegion): SandboxHosts {
  const domain = DOMAINS[region];
  const fill = (pattern: string): string => pattern.replaceAll('<domain>', domain);
  const rows = Object.entries(HOST_PATTERNS).map(([role, pattern]) => [
    role,
    typeof pattern === 'string' ? fill(pattern) : pattern.map(fill),
  ]);
  return { domain, ...Object.fromEntries(rows) } as SandboxHosts;
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
 * written independently of the client's encoder: the fields are the persisted token's, snake_cased.
 */
const TOKEN_BLOB_FIELDS = [
  'region',
  'clientId',
  'accessToken',
  'refreshToken',
  'expiresAt',
  'refreshExpiresAt',
] as const;

const snakeCase = (name: string): string => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

export function sandboxTokenBlob(tokens: SandboxDiTokens): string {
  const fields = Object.fromEntries(TOKEN_BLOB_FIELDS.map((name) => [snakeCase(name), tokens[name]]));
  return 'ssxg1.' + Buffer.from(JSON.stringify({ v: 1, ...fields }), 'utf8').toString('base64url');
}
