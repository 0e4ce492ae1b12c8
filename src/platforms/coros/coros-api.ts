import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { AuthError, ConfigError, RetryableError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { jsonObject } from '../../core/json.ts';
import { registerSecret } from '../../core/secrets.ts';
import type { HttpClient, HttpRequest, RetryMode } from '../../http/http-client.ts';
import type { PlatformState } from '../../store/state-box.ts';
import { COROS_REGIONS, corosRegion, isCorosRegionId, type CorosRegionId } from './coros-hosts.ts';
import { idString, parseJsonLossless } from './lossless-json.ts';

/** What we persist (sealed) between runs: the session is only valid on its home host. */
export interface CorosSession {
  readonly host: string;
  readonly regionId: CorosRegionId;
  readonly userId: string;
  readonly token: string;
}

export const SESSION_SECRET = 'session';
export const LOGIN_FORM_KEY = 'login-form';
/** `<regionId>:<credential fingerprint>` of a login that named a region we do not know. */
const UNKNOWN_REGION_KEY = 'unknown-region';
/**
 * `<token print>:<epoch ms>` of the last time COROS accepted the stored token (a plain value:
 * the print reveals nothing).
 */
const SESSION_CONFIRMED_KEY = 'session-confirmed';
/** A stored session confirmed this recently is used without an account/query check; a refusal still logs in once. */
export const SESSION_FRESH_MS = 60 * 60_000;
/** §4.2: the rejected-login code ("The login credentials you entered do not match our records."). */
const CREDENTIALS_REFUSED = '1030';

function unknownRegionError(regionId: number, remembered: boolean): AuthError {
  return new AuthError(
    `COROS says this account lives in region ${regionId}, which Sports Sync X does not know ` +
      `(1 global, 2 China, 3 Europe, 4 Singapore)${remembered ? '; not logging in again' : ''}`,
    {
      hint:
        'update Sports Sync X; until then no COROS login is attempted with these credentials ' +
        '(each login signs you out of Training Hub)',
    },
  );
}
type LoginForm = 'bcrypt' | 'md5';

/** COROS codes meaning "this token is dead" (1019; the others per CorosLink, reference §4.4). */
const TOKEN_DEAD_CODES = new Set(['1019', '0101', '0102', '1006']);

/** The team API envelope (reference §2). */
interface Envelope {
  readonly result?: unknown;
  readonly message?: unknown;
  readonly data?: unknown;
}

/** A team call failed because the token was replaced by another web login. */
export class TokenDeadError extends AuthError {}

export interface CorosApiOptions {
  readonly http: HttpClient;
  readonly state: PlatformState;
  readonly credentials: { readonly email?: string; readonly password?: string };
  readonly log: Logger;
  /** Region to log in at first (the response's regionId then picks the home host). */
  readonly regionId: CorosRegionId;
  readonly timeoutMs?: number;
  /** Epoch milliseconds (how fresh the stored session is). */
  readonly now?: () => number;
}

export interface TeamCall {
  readonly method?: 'GET' | 'POST';
  readonly path: string;
  readonly query?: Record<string, string | number | undefined>;
  readonly json?: unknown;
  readonly form?: FormData;
  /** An empty form-encoded POST (the web app's download call). */
  readonly emptyForm?: boolean;
  /**
   * Reads are retried after one re-login; writes throw TokenDeadError after re-logging in, so
   * the caller checks the server state before repeating anything (reference §4.4).
   */
  readonly kind: 'read' | 'write';
  readonly retry?: RetryMode;
  readonly timeoutMs?: number;
}

const BROWSER_HEADERS: Record<string, string> = {
  accept: 'application/json, text/plain, */*',
  'user-agent':
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36',
  origin: 'https://t.coros.com',
  referer: 'https://t.coros.com/',
};

/** Session handling and the envelope check for every team-host call. */
export class CorosApi {
  readonly http: HttpClient;
  private readonly state: PlatformState;
  private readonly credentials: CorosApiOptions['credentials'];
  private readonly log: Logger;
  private readonly firstRegion: CorosRegionId;
  private current: CorosSession | undefined;
  private connecting: Promise<CorosSession> | undefined;
  private relogin: Promise<CorosSession> | undefined;
  private reloggedAfterDeadToken = false;
  /** The stored session when it was used without a check this run (fresh); its refusal means "log in". */
  private unchecked: CorosSession | undefined;
  private readonly now: () => number;
  /** Logins performed by this run (login at the wrong region plus one at home count as one step). */
  loginsThisRun = 0;

  constructor(options: CorosApiOptions) {
    this.http = options.http;
    this.state = options.state;
    this.credentials = options.credentials;
    this.log = options.log;
    this.firstRegion = options.regionId;
    this.now = options.now ?? Date.now;
    registerSecret(options.credentials.password);
  }

  get session(): CorosSession | undefined {
    return this.current;
  }

  /** A live session: the stored one when account/query accepts it, else one login. */
  async connect(): Promise<CorosSession> {
    if (this.current) return this.current;
    this.connecting ??= this.establish().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async establish(): Promise<CorosSession> {
    const stored = this.loadSession();
    if (stored && this.confirmedRecently(stored)) {
      this.current = stored;
      this.unchecked = stored;
      this.log.debug(`COROS: reusing the stored session confirmed within the last hour (region ${stored.regionId})`);
      return stored;
    }
    if (stored) {
      const probe = await this.accountQuery(stored);
      if (probe !== 'dead') {
        this.current = { ...stored, userId: probe };
        this.markConfirmed(stored);
        this.log.debug(`COROS: reusing the stored session (region ${stored.regionId})`);
        return this.current;
      }
      this.log.debug('COROS: the stored token is no longer valid; logging in');
    }
    return this.login();
  }

  private loadSession(): CorosSession | undefined {
    const { host, token, userId, regionId } = jsonObject(this.state.getSecret(SESSION_SECRET)) ?? {};
    if (typeof host !== 'string' || typeof token !== 'string' || typeof userId !== 'string') return undefined;
    if (!isCorosRegionId(regionId)) return undefined;
    registerSecret(token);
    if (corosRegion(regionId)?.team !== host) return undefined;
    return { host, regionId, userId, token };
  }

  private saveSession(session: CorosSession): void {
    this.current = session;
    this.state.setSecret(SESSION_SECRET, JSON.stringify(session));
    this.markConfirmed(session);
  }

  private tokenPrint(session: CorosSession): string {
    return createHash('sha256').update(session.token).digest('base64url').slice(0, 16);
  }

  private markConfirmed(session: CorosSession): void {
    this.state.setPlain(SESSION_CONFIRMED_KEY, `${this.tokenPrint(session)}:${this.now()}`);
  }

  private confirmedRecently(session: CorosSession): boolean {
    const [print, at] = this.state.getPlain(SESSION_CONFIRMED_KEY)?.split(':') ?? [];
    const age = this.now() - Number(at);
    return print === this.tokenPrint(session) && Number.isFinite(age) && age >= 0 && age < SESSION_FRESH_MS;
  }

  /** The unchecked stored session was refused: what the skipped check would have found; one login. */
  private replaceUnchecked(): Promise<CorosSession> {
    this.unchecked = undefined;
    this.log.debug('COROS: the stored token is no longer valid; logging in');
    this.current = undefined;
    this.relogin ??= this.login().finally(() => {
      this.relogin = undefined;
    });
    return this.relogin;
  }

  /** Logs in at the configured region, switches to the home host and confirms with account/query. */
  private async login(): Promise<CorosSession> {
    const email = this.credentials.email?.trim();
    const password = this.credentials.password;
    if (!email || !password) {
      throw new ConfigError('COROS needs COROS_EMAIL and COROS_PASSWORD (the COROS Training Hub login) to sync');
    }
    const credentialPrint = createHash('sha256')
      .update(`${email.toLowerCase()}\u0000${password}`)
      .digest('base64url')
      .slice(0, 16);
    const unknown = this.state.getPlain(UNKNOWN_REGION_KEY)?.split(':');
    if (unknown && unknown[1] === credentialPrint && !corosRegion(Number(unknown[0]))) {
      // Logging in again would only sign the user out of Training Hub once more (§4.4).
      throw unknownRegionError(Number(unknown[0]), true);
    }
    this.loginsThisRun++;
    const firstHost = COROS_REGIONS[this.firstRegion].team;
    const first = await this.loginAt(firstHost, email, password);
    const home = corosRegion(first.regionId);
    if (!home) {
      this.state.setPlain(UNKNOWN_REGION_KEY, `${first.regionId}:${credentialPrint}`);
      throw unknownRegionError(first.regionId, false);
    }
    this.state.setPlain(UNKNOWN_REGION_KEY, undefined);
    let session: CorosSession = { host: home.team, regionId: home.regionId, userId: first.userId, token: first.token };
    if (home.team !== firstHost)
      this.log.debug(`COROS: account lives in region ${home.regionId} (${home.label}); switching hosts`);
    let confirmed = await this.accountQuery(session);
    if (confirmed === 'dead' && home.team !== firstHost) {
      // A token from a non-home host can be refused at home (reference §3): log in there once.
      const again = await this.loginAt(home.team, email, password);
      session = { host: home.team, regionId: home.regionId, userId: again.userId, token: again.token };
      confirmed = await this.accountQuery(session);
    }
    if (confirmed === 'dead') {
      throw new AuthError(
        'COROS accepted the login but then refused its token (1019): another web login replaced it; ' +
          'close COROS Training Hub in your browser during a sync and run again',
      );
    }
    session = { ...session, userId: confirmed };
    this.saveSession(session);
    return session;
  }

  private async loginAt(
    host: string,
    email: string,
    password: string,
  ): Promise<{ token: string; userId: string; regionId: number }> {
    const md5 = createHash('md5').update(password, 'utf8').digest('hex');
    registerSecret(md5);
    const stored = this.state.getPlain(LOGIN_FORM_KEY);
    // The current web form first; the legacy pwd only after a refusal that is not about the
    // credentials (a wrong password answers 1030: one attempt, then stop, §4.1, §10 #3).
    const forms: LoginForm[] = ['bcrypt', 'md5'];
    let lastMessage = '';
    for (const form of forms) {
      const body: Record<string, unknown> = { account: email, accountType: 2 };
      if (form === 'bcrypt') {
        const salt = bcrypt.genSaltSync(10);
        const p1 = bcrypt.hashSync(md5, salt);
        registerSecret(p1);
        body.p1 = p1;
        body.p2 = salt;
      } else {
        body.pwd = md5;
      }
      const response = await this.http.request({
        method: 'POST',
        url: `${host}/account/login`,
        headers: { ...BROWSER_HEADERS, 'content-type': 'application/json;charset=UTF-8' },
        body: JSON.stringify(body),
        retry: 'unprocessed',
      });
      const envelope = parseEnvelope(response.text(), response.url);
      const data = (envelope.data ?? {}) as Record<string, unknown>;
      if (envelope.result === '0000') {
        const token = typeof data.accessToken === 'string' ? data.accessToken : '';
        if (!token) {
          if (data.loginTicket !== undefined || data.twoFactorRequired === true) {
            throw new AuthError(
              'COROS asks for a two-factor code, which an unattended sync cannot enter: ' +
                'turn off two-factor authentication for the COROS account used for syncing and run again',
            );
          }
          throw new RetryableError('COROS login answered 0000 without an accessToken');
        }
        registerSecret(token);
        const userId = idString(data.userId) ?? '';
        const regionId = Number(data.regionId);
        if (stored !== form) this.state.setPlain(LOGIN_FORM_KEY, form);
        this.log.debug(`COROS: logged in (${form === 'bcrypt' ? 'p1/p2' : 'legacy pwd'} form)`);
        return { token, userId, regionId };
      }
      lastMessage = `${String(envelope.result)} ${typeof envelope.message === 'string' ? envelope.message : ''}`.trim();
      this.log.debug(`COROS: login with the ${form === 'bcrypt' ? 'p1/p2' : 'pwd'} form refused (${lastMessage})`);
      if (String(envelope.result) === CREDENTIALS_REFUSED) break;
    }
    throw new AuthError(
      `COROS refused the login (${lastMessage}): check COROS_EMAIL and COROS_PASSWORD against the Training Hub login`,
    );
  }

  /** account/query: the lossless userId, or 'dead' when the token is refused. */
  private async accountQuery(session: CorosSession): Promise<string | 'dead'> {
    const envelope = await this.rawCall(session, { path: '/account/query', kind: 'read' });
    const result = String(envelope.result);
    if (TOKEN_DEAD_CODES.has(result)) return 'dead';
    checkResult(envelope, 'account/query');
    const userId = idString(((envelope.data ?? {}) as Record<string, unknown>).userId);
    if (!userId) throw new RetryableError('COROS account/query returned no userId');
    return userId;
  }

  /** One team call with the envelope checked; returns `data`. */
  async call(call: TeamCall): Promise<unknown> {
    const session = await this.connect();
    const envelope = await this.rawCall(session, call);
    if (!TOKEN_DEAD_CODES.has(String(envelope.result))) return checkResult(envelope, call.path);
    const fresh =
      this.unchecked && this.unchecked.token === session.token
        ? await this.replaceUnchecked()
        : await this.reloginAfterDeadToken(session);
    if (call.kind === 'write') {
      throw new TokenDeadError(
        `COROS refused the token during ${call.path} (another web login replaced it); logged in again`,
      );
    }
    const retried = await this.rawCall(fresh, call);
    if (TOKEN_DEAD_CODES.has(String(retried.result))) throw deadTokenError();
    return checkResult(retried, call.path);
  }

  /** Serialised: concurrent callers that hit 1019 share one re-login; one per run. */
  async reloginAfterDeadToken(dead: CorosSession): Promise<CorosSession> {
    if (this.current && this.current.token !== dead.token) return this.current;
    if (this.relogin) return this.relogin;
    if (this.reloggedAfterDeadToken) throw deadTokenError();
    this.reloggedAfterDeadToken = true;
    this.log.warn(
      'COROS: the access token was replaced by another web login (1019); logging in again once. ' +
        'Keep COROS Training Hub closed during a sync.',
    );
    this.current = undefined;
    this.relogin = this.login().finally(() => {
      this.relogin = undefined;
    });
    return this.relogin;
  }

  private async rawCall(session: CorosSession, call: TeamCall): Promise<Envelope> {
    const url = new URL(session.host + call.path);
    for (const [name, value] of Object.entries(call.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = {
      ...BROWSER_HEADERS,
      accesstoken: session.token,
      yfheader: JSON.stringify({ userId: session.userId }),
    };
    let body: HttpRequest['body'];
    if (call.json !== undefined) {
      headers['content-type'] = 'application/json;charset=UTF-8';
      body = JSON.stringify(call.json);
    } else if (call.form) {
      body = call.form;
    } else if (call.emptyForm) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = '';
    }
    const method = call.method ?? 'GET';
    const response = await this.http.request({
      method,
      url,
      headers,
      body,
      retry: call.retry ?? (call.kind === 'read' ? 'idempotent' : 'unprocessed'),
      ...(call.timeoutMs === undefined ? {} : { timeoutMs: call.timeoutMs }),
    });
    return parseEnvelope(response.text(), response.url);
  }

  /** Cookie for the Training Hub STS proxy (reference §7.1). */
  stsCookie(session: CorosSession): string {
    return `CPL-coros-token=${session.token}; CPL-coros-region=${session.regionId}`;
  }

  static browserHeaders(): Record<string, string> {
    return { ...BROWSER_HEADERS };
  }
}

function deadTokenError(): TokenDeadError {
  return new TokenDeadError(
    'COROS keeps refusing the access token (1019): another web login (Training Hub in a browser, ' +
      'or a second sync) uses this account; close it and run again',
  );
}

function parseEnvelope(text: string, url: string): Envelope {
  let parsed: unknown;
  try {
    parsed = parseJsonLossless(text);
  } catch {
    throw new RetryableError(`COROS answered with something that is not JSON at ${new URL(url).pathname}`);
  }
  if (parsed === null || typeof parsed !== 'object')
    throw new RetryableError(`COROS answered an unexpected body at ${new URL(url).pathname}`);
  return parsed as Envelope;
}

/** HTTP 200 carries errors too: anything but result "0000" is a failure (reference §2). */
function checkResult(envelope: Envelope, path: string): unknown {
  if (envelope.result === '0000') return envelope.data;
  const message = typeof envelope.message === 'string' ? envelope.message : 'no message';
  throw new RetryableError(`COROS ${path.replace(/^\//, '')} failed: ${String(envelope.result)} ${message}`);
}
