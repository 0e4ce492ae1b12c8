import { AuthError, RetryableError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { registerSecret } from '../../core/secrets.ts';
import type { HttpClient, HttpResponse } from '../../http/http-client.ts';
import { garminHosts, garminLoginCommand, garminTokenSecretName, MOBILE_CLIENT_ID, SSO_BROWSER_HEADERS, type GarminRegion } from './garmin-hosts.ts';

/** Asks the user for the MFA code Garmin just sent (interactive runs only). */
export type MfaPrompt = (info: { readonly method: string; readonly sentTo: string | null; readonly attempt: number }) => Promise<string>;

export type FrontDoor = 'mobile' | 'widget';

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
  readonly widgetPauseMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

class SsoSession {
  readonly jar = new CookieJar();
  private readonly http: HttpClient;

  constructor(http: HttpClient) {
    this.http = http;
  }

  async send(request: { method?: string; url: string; headers?: Record<string, string>; body?: string }): Promise<HttpResponse> {
    const cookie = this.jar.header();
    const response = await this.http.request({
      method: request.method ?? 'GET',
      url: request.url,
      headers: { ...SSO_BROWSER_HEADERS, ...request.headers, ...(cookie ? { Cookie: cookie } : {}) },
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
  return new AuthError(`Garmin ${region.toUpperCase()} account uses two-step verification (MFA) and no usable token is stored`, {
    hint: `run \`${garminLoginCommand(region)}\` on a computer with a terminal and store the printed token as the secret ${garminTokenSecretName(region)}`,
  });
}

/** Garmin refused the email/password: never retried, and remembered so the next run does not resend it. */
export class BadCredentialsError extends AuthError {}

export function badCredentialsError(region: GarminRegion, detail: string): AuthError {
  return new BadCredentialsError(`Garmin ${region.toUpperCase()} refused the email or password (${detail}); not retrying, to avoid locking the account`, {
    hint: `check the Garmin ${region.toUpperCase()} email and password (sign in at https://connect.${garminHosts(region).domain} to confirm), or run \`${garminLoginCommand(region)}\``,
  });
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
  const mfa = body.customerMfaInfo as { mfaLastMethodUsed?: unknown; email?: unknown; phoneNumber?: unknown } | null | undefined;
  return {
    type: status.type,
    ticket,
    mfaMethod: mfa && typeof mfa.mfaLastMethodUsed === 'string' ? mfa.mfaLastMethodUsed : null,
    mfaSentTo: mfa ? (typeof mfa.email === 'string' ? mfa.email : typeof mfa.phoneNumber === 'string' ? mfa.phoneNumber : null) : null,
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

// ---------------------------------------------------------------------------------------------
// Front door (a): the mobile JSON API (reference §4.1, §4.2).

export async function mobileLogin(options: SsoLoginOptions): Promise<FrontDoorResult> {
  const hosts = garminHosts(options.region);
  const session = new SsoSession(options.http);
  const query = new URLSearchParams({ clientId: MOBILE_CLIENT_ID, locale: 'en-US', service: hosts.mobileService }).toString();
  const seed = await session.send({
    url: `${hosts.sso}/mobile/sso/en/sign-in?clientId=${MOBILE_CLIENT_ID}`,
    headers: { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document', 'Sec-Fetch-Site': 'none' },
  });
  if (isBlockedStatus(seed.status)) return { kind: 'blocked', frontDoor: 'mobile', reason: `HTTP ${seed.status} on the sign-in page` };

  const jsonHeaders = { Accept: 'application/json, text/plain, */*', 'Content-Type': 'application/json', Origin: hosts.sso };
  const login = await session.send({
    method: 'POST',
    url: `${hosts.sso}/mobile/api/login?${query}`,
    headers: jsonHeaders,
    body: JSON.stringify({ username: options.email, password: options.password, rememberMe: false, captchaToken: '' }),
  });
  if (isBlockedStatus(login.status)) return { kind: 'blocked', frontDoor: 'mobile', reason: `HTTP ${login.status} on login` };
  const parsed = parseMobileLoginResponse(login.text());
  if (!parsed) throw new RetryableError(`Garmin ${options.region.toUpperCase()} login answered HTTP ${login.status} without a login status`, { status: login.status });

  switch (parsed.type) {
    case 'SUCCESSFUL':
      if (!parsed.ticket) throw new RetryableError('Garmin login succeeded but returned no service ticket');
      return { kind: 'ticket', ticket: parsed.ticket, serviceUrl: hosts.mobileService, frontDoor: 'mobile' };
    case 'INVALID_USERNAME_PASSWORD':
      throw badCredentialsError(options.region, 'INVALID_USERNAME_PASSWORD');
    case 'CAPTCHA_REQUIRED':
      return { kind: 'blocked', frontDoor: 'mobile', reason: 'CAPTCHA_REQUIRED' };
    case 'MFA_REQUIRED':
      break;
    default:
      throw new AuthError(`Garmin ${options.region.toUpperCase()} login answered ${parsed.type}`, {
        hint: `sign in at https://connect.${hosts.domain} in a browser to clear it, then run \`${garminLoginCommand(options.region)}\``,
      });
  }

  if (!options.promptMfaCode) throw mfaRequiredError(options.region);
  const method = parsed.mfaMethod ?? 'email';
  for (let attempt = 1; attempt <= MAX_MFA_ATTEMPTS; attempt++) {
    const code = (await options.promptMfaCode({ method, sentTo: parsed.mfaSentTo, attempt })).trim();
    registerSecret(code);
    const verify = await session.send({
      method: 'POST',
      url: `${hosts.sso}/mobile/api/mfa/verifyCode?${query}`,
      headers: jsonHeaders,
      body: JSON.stringify({ mfaMethod: method, mfaVerificationCode: code, rememberMyBrowser: false, reconsentList: [], mfaSetup: false }),
    });
    if (isBlockedStatus(verify.status)) return { kind: 'blocked', frontDoor: 'mobile', reason: `HTTP ${verify.status} on MFA verification` };
    const result = parseMobileLoginResponse(verify.text());
    if (result?.type === 'SUCCESSFUL' && result.ticket) return { kind: 'ticket', ticket: result.ticket, serviceUrl: hosts.mobileService, frontDoor: 'mobile' };
    if (result?.type !== 'MFA_CODE_INVALID') {
      throw new AuthError(`Garmin ${options.region.toUpperCase()} MFA verification answered ${result?.type ?? `HTTP ${verify.status}`}`, { hint: `run \`${garminLoginCommand(options.region)}\` again` });
    }
    options.log.warn(`Garmin ${options.region.toUpperCase()}: that MFA code was not accepted`);
  }
  throw new AuthError(`Garmin ${options.region.toUpperCase()} did not accept the MFA code after ${MAX_MFA_ATTEMPTS} tries`, { hint: `run \`${garminLoginCommand(options.region)}\` again with the newest code` });
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
  if (title === 'Success' && ticket) return { kind: 'ticket', ticket, serviceUrl: garminHosts(region).widgetService, frontDoor: 'widget' };
  if (isBlockedStatus(response.status)) return { kind: 'blocked', frontDoor: 'widget', reason: `HTTP ${response.status}` };
  const status = extractInlineStatus(html) ?? '';
  if (/update phone number/i.test(title)) {
    throw new AuthError(`Garmin ${region.toUpperCase()} asks to finish the account setup (phone number)`, { hint: `sign in at https://connect.${garminHosts(region).domain} in a browser and complete the setup, then retry` });
  }
  if (/locked/i.test(title) || /locked/i.test(status)) {
    throw new AuthError(`Garmin ${region.toUpperCase()} reports the account as locked`, { hint: `unlock it by signing in at https://connect.${garminHosts(region).domain}, then retry later` });
  }
  if (response.status === 401 || status === 'FAIL' || /invalid|incorrect/i.test(title)) throw badCredentialsError(region, 'widget sign-in FAIL');
  return undefined;
}

export async function widgetLogin(options: SsoLoginOptions): Promise<FrontDoorResult> {
  const hosts = garminHosts(options.region);
  const session = new SsoSession(options.http);
  const htmlAccept = { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
  const embedUrl = `${hosts.sso}/sso/embed?` + new URLSearchParams({ id: 'gauth-widget', embedWidget: 'true', gauthHost: `${hosts.sso}/sso` }).toString();
  const embed = await session.send({ url: embedUrl, headers: htmlAccept });
  if (isBlockedStatus(embed.status)) return { kind: 'blocked', frontDoor: 'widget', reason: `HTTP ${embed.status} on the embed page` };

  const signinUrl = `${hosts.sso}/sso/signin?${widgetSigninQuery(options.region)}`;
  const page = await session.send({ url: signinUrl, headers: { ...htmlAccept, Referer: embedUrl } });
  if (isBlockedStatus(page.status)) return { kind: 'blocked', frontDoor: 'widget', reason: `HTTP ${page.status} on the sign-in page` };
  const csrf = extractCsrf(page.text());
  if (!csrf) throw new RetryableError(`Garmin ${options.region.toUpperCase()} sign-in page has no CSRF token (HTTP ${page.status})`);
  if (options.widgetPauseMs) await (options.sleep ?? defaultSleep)(options.widgetPauseMs);

  const submitted = await session.send({
    method: 'POST',
    url: signinUrl,
    headers: { ...htmlAccept, 'Content-Type': 'application/x-www-form-urlencoded', Referer: signinUrl, Origin: hosts.sso },
    body: new URLSearchParams({ username: options.email, password: options.password, embed: 'true', _csrf: csrf }).toString(),
  });
  const location = submitted.headers.get('location');
  if (submitted.status >= 300 && submitted.status < 400 && location && /loginEnterMfaCode|verifyMFA/.test(location)) {
    return widgetMfa(options, session, absoluteUrl(location, hosts.sso), signinUrl);
  }
  const html = submitted.text();
  const outcome = classifyWidgetPage(options.region, submitted, html);
  if (outcome) return outcome;
  // Since Aug 2026 an email-MFA page may come with the generic title: look for the code field too.
  if (/name="mfa-code"/.test(html)) return widgetMfa(options, session, signinUrl, signinUrl, html);
  throw new RetryableError(`Garmin ${options.region.toUpperCase()} widget sign-in answered HTTP ${submitted.status} with the page "${extractTitle(html)}"`, { status: submitted.status });
}

async function widgetMfa(options: SsoLoginOptions, session: SsoSession, mfaUrl: string, referer: string, firstPage?: string): Promise<FrontDoorResult> {
  const hosts = garminHosts(options.region);
  if (!options.promptMfaCode) throw mfaRequiredError(options.region);
  let html = firstPage;
  for (let attempt = 1; attempt <= MAX_MFA_ATTEMPTS; attempt++) {
    let csrf = html ? extractCsrf(html) : undefined;
    if (!csrf) {
      // The wrong-code page carries an empty _csrf: load the MFA page again for a fresh one.
      const page = await session.send({ url: mfaUrl, headers: { Referer: referer } });
      if (isBlockedStatus(page.status)) return { kind: 'blocked', frontDoor: 'widget', reason: `HTTP ${page.status} on the MFA page` };
      html = page.text();
      csrf = extractCsrf(html);
      if (!csrf) throw new RetryableError(`Garmin ${options.region.toUpperCase()} MFA page has no CSRF token (HTTP ${page.status})`);
    }
    const method = /var\s+mfaMethod\s*=\s*"([^"]+)"/.exec(html ?? '')?.[1] ?? 'email';
    const sentTo = /var\s+codeSentTo\s*=\s*"([^"]+)"/.exec(html ?? '')?.[1] ?? null;
    const code = (await options.promptMfaCode({ method, sentTo, attempt })).trim();
    registerSecret(code);
    const submitted = await session.send({
      method: 'POST',
      url: mfaUrl,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Referer: mfaUrl, Origin: hosts.sso },
      body: new URLSearchParams({ 'mfa-code': code, embed: 'true', _csrf: csrf, fromPage: 'setupEnterMfaCode' }).toString(),
    });
    const location = submitted.headers.get('location');
    if (submitted.status >= 300 && submitted.status < 400 && location) {
      const landing = await session.send({ url: absoluteUrl(location, hosts.sso), headers: { Referer: mfaUrl } });
      const landingHtml = landing.text();
      const outcome = classifyWidgetPage(options.region, landing, landingHtml);
      if (outcome) return outcome;
      throw new RetryableError(`Garmin ${options.region.toUpperCase()} MFA login ended on "${extractTitle(landingHtml)}" without a ticket`);
    }
    if (isBlockedStatus(submitted.status)) return { kind: 'blocked', frontDoor: 'widget', reason: `HTTP ${submitted.status} on MFA verification` };
    html = submitted.text();
    if (!/id="invalidCode"/.test(html)) {
      const outcome = classifyWidgetPage(options.region, submitted, html);
      if (outcome) return outcome;
      throw new RetryableError(`Garmin ${options.region.toUpperCase()} MFA verification answered HTTP ${submitted.status} ("${extractTitle(html)}")`);
    }
    options.log.warn(`Garmin ${options.region.toUpperCase()}: that MFA code was not accepted`);
  }
  throw new AuthError(`Garmin ${options.region.toUpperCase()} did not accept the MFA code after ${MAX_MFA_ATTEMPTS} tries`, { hint: `run \`${garminLoginCommand(options.region)}\` again with the newest code` });
}

/** Location headers carry real Garmin URLs; relative ones are resolved against the SSO host. */
function absoluteUrl(location: string, base: string): string {
  return new URL(location, base).toString();
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
