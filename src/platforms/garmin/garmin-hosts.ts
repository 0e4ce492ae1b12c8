import type { PlatformId } from '../../core/activity.ts';

/** garmin.com ("COM", international) or garmin.cn ("CN", mainland China): separate account databases. */
export type GarminRegion = 'com' | 'cn';

export const GARMIN_REGIONS: readonly GarminRegion[] = ['com', 'cn'];

export interface GarminHosts {
  readonly domain: string;
  /** https://sso.<domain> */
  readonly sso: string;
  /** https://connectapi.<domain> */
  readonly connectapi: string;
  /** https://diauth.<domain>: CN tokens must be exchanged and refreshed here. */
  readonly diauth: string;
  /** Ticket audience of the mobile login (garth's final Android variant). */
  readonly mobileService: string;
  /** Ticket audience of the embed widget login. */
  readonly widgetService: string;
  /** Ticket audience of a normal browser (web) sign-in and of the portal login (§4.6, §4.9). */
  readonly webService: string;
}

export function garminHosts(region: GarminRegion): GarminHosts {
  const domain = region === 'cn' ? 'garmin.cn' : 'garmin.com';
  return {
    domain,
    sso: `https://sso.${domain}`,
    connectapi: `https://connectapi.${domain}`,
    diauth: `https://diauth.${domain}`,
    mobileService: `https://mobile.integration.${domain}/gcm/android`,
    widgetService: `https://sso.${domain}/sso/embed`,
    webService: `https://connect.${domain}/app`,
  };
}

export function garminPlatformId(region: GarminRegion): PlatformId {
  return region === 'cn' ? 'garmin_cn' : 'garmin_com';
}

export function garminLabel(region: GarminRegion): string {
  return region === 'cn' ? 'Garmin CN' : 'Garmin COM';
}

/** The mobile login's client id (garth final); must match the service URL's platform. */
export const MOBILE_CLIENT_ID = 'GCM_ANDROID_DARK';

/** An identifier, never requested; every client sends the .com literal for CN too. */
export const DI_SERVICE_TICKET_GRANT = 'https://connectapi.garmin.com/di-oauth2-service/oauth/grant/service_ticket';

/** DI client ids, newest first (Garmin reportedly rotates them; keep configurable). */
export const DEFAULT_DI_CLIENT_IDS: readonly string[] = [
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2024Q4',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI',
  'GARMIN_CONNECT_MOBILE_IOS_DI',
];

/** Browser-like headers garth's final version sent to the SSO (a UA change between steps drew 429s). */
export const SSO_BROWSER_HEADERS: Readonly<Record<string, string>> = {
  'User-Agent':
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Accept-Language': 'en-US,en;q=0.9',
};

/** The portal login's client id (§4.1 "Portal variant"; the CN front door of §4.9). */
export const PORTAL_CLIENT_ID = 'GarminConnect';

/**
 * The native Android header set (reference §5, python-garminconnect `_native_headers`): sent
 * exactly, besides Authorization and Accept, on every connectapi and diauth call. One constant so
 * it can be updated.
 */
export const NATIVE_HEADERS: Readonly<Record<string, string>> = {
  'User-Agent': 'GCM-Android-5.23',
  'X-Garmin-User-Agent':
    'com.garmin.android.apps.connectmobile/5.23; ; Google/sdk_gphone64_arm64/google; Android/33; Dalvik/2.1.0',
  'X-Garmin-Paired-App-Version': '10861',
  'X-Garmin-Client-Platform': 'Android',
  'X-App-Ver': '10861',
  'X-Lang': 'en',
  'X-GCExperience': 'GC5',
  'Accept-Language': 'en-US,en;q=0.9',
};

/** diauth adds these to the native set (§4.5). */
export const DI_HEADERS: Readonly<Record<string, string>> = {
  ...NATIVE_HEADERS,
  'Content-Type': 'application/x-www-form-urlencoded',
  'Cache-Control': 'no-cache',
};

/**
 * The sign-in page a user opens to mint a ticket for pasting, and the service it mints for. The
 * portal page is used for both regions (§4.9 step 2 for CN; for COM the same page mints the web
 * audience the reference verified with a fresh ticket, §4.6), so a bare pasted ticket defaults to
 * the web service `https://connect.<domain>/app`.
 */
export function ticketSignInUrl(region: GarminRegion): { readonly url: string; readonly service: string } {
  const hosts = garminHosts(region);
  const query = new URLSearchParams({ clientId: PORTAL_CLIENT_ID, service: hosts.webService }).toString();
  return { url: `${hosts.sso}/portal/sso/en-US/sign-in?${query}`, service: hosts.webService };
}

/** The command a user runs to get a token when no password login can work here. */
export function garminLoginCommand(region: GarminRegion): string {
  return `node cli.js login --for action --region ${region}`;
}

/** The repository secret holding the token blob printed by the login command. */
export function garminTokenSecretName(region: GarminRegion): string {
  return region === 'cn' ? 'GARMIN_TOKEN_CN' : 'GARMIN_TOKEN_COM';
}
