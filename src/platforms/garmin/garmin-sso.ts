import { AuthError, RetryableError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { registerSecret } from '../../core/secrets.ts';
import type { HttpClient, HttpResponse } from '../../http/http-client.ts';
import { sleep } from '../../http/retry.ts';
import {
  garminHosts,
  garminLoginCommand,
  garminTokenSecretName,
  MOBILE_CLIENT_ID,
  PORTAL_CLIENT_ID,
  SSO_BROWSER_HEADERS,
  type GarminRegion,
} from './garmin-hosts.ts';

/** Asks the user for the MFA code Garmin just sent (interactive runs only). */
export type MfaPrompt = (info: {
  readonly method: string;
  readonly sentTo: string | null;
  readonly attempt: number;
}) => Promise<string>;

export type FrontDoor = 'mobile' | 'portal' | 'widget';

/** What one front door produced. Credential errors and MFA-in-CI are thrown, not returned. */
export type FrontDoorResult =
  | { readonly kind: 'ticket'; readonly ticket: string; readonly serviceUrl: string; readonly frontDoor: FrontDoor }
  /** Cloudflare / rate limit / captcha: try the next front door, then open the circuit breaker. */
  | { readonly kind: 'blocked'; readonly frontDoor: FrontDoor; readonly reason: string };

const MAX_MFA_ATTEMPTS = 3;

/** One cookie jar per login, shared by every step (Garmin binds MFA and CSRF to it). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  absorb(response: HttpResponse): void {
    for (const header of response.setCookies()) {
      const pair = header.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      registerSecret(value);
      if (value === '' || /max-age=0\b/i.test(header)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  has(name: string): boolean {
    return this.cookies.has(name);
  }
}

export interface SsoLoginOptions {
  readonly http: HttpClient;
  readonly region: GarminRegion;
  readonly email: string;
  readonly password: string;
  readonly promptMfaCode?: MfaPrompt | undefined;
  readonly log: Logger;
  /** Pause between the widget's page GET and its POST (python-garminconnect waits 3–8 s). */
  readonly widgetPauseMs?: number | undefined;
  /** Pause between the portal's page GET and its POST (python-garminconnect waits 10–20 s). */
  readonly portalPauseMs?: number | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

/** Desktop browser headers for the portal front door (§4.1 "Portal variant"). */
const DESKTOP_BROWSER_HEADERS: Readonly<Record<string, string>> = {
  'User-Agent':
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36',
  'Accept-Language': 'en-US,en;q=0.9',
};

class SsoSession {
  readonly jar = new CookieJar();
  private readonly http: HttpClient;
  private readonly browserHeaders: Readonly<Record<string, string>>;

  /** One User-Agent for every step: Cloudflare answered 429 when it changed (garth 6c1b537). */
  constructor(http: HttpClient, browserHeaders: Readonly<Record<string, string>> = SSO_BROWSER_HEADERS) {
    this.http = http;
    this.browserHeaders = browserHeaders;
  }

  async send(request: {
    method?: string;
    url: string;
    headers?: Record<string, string>;
    body?: string;
  }): Promise<HttpResponse> {
    const cookie = this.jar.header();
    const response = await this.http.request({
      method: request.method ?? 'GET',
      url: request.url,
      headers: { ...this.browserHeaders, ...request.headers, ...(cookie ? { Cookie: cookie } : {}) },
      ...(request.body === undefined ? {} : { body: request.body }),
      // Retrying a login is what gets accounts locked: every SSO call is sent exactly once.
      retry: 'never',
      redirect: 'manual',
      accept: [400, 401, 403, 404, 409, 412, 429],
    });
    this.jar.absorb(response);
    return response;
  }
}

export function mfaRequiredError(region: GarminRegion): AuthError {
  return new AuthError(
    `Garmin ${region.toUpperCase()} account uses two-step verification (MFA) and no usable token is stored`,
    {
      hint:
        `run \`${garminLoginCommand(region)}\` on a computer with a terminal and store the printed token ` +
        `as the secret ${garminTokenSecretName(region)}`,
    },
  );
}

/** Garmin refused the email/password: never retried, and remembered so the next run does not resend it. */
export class BadCredentialsError extends AuthError {}

export function badCredentialsError(region: GarminRegion, detail: string): AuthError {
  return new BadCredentialsError(
    `Garmin ${region.toUpperCase()} refused the email or password (${detail}); not retrying, ` +
      `to avoid locking the account`,
    {
      hint:
        `check the Garmin ${region.toUpperCase()} email and password (sign in at ` +
        `https://connect.${garminHosts(region).domain} to confirm), or run \`${garminLoginCommand(region)}\``,
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Parsers (pure; tested against the recorded exchanges).

export interface MobileLoginResponse {
  readonly type: string;
  readonly ticket: string | null;
  readonly mfaMethod: string | null;
  readonly mfaSentTo: string | null;
}

export function parseMobileLoginResponse(text: string): MobileLoginResponse | undefined {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const status = body.responseStatus as { type?: unknown } | undefined;
  if (!status || typeof status.type !== 'string') return undefined;
  const ticket = typeof body.serviceTicketId === 'string' && body.serviceTicketId ? body.serviceTicketId : null;
  registerSecret(ticket);
  const mfa = body.customerMfaInfo as
    { mfaLastMethodUsed?: unknown; email?: unknown; phoneNumber?: unknown } | null | undefined;
  return {
    type: status.type,
    ticket,
    mfaMethod: mfa && typeof mfa.mfaLastMethodUsed === 'string' ? mfa.mfaLastMethodUsed : null,
    mfaSentTo: mfa
      ? typeof mfa.email === 'string'
        ? mfa.email
        : typeof mfa.phoneNumber === 'string'
          ? mfa.phoneNumber
          : null
      : null,
  };
}

export function extractCsrf(html: string): string | undefined {
  return /name="_csrf"\s+value="(.+?)"/.exec(html)?.[1];
}

export function extractTitle(html: string): string {
  return (/<title>([^<]*)<\/title>/i.exec(html)?.[1] ?? '').trim();
}

export function extractWidgetTicket(html: string): string | undefined {
  const ticket = /\?ticket=(ST-[^"&\s\\]+)/.exec(html)?.[1];
  registerSecret(ticket);
  return ticket;
}

export function extractInlineStatus(html: string): string | undefined {
  return /var\s+status\s*=\s*"([^"]*)"/.exec(html)?.[1];
}

function isBlockedStatus(status: number): boolean {
  return status === 429 || status === 403;
}

/** §4.1: `{"error":{"status-code":"429",…}}` is a rate limit whatever the HTTP status. */
export function isJsonRateLimit(text: string): boolean {
  try {
    const body = JSON.parse(text) as { error?: { 'status-code'?: unknown } } | null;
    return (
      body !== null &&
      typeof body === 'object' &&
      typeof body.error === 'object' &&
      body.error !== null &&
      String(body.error['status-code']) === '429'
    );
  } catch {
    return false;
  }
}

/** A block (status or JSON body) on a JSON login call, as the reason to report; else undefined. */
function jsonBlock(response: HttpResponse, step: string): string | undefined {
  if (isJsonRateLimit(response.text())) return `rate limit (JSON 429 body, HTTP ${response.status}) on ${step}`;
  if (isBlockedStatus(response.status)) return `HTTP ${response.status} on ${step}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Front doors (a) the mobile JSON API and (CN first) the portal JSON API (reference §4.1, §4.2).

export function mobileLogin(options: SsoLoginOptions): Promise<FrontDoorResult> {
  return jsonApiLogin(options, 'mobile');
}

export function portalLogin(options: SsoLoginOptions): Promise<FrontDoorResult> {
  return jsonApiLogin(options, 'portal');
}

async function jsonApiLogin(options: SsoLoginOptions, door: 'mobile' | 'portal'): Promise<FrontDoorResult> {
  const hosts = garminHosts(options.region);
  const mobile = door === 'mobile';
  const clientId = mobile ? MOBILE_CLIENT_ID : PORTAL_CLIENT_ID;
  const service = mobile ? hosts.mobileService : hosts.webService;
  const session = new SsoSession(options.http, mobile ? SSO_BROWSER_HEADERS : DESKTOP_BROWSER_HEADERS);
  const query = new URLSearchParams({ clientId, locale: 'en-US', service }).toString();
  // Step 1: the sign-in page with the same clientId, service and User-Agent as the POST, in the
  // same jar (python-garminconnect 0.3.20: without it the mobile login answered 429 for months).
  const pageUrl = mobile
    ? `${hosts.sso}/mobile/sso/en_US/sign-in?${new URLSearchParams({ clientId, service }).toString()}`
    : `${hosts.sso}/portal/sso/en-US/sign-in?${new URLSearchParams({ clientId, service }).toString()}`;
  const seed = await session.send({
    url: pageUrl,
    headers: {
      Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      'Sec-Fetch-Mode': 'navigate',
      'Sec-Fetch-Dest': 'document',
      'Sec-Fetch-Site': 'none',
    },
  });
  if (isBlockedStatus(seed.status))
    return { kind: 'blocked', frontDoor: door, reason: `HTTP ${seed.status} on the sign-in page` };
  if (seed.status !== 200)
    throw new RetryableError(
      `Garmin ${options.region.toUpperCase()} ${door} sign-in page answered HTTP ${seed.status}`,
      { status: seed.status },
    );
  if (!mobile && options.portalPauseMs) await (options.sleep ?? sleep)(options.portalPauseMs);

  const jsonHeaders = {
    Accept: 'application/json, text/plain, */*',
    'Content-Type': 'application/json',
    Origin: hosts.sso,
    ...(mobile ? {} : { Referer: pageUrl }),
  };
  const api = mobile ? '/mobile/api' : '/portal/api';
  const login = await session.send({
    method: 'POST',
    url: `${hosts.sso}${api}/login?${query}`,
    headers: jsonHeaders,
    body: JSON.stringify({ username: options.email, password: options.password, rememberMe: false, captchaToken: '' }),
  });
  const loginBlock = jsonBlock(login, 'login');
  if (loginBlock) return { kind: 'blocked', frontDoor: door, reason: loginBlock };
  const parsed = parseMobileLoginResponse(login.text());
  if (!parsed)
    throw new RetryableError(
      `Garmin ${options.region.toUpperCase()} login answered HTTP ${login.status} without a login status`,
      { status: login.status },
    );

  switch (parsed.type) {
    case 'SUCCESSFUL':
      if (!parsed.ticket) throw new RetryableError('Garmin login succeeded but returned no service ticket');
      return { kind: 'ticket', ticket: parsed.ticket, serviceUrl: service, frontDoor: door };
    case 'INVALID_USERNAME_PASSWORD':
      throw badCredentialsError(options.region, 'INVALID_USERNAME_PASSWORD');
    case 'CAPTCHA_REQUIRED':
      return { kind: 'blocked', frontDoor: door, reason: 'CAPTCHA_REQUIRED' };
    case 'MFA_REQUIRED':
      break;
    default:
      throw new AuthError(`Garmin ${options.region.toUpperCase()} login answered ${parsed.type}`, {
        hint:
          `sign in at https://connect.${hosts.domain} in a browser to clear it, ` +
          `then run \`${garminLoginCommand(options.region)}\``,
      });
  }

  if (!options.promptMfaCode) throw mfaRequiredError(options.region);
  const method = parsed.mfaMethod ?? 'email';
  for (let attempt = 1; attempt <= MAX_MFA_ATTEMPTS; attempt++) {
    const code = (await options.promptMfaCode({ method, sentTo: parsed.mfaSentTo, attempt })).trim();
    registerSecret(code);
    const verify = await session.send({
      method: 'POST',
      url: `${hosts.sso}${api}/mfa/verifyCode?${query}`,
      headers: jsonHeaders,
      body: JSON.stringify({
        mfaMethod: method,
        mfaVerificationCode: code,
        rememberMyBrowser: false,
        reconsentList: [],
        mfaSetup: false,
      }),
    });
    const verifyBlock = jsonBlock(verify, 'MFA verification');
    if (verifyBlock) return { kind: 'blocked', frontDoor: door, reason: verifyBlock };
    const result = parseMobileLoginResponse(verify.text());
    if (result?.type === 'SUCCESSFUL' && result.ticket)
      return { kind: 'ticket', ticket: result.ticket, serviceUrl: service, frontDoor: door };
    if (result?.type !== 'MFA_CODE_INVALID') {
      throw new AuthError(
        `Garmin ${options.region.toUpperCase()} MFA verification answered ${result?.type ?? `HTTP ${verify.status}`}`,
        { hint: `run \`${garminLoginCommand(options.region)}\` again` },
      );
    }
    options.log.warn(`Garmin ${options.region.toUpperCase()}: that MFA code was not accepted`);
  }
  throw new AuthError(
    `Garmin ${options.region.toUpperCase()} did not accept the MFA code after ${MAX_MFA_ATTEMPTS} tries`,
    { hint: `run \`${garminLoginCommand(options.region)}\` again with the newest code` },
  );
}

// ---------------------------------------------------------------------------------------------
// Front door (b): the embed widget HTML flow (reference §4.3, §4.4).

export function widgetSigninQuery(region: GarminRegion): string {
  const embed = garminHosts(region).widgetService;
  return new URLSearchParams({
    id: 'gauth-widget',
    embedWidget: 'true',
    gauthHost: embed,
    service: embed,
    source: embed,
    redirectAfterAccountLoginUrl: embed,
    redirectAfterAccountCreationUrl: embed,
  }).toString();
}

function classifyWidgetPage(region: GarminRegion, response: HttpResponse, html: string): FrontDoorResult | undefined {
  const title = extractTitle(html);
  const ticket = extractWidgetTicket(html);
  if (title === 'Success' && ticket)
    return { kind: 'ticket', ticket, serviceUrl: garminHosts(region).widgetService, frontDoor: 'widget' };
  if (isJsonRateLimit(html))
    return { kind: 'blocked', frontDoor: 'widget', reason: `rate limit (JSON 429 body, HTTP ${response.status})` };
  if (isBlockedStatus(response.status))
    return { kind: 'blocked', frontDoor: 'widget', reason: `HTTP ${response.status}` };
  const status = extractInlineStatus(html) ?? '';
  if (/update phone number/i.test(title)) {
    throw new AuthError(`Garmin ${region.toUpperCase()} asks to finish the account setup (phone number)`, {
      hint: `sign in at https://connect.${garminHosts(region).domain} in a browser and complete the setup, then retry`,
    });
  }
  if (/locked/i.test(title) || /locked/i.test(status)) {
    throw new AuthError(`Garmin ${region.toUpperCase()} reports the account as locked`, {
      hint: `unlock it by signing in at https://connect.${garminHosts(region).domain}, then retry later`,
    });
  }
  if (response.status === 401 || status === 'FAIL' || /invalid|incorrect/i.test(title))
    throw badCredentialsError(region, 'widget sign-in FAIL');
  return undefined;
}

export async function widgetLogin(options: SsoLoginOptions): Promise<FrontDoorResult> {
  const hosts = garminHosts(options.region);
  const session = new SsoSession(options.http);
  const htmlAccept = { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
  const embedUrl =
    `${hosts.sso}/sso/embed?` +
    new URLSearchParams({ id: 'gauth-widget', embedWidget: 'true', gauthHost: `${hosts.sso}/sso` }).toString();
  const embed = await session.send({ url: embedUrl, headers: htmlAccept });
  if (isBlockedStatus(embed.status))
    return { kind: 'blocked', frontDoor: 'widget', reason: `HTTP ${embed.status} on the embed page` };

  const signinUrl = `${hosts.sso}/sso/signin?${widgetSigninQuery(options.region)}`;
  const page = await session.send({ url: signinUrl, headers: { ...htmlAccept, Referer: embedUrl } });
  if (isBlockedStatus(page.status))
    return { kind: 'blocked', frontDoor: 'widget', reason: `HTTP ${page.status} on the sign-in page` };
  const csrf = extractCsrf(page.text());
  // A page without the form is a challenge or an outage, not a verdict on the account: a block.
  if (!csrf)
    return { kind: 'blocked', frontDoor: 'widget', reason: `sign-in page without a CSRF token (HTTP ${page.status})` };
  if (options.widgetPauseMs) await (options.sleep ?? sleep)(options.widgetPauseMs);

  const submitted = await session.send({
    method: 'POST',
    url: signinUrl,
    headers: {
      ...htmlAccept,
      'Content-Type': 'application/x-www-form-urlencoded',
      Referer: signinUrl,
      Origin: hosts.sso,
    },
    body: new URLSearchParams({
      username: options.email,
      password: options.password,
      embed: 'true',
      _csrf: csrf,
    }).toString(),
  });
  const location = submitted.headers.get('location');
  if (submitted.status >= 300 && submitted.status < 400 && location && /loginEnterMfaCode|verifyMFA/.test(location)) {
    return widgetMfa(options, session, absoluteUrl(location, hosts.sso), signinUrl);
  }
  if (submitted.status === 403 && /Invalid CSRF/i.test(submitted.text()))
    return { kind: 'blocked', frontDoor: 'widget', reason: 'CSRF token refused (HTTP 403)' };
  const html = submitted.text();
  const outcome = classifyWidgetPage(options.region, submitted, html);
  if (outcome) return outcome;
  // Since Aug 2026 an email-MFA page may come with the generic title: look for the code field too.
  if (/name="mfa-code"/.test(html) || pageVariable(html, 'mfaMethod'))
    return widgetMfa(
      options,
      session,
      `${hosts.sso}/sso/verifyMFA/loginEnterMfaCode?${widgetSigninQuery(options.region)}`,
      signinUrl,
      html,
    );
  throw new RetryableError(
    `Garmin ${options.region.toUpperCase()} widget sign-in answered ` +
      `HTTP ${submitted.status} with the page "${extractTitle(html)}"`,
    { status: submitted.status },
  );
}

/** An inline JS string variable of a widget page (`var name = "…";`), or undefined. */
export function pageVariable(html: string, name: string): string | undefined {
  return new RegExp(`var\\s+${name}\\s*=\\s*"([^"]*)"`).exec(html)?.[1];
}

/**
 * §4.4 step 3: an email/SMS MFA page without `codeSentTo` means no code went out for this
 * session; ask Garmin to send one (the page's own "Request a new code" call). Never for TOTP.
 */
async function requestWidgetMfaCode(
  options: SsoLoginOptions,
  session: SsoSession,
  html: string,
  pageUrl: string,
): Promise<FrontDoorResult | undefined> {
  const method = pageVariable(html, 'mfaMethod') ?? '';
  if (!/^(?:email|sms)$/i.test(method) || pageVariable(html, 'codeSentTo')) return undefined;
  const hosts = garminHosts(options.region);
  const clientId = pageVariable(html, 'clientId') ?? '';
  const response = await session.send({
    method: 'POST',
    url: `${hosts.sso}/sso/verifyMFA/mfaCode?${new URLSearchParams({ clientId }).toString()}`,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/plain, */*', Referer: pageUrl },
    body: JSON.stringify({
      customerGuid: pageVariable(html, 'customerGuid') ?? '',
      mfaMethod: method,
      locale: pageVariable(html, 'locale') ?? '',
    }),
  });
  if (response.status === 429 || isJsonRateLimit(response.text()))
    return { kind: 'blocked', frontDoor: 'widget', reason: 'rate limit on the MFA code request' };
  if (response.status < 200 || response.status >= 300) {
    throw new RetryableError(
      `Garmin ${options.region.toUpperCase()} did not send an MFA code (HTTP ${response.status})`,
      { status: response.status },
    );
  }
  return undefined;
}

async function widgetMfa(
  options: SsoLoginOptions,
  session: SsoSession,
  mfaUrl: string,
  referer: string,
  firstPage?: string,
): Promise<FrontDoorResult> {
  const hosts = garminHosts(options.region);
  if (!options.promptMfaCode) throw mfaRequiredError(options.region);
  // §4.4 step 4: the code goes to /sso/verifyMFA/loginEnterMfaCode with the signin query of §4.3.
  const submitUrl = `${hosts.sso}/sso/verifyMFA/loginEnterMfaCode?${widgetSigninQuery(options.region)}`;
  let html = firstPage;
  let requested = false;
  for (let attempt = 1; attempt <= MAX_MFA_ATTEMPTS; attempt++) {
    let csrf = html ? extractCsrf(html) : undefined;
    if (!csrf) {
      // The wrong-code page carries an empty _csrf: load the MFA page again for a fresh one.
      const page = await session.send({ url: mfaUrl, headers: { Referer: referer } });
      if (isBlockedStatus(page.status))
        return { kind: 'blocked', frontDoor: 'widget', reason: `HTTP ${page.status} on the MFA page` };
      html = page.text();
      csrf = extractCsrf(html);
      if (!csrf)
        return { kind: 'blocked', frontDoor: 'widget', reason: `MFA page without a CSRF token (HTTP ${page.status})` };
    }
    const pageHtml = html ?? '';
    if (!requested) {
      requested = true;
      const blocked = await requestWidgetMfaCode(options, session, pageHtml, mfaUrl);
      if (blocked) return blocked;
    }
    const method = pageVariable(pageHtml, 'mfaMethod') || 'email';
    const sentTo = pageVariable(pageHtml, 'codeSentTo') || null;
    const code = (await options.promptMfaCode({ method, sentTo, attempt })).trim();
    registerSecret(code);
    const submitted = await session.send({
      method: 'POST',
      url: submitUrl,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Referer: mfaUrl, Origin: hosts.sso },
      body: new URLSearchParams({
        'mfa-code': code,
        embed: 'true',
        _csrf: csrf,
        fromPage: 'setupEnterMfaCode',
      }).toString(),
    });
    const location = submitted.headers.get('location');
    if (submitted.status >= 300 && submitted.status < 400 && location) {
      const landing = await session.send({ url: absoluteUrl(location, hosts.sso), headers: { Referer: mfaUrl } });
      const landingHtml = landing.text();
      const outcome = classifyWidgetPage(options.region, landing, landingHtml);
      if (outcome) return outcome;
      throw new RetryableError(
        `Garmin ${options.region.toUpperCase()} MFA login ended on "${extractTitle(landingHtml)}" without a ticket`,
      );
    }
    if (isBlockedStatus(submitted.status))
      return { kind: 'blocked', frontDoor: 'widget', reason: `HTTP ${submitted.status} on MFA verification` };
    html = submitted.text();
    if (!/id="invalidCode"/.test(html)) {
      const outcome = classifyWidgetPage(options.region, submitted, html);
      if (outcome) return outcome;
      throw new RetryableError(
        `Garmin ${options.region.toUpperCase()} MFA verification answered ` +
          `HTTP ${submitted.status} ("${extractTitle(html)}")`,
      );
    }
    options.log.warn(`Garmin ${options.region.toUpperCase()}: that MFA code was not accepted`);
  }
  throw new AuthError(
    `Garmin ${options.region.toUpperCase()} did not accept the MFA code after ${MAX_MFA_ATTEMPTS} tries`,
    { hint: `run \`${garminLoginCommand(options.region)}\` again with the newest code` },
  );
}

/** Location headers carry real Garmin URLs; relative ones are resolved against the SSO host. */
function absoluteUrl(location: string, base: string): string {
  return new URL(location, base).toString();
}
