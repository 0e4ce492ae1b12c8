import { fetch as undiciFetch, ProxyAgent, type Dispatcher } from 'undici';
import { parseProxyUrl } from '../core/proxy-url.ts';
import { redactUrl } from '../core/secrets.ts';
import type { FetchFunction } from './http-client.ts';

/**
 * A fetch for HttpClient that goes through a proxy when one applies:
 * 1. the platform's own proxy (GARMIN_COM_PROXY, GARMIN_CN_PROXY, COROS_PROXY) for every request
 *    of that platform: garmin.cn is often only reachable through one, garmin.com from inside China;
 * 2. else the standard HTTPS_PROXY / HTTP_PROXY (either case), except for hosts in NO_PROXY;
 * 3. else a direct connection (the global fetch).
 * Proxies are tunnelled with CONNECT, so TLS stays end to end.
 */
export interface ProxyFetchOptions {
  /** The platform's own proxy URL (http://host:port or http://user:pass@host:port). */
  readonly proxyUrl?: string | undefined;
  /** Name of the setting the platform proxy came from, for error messages. */
  readonly proxyVariable?: string | undefined;
  /** Environment for HTTPS_PROXY / HTTP_PROXY / NO_PROXY (default: none, i.e. direct). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** The fetch used for direct connections (default: the global fetch). */
  readonly directFetch?: FetchFunction | undefined;
}

export interface ProxyDecision {
  readonly proxy: URL | undefined;
  readonly via: 'platform' | 'env' | 'direct';
}

function envValue(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const value = env[name] ?? env[name.toLowerCase()];
  return value && value.trim() !== '' ? value.trim() : undefined;
}

/** True when NO_PROXY exempts this host (entries: host, .domain, domain, host:port, *, IPs). */
export function noProxyMatches(noProxy: string | undefined, target: URL): boolean {
  if (!noProxy) return false;
  const host = target.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    let entryPort: string | undefined;
    const portMatch = /^(.*):(\d+)$/.exec(entry);
    if (portMatch && !entry.includes('::')) {
      entry = portMatch[1]!;
      entryPort = portMatch[2];
    }
    entry = entry.replace(/^\[|\]$/g, '').replace(/^\*/, '');
    if (entryPort && entryPort !== port) continue;
    if (entry.startsWith('.')) {
      if (host.endsWith(entry) || host === entry.slice(1)) return true;
    } else if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

export function decideProxy(target: URL, options: ProxyFetchOptions): ProxyDecision {
  if (options.proxyUrl && options.proxyUrl.trim() !== '') {
    return {
      proxy: parseProxyUrl(options.proxyUrl.trim(), options.proxyVariable ?? 'the platform proxy'),
      via: 'platform',
    };
  }
  const env = options.env ?? {};
  const variable = target.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY';
  const value = envValue(env, variable);
  if (!value) return { proxy: undefined, via: 'direct' };
  if (noProxyMatches(envValue(env, 'NO_PROXY'), target)) return { proxy: undefined, via: 'direct' };
  return { proxy: parseProxyUrl(value, variable), via: 'env' };
}

const agents = new Map<string, ProxyAgent>();

function agentFor(proxy: URL): Dispatcher {
  const key = proxy.href;
  let agent = agents.get(key);
  if (!agent) {
    agent = new ProxyAgent({ uri: key });
    agents.set(key, agent);
  }
  return agent;
}

/** Builds the FetchFunction to inject into HttpClient. Validates the proxy settings once, up front. */
export function createProxyFetch(options: ProxyFetchOptions = {}): FetchFunction {
  const decisions = new Map<string, ProxyDecision>();
  // Every request to one origin takes the same route: decide (and parse the proxy URL) once per origin.
  const decide = (target: URL): ProxyDecision => {
    let decision = decisions.get(target.origin);
    if (!decision) {
      decision = decideProxy(target, options);
      decisions.set(target.origin, decision);
    }
    return decision;
  };
  if (options.proxyUrl && options.proxyUrl.trim() !== '')
    parseProxyUrl(options.proxyUrl, options.proxyVariable ?? 'the platform proxy');
  const direct: FetchFunction = options.directFetch ?? ((input, init) => fetch(input, init));
  return async (input, init) => {
    const target = new URL(input instanceof Request ? input.url : String(input));
    const decision = decide(target);
    if (!decision.proxy) return direct(input, init);
    try {
      const response = await undiciFetch(target, {
        ...(init as object),
        dispatcher: agentFor(decision.proxy),
      } as Parameters<typeof undiciFetch>[1]);
      return response as unknown as Response;
    } catch (error) {
      if (error instanceof DOMException) throw error;
      // Name the proxy (credentials removed) so "connection refused" points at the right hop.
      const wrapped = new Error(
        `via proxy ${redactUrl(decision.proxy)}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
      throw wrapped;
    }
  };
}
