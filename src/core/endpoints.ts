import { ConfigError } from './errors.ts';

/**
 * Every real host name a client talks to is resolved through one table, so tests, the demo
 * and users can point the real clients at emulators: SPORTS_SYNC_ENDPOINTS is JSON from a real
 * host name to a base URL, e.g. {"connectapi.garmin.com":"http://127.0.0.1:8123"}.
 */
export class EndpointMap {
  private readonly overrides: ReadonlyMap<string, URL>;

  constructor(overrides: ReadonlyMap<string, URL> = new Map()) {
    this.overrides = overrides;
  }

  static fromJson(json: string | undefined, variableName = 'SPORTS_SYNC_ENDPOINTS'): EndpointMap {
    if (json === undefined || json.trim() === '') return new EndpointMap();
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new ConfigError(
        `${variableName} is not valid JSON; expected an object like {"connectapi.garmin.com":"http://127.0.0.1:8123"}`,
      );
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError(
        `${variableName} must be a JSON object from host name to base URL, e.g. ` +
          `{"connectapi.garmin.com":"http://127.0.0.1:8123"}`,
      );
    }
    const map = new Map<string, URL>();
    for (const [host, base] of Object.entries(parsed)) {
      if (typeof base !== 'string')
        throw new ConfigError(`${variableName}: the value for "${host}" must be a URL string`);
      let url: URL;
      try {
        url = new URL(base);
      } catch {
        throw new ConfigError(
          `${variableName}: "${base}" (for "${host}") is not a URL; use e.g. http://127.0.0.1:8123`,
        );
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new ConfigError(`${variableName}: "${base}" (for "${host}") must be an http:// or https:// URL`);
      }
      map.set(host.toLowerCase(), url);
    }
    return new EndpointMap(map);
  }

  /** A new map with more overrides (later wins). */
  with(entries: Record<string, string>): EndpointMap {
    const map = new Map(this.overrides);
    for (const [host, base] of Object.entries(entries)) map.set(host.toLowerCase(), new URL(base));
    return new EndpointMap(map);
  }

  isOverridden(host: string): boolean {
    return this.overrides.has(host.toLowerCase());
  }

  hosts(): string[] {
    return [...this.overrides.keys()];
  }

  /** Rewrites a real URL (https://host/path?query) to its override, keeping path and query. */
  resolve(url: string | URL): URL {
    const original = new URL(String(url));
    const base = this.overrides.get(original.hostname.toLowerCase());
    if (!base) return original;
    const basePath = base.pathname.endsWith('/') ? base.pathname.slice(0, -1) : base.pathname;
    const resolved = new URL(base.origin);
    resolved.pathname = basePath + original.pathname;
    resolved.search = original.search;
    resolved.hash = original.hash;
    return resolved;
  }

  toJson(): string {
    const obj: Record<string, string> = {};
    for (const [host, url] of this.overrides) obj[host] = url.origin + (url.pathname === '/' ? '' : url.pathname);
    return JSON.stringify(obj);
  }
}
