import { accessSync, constants, existsSync } from 'node:fs';
import { lookup as dnsLookup } from 'node:dns/promises';
import { dirname } from 'node:path';
import { PLATFORM_LABELS, type PlatformId } from '../core/activity.ts';
import type { SyncConfig } from '../config/config.ts';
import type { Lookup } from '../config/read-values.ts';
import { describeError, isSyncError } from '../core/errors.ts';
import { silentLogger } from '../core/log.ts';
import { redact } from '../core/secrets.ts';
import { formatLocalDate } from '../core/time-format.ts';
import { causeCode, HttpClient } from '../http/http-client.ts';
import { createProxyFetch, decideProxy } from '../http/proxy-fetch.ts';
import { validateAccessToken } from '../platforms/garmin/garmin-di.ts';
import { garminHosts } from '../platforms/garmin/garmin-hosts.ts';
import { decodeTokenBlob, type DiTokens } from '../platforms/garmin/garmin-tokens.ts';
import { COROS_REGIONS, corosRegion, isCorosRegionId, type CorosRegionId } from '../platforms/coros/coros-hosts.ts';
import { unseal } from '../store/state-box.ts';
import {
  chooseStateKey,
  keyFromSalt,
  processKeyContext,
  STATE_KEY_DERIVATION_META,
  STATE_KEY_SALT_META,
} from '../store/state-key.ts';
import type { FlagValues } from './args.ts';
import type { CliIo } from './io.ts';
import { prepareSyncConfig } from './sync-config.ts';
import { checkDatabase, databasePath } from './settings.ts';
import { NEWEST_SCHEMA, StoreReader } from './store-reader.ts';

/** One line of the doctor's answer. */
export interface Check {
  readonly ok: boolean;
  readonly name: string;
  readonly detail: string;
  /** What to do, for a failed check. */
  readonly fix?: string;
}

const MAX_SKEW_SEC = 120;

/**
 * `doctor`: checks what a run needs, one line per check with the fix, and writes nothing (no
 * database, no token refresh, no login: only reads and one cheap authenticated call per token).
 */
export async function runDoctor(flags: FlagValues, io: CliIo, lookup: Lookup): Promise<number> {
  const checks: Check[] = [];
  const print = (check: Check) => {
    checks.push(check);
    io.out(redact(`${check.ok ? '✓' : '✗'} ${check.name}: ${check.detail}`));
    if (!check.ok && check.fix) io.out(redact(`    → ${check.fix}`));
  };

  let config: SyncConfig | undefined;
  try {
    config = prepareSyncConfig(lookup, flags, silentLogger);
    print({
      ok: true,
      name: 'settings',
      detail: `platforms ${config.platforms.map((id) => PLATFORM_LABELS[id]).join(', ')}; times in ${config.timeZone}`,
    });
  } catch (error) {
    print({
      ok: false,
      name: 'settings',
      detail: describeError(error),
      fix: isSyncError(error) && error.hint ? error.hint : 'fix the setting named above (README, "Settings")',
    });
  }

  const dbPath = databasePath(lookup);
  try {
    const state = checkDatabase(lookup, flags);
    if (state.kind === 'sqlite')
      print({
        ok: true,
        name: 'database',
        detail:
          `${dbPath}, schema ${state.schema} of ` +
          `${NEWEST_SCHEMA}${state.schema < NEWEST_SCHEMA ? ' (upgraded on the next sync)' : ''}`,
      });
    else print({ ok: true, name: 'database', detail: `${dbPath} does not exist yet; the first sync creates it` });
  } catch (error) {
    print({
      ok: false,
      name: 'database',
      detail: describeError(error),
      fix: 'point SYNC_DB_PATH or --db at a database file (or a new path)',
    });
  }
  print(stateBackendCheck(dbPath));

  if (config) {
    const skews: number[] = [];
    for (const id of config.platforms) for (const check of await hostChecks(config, id, skews)) print(check);
    if (skews.length) {
      const worst = skews.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
      const ok = Math.abs(worst) <= MAX_SKEW_SEC;
      print({
        ok,
        name: 'clock',
        detail:
          `${ok ? 'within' : 'off by'} ${Math.abs(Math.round(worst))} s of the services' ` +
          `clocks${ok ? '' : ` (${worst > 0 ? 'ahead' : 'behind'})`}`,
        fix: 'set the computer clock automatically (NTP); signed uploads and token lifetimes depend on it',
      });
    }
    for (const check of await tokenChecks(config, dbPath)) print(check);
  }
  const failed = checks.filter((check) => !check.ok).length;
  io.out(failed ? `${failed} check(s) failed.` : 'All checks passed.');
  return failed ? 1 : 0;
}

function stateBackendCheck(dbPath: string): Check {
  let folder = dirname(dbPath);
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  try {
    accessSync(existsSync(dbPath) ? dbPath : folder, constants.W_OK);
    return { ok: true, name: 'state', detail: `${existsSync(dbPath) ? dbPath : folder} is writable` };
  } catch {
    return {
      ok: false,
      name: 'state',
      detail: `${existsSync(dbPath) ? dbPath : folder} is not writable`,
      fix: 'give yourself write access there, or set SYNC_DB_PATH to a writable place',
    };
  }
}

function hostsFor(id: PlatformId, corosHome: string | undefined): string[] {
  if (id === 'coros')
    return corosHome
      ? [corosHome]
      : [...new Set(Object.values(COROS_REGIONS).map((region) => region.team))].slice(0, 1);
  const hosts = garminHosts(id === 'garmin_cn' ? 'cn' : 'com');
  return [hosts.sso, hosts.connectapi, ...(id === 'garmin_cn' ? [hosts.diauth] : [])];
}

function proxyFor(config: SyncConfig, id: PlatformId): { url: string | undefined; variable: string } {
  if (id === 'coros') return { url: config.coros.proxyUrl, variable: 'COROS_PROXY' };
  const account = id === 'garmin_com' ? config.garminCom : config.garminCn;
  return { url: account.proxyUrl, variable: id === 'garmin_com' ? 'GARMIN_COM_PROXY' : 'GARMIN_CN_PROXY' };
}

/** DNS, then one request (TLS and proxy included) per host; the Date header gives the clock skew. */
async function hostChecks(config: SyncConfig, id: PlatformId, skews: number[]): Promise<Check[]> {
  const checks: Check[] = [];
  const proxy = proxyFor(config, id);
  const env = { HTTPS_PROXY: config.httpsProxy, NO_PROXY: config.noProxy };
  const fetchImpl = createProxyFetch({ proxyUrl: proxy.url, proxyVariable: proxy.variable, env });
  const home = id === 'coros' ? corosSession(config, config.dbPath)?.host : undefined;
  for (const logical of hostsFor(id, home)) {
    const target = config.endpoints.resolve(logical);
    const name = `${PLATFORM_LABELS[id]} ${new URL(logical).host}`;
    const decision = decideProxy(target, { proxyUrl: proxy.url, proxyVariable: proxy.variable, env });
    const via = decision.proxy ? ` via proxy (${decision.via === 'platform' ? proxy.variable : 'HTTPS_PROXY'})` : '';
    const proxyFix = `if this network needs a proxy, set ${proxy.variable} (or HTTPS_PROXY); check NO_PROXY`;
    if (!decision.proxy) {
      try {
        await dnsLookup(target.hostname);
      } catch (error) {
        checks.push({
          ok: false,
          name,
          detail: `DNS lookup of ${target.hostname} failed (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
          fix: `check the network and DNS; ${proxyFix}`,
        });
        continue;
      }
    }
    const started = Date.now();
    try {
      const response = await fetchImpl(target, {
        method: 'GET',
        redirect: 'manual',
        signal: AbortSignal.timeout(Math.min(config.timeoutMs, 20_000)),
      });
      await response.arrayBuffer().catch(() => undefined);
      const date = Date.parse(response.headers.get('date') ?? '');
      if (Number.isFinite(date)) skews.push((started + (Date.now() - started) / 2 - date) / 1000);
      checks.push({ ok: true, name, detail: `reachable${via} (HTTP ${response.status}, ${Date.now() - started} ms)` });
    } catch (error) {
      checks.push({ ok: false, name, detail: `${networkWords(error)}${via}`, fix: proxyFix });
    }
  }
  if (id === 'coros') {
    const session = corosSession(config, config.dbPath);
    checks.push(
      session
        ? {
            ok: true,
            name: 'COROS region',
            detail:
              `${corosRegion(session.regionId)?.label ?? session.regionId}, home host ` +
              `${new URL(session.host).host}`,
          }
        : { ok: true, name: 'COROS region', detail: "not known yet; the first sync finds the account's home region" },
    );
  }
  return checks;
}

function networkWords(error: unknown): string {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return 'no answer (timed out)';
  const code = causeCode(error) ?? '';
  if (/ENOTFOUND|EAI_AGAIN/.test(code)) return `DNS lookup failed (${code})`;
  if (/ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT/.test(code)) return `could not connect (${code})`;
  if (/CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return `TLS failed (${code})`;
  return `request failed (${describeError(error)})`;
}

function readSealed(dbPath: string, config: SyncConfig, id: PlatformId, name: string): string | undefined {
  if (!existsSync(dbPath)) return undefined;
  let reader: StoreReader | undefined;
  try {
    reader = StoreReader.open(dbPath);
    const box = reader.sealedState(id, name);
    const salt = reader.meta(STATE_KEY_SALT_META);
    const choice = chooseStateKey(config, processKeyContext());
    if (!box || salt === undefined || choice.source === 'none') return undefined;
    return unseal(keyFromSalt(choice, salt, reader.meta(STATE_KEY_DERIVATION_META)), box, `${id}/${name}`);
  } catch {
    return undefined;
  } finally {
    reader?.close();
  }
}

function corosSession(
  config: SyncConfig,
  dbPath: string,
): { host: string; regionId: CorosRegionId; token: string; userId: string } | undefined {
  const raw = readSealed(dbPath, config, 'coros', 'session');
  if (!raw) return undefined;
  try {
    const session = JSON.parse(raw) as { host: string; regionId: unknown; token: string; userId: string };
    return isCorosRegionId(session.regionId) ? { ...session, regionId: session.regionId } : undefined;
  } catch {
    return undefined;
  }
}

/** One cheap authenticated call per token; never a refresh (that would rotate the token). */
async function tokenChecks(config: SyncConfig, dbPath: string): Promise<Check[]> {
  const checks: Check[] = [];
  for (const id of config.platforms) {
    const proxy = proxyFor(config, id);
    const http = new HttpClient({
      endpoints: config.endpoints,
      fetch: createProxyFetch({
        proxyUrl: proxy.url,
        proxyVariable: proxy.variable,
        env: { HTTPS_PROXY: config.httpsProxy, NO_PROXY: config.noProxy },
      }),
      timeoutMs: Math.min(config.timeoutMs, 20_000),
      backoff: { attempts: 1 },
    });
    const name = `${PLATFORM_LABELS[id]} token`;
    try {
      if (id === 'coros') {
        const session = corosSession(config, dbPath);
        if (!session) {
          checks.push({
            ok: true,
            name,
            detail: 'none stored yet; the next sync logs in with COROS_EMAIL/COROS_PASSWORD',
          });
          continue;
        }
        const response = await http.request({
          url: session.host + '/account/query',
          headers: { accesstoken: session.token, yfheader: JSON.stringify({ userId: session.userId }) },
        });
        const result = String(response.json<{ result?: unknown }>().result);
        checks.push(
          result === '0000'
            ? { ok: true, name, detail: 'accepted' }
            : {
                ok: true,
                name,
                detail: `no longer accepted (result ${result}); the next sync logs in again with the password`,
              },
        );
        continue;
      }
      const region = id === 'garmin_cn' ? 'cn' : 'com';
      const account = id === 'garmin_com' ? config.garminCom : config.garminCn;
      const stored = readSealed(dbPath, config, id, 'di_tokens');
      const tokens: DiTokens | undefined = stored
        ? (JSON.parse(stored) as DiTokens)
        : account.tokenBlob
          ? decodeTokenBlob(account.tokenBlob, region)
          : undefined;
      const source = stored ? 'the local database' : `GARMIN_TOKEN_${region.toUpperCase()}`;
      if (!tokens) {
        checks.push({
          ok: !!(account.email && account.password),
          name,
          detail: 'none stored',
          fix: `run \`node cli.js login --for local${region === 'cn' ? ' --region cn' : ''}\``,
        });
        continue;
      }
      const expiry = `refreshable until ${formatLocalDate(tokens.refreshExpiresAt, config.timeZone)}`;
      if (tokens.refreshExpiresAt * 1000 <= Date.now()) {
        checks.push({
          ok: false,
          name,
          detail: `from ${source} expired`,
          fix: `run \`node cli.js login --for local${region === 'cn' ? ' --region cn' : ''}\``,
        });
        continue;
      }
      if (tokens.expiresAt * 1000 <= Date.now()) {
        checks.push({
          ok: true,
          name,
          detail: `from ${source}: access token expired (the next sync refreshes it), ${expiry}`,
        });
        continue;
      }
      const validation = await validateAccessToken(http, region, tokens.accessToken);
      checks.push(
        validation.ok
          ? { ok: true, name, detail: `from ${source} accepted, ${expiry}` }
          : {
              ok: false,
              name,
              detail: `from ${source} refused (${validation.reason})`,
              fix: `run \`node cli.js login --for local${region === 'cn' ? ' --region cn' : ''}\``,
            },
      );
    } catch (error) {
      checks.push({
        ok: false,
        name,
        detail: `could not be checked: ${describeError(error)}`,
        fix: isSyncError(error) && error.hint ? error.hint : 'see the host lines above',
      });
    }
  }
  return checks;
}
