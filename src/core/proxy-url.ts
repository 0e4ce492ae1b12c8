import { ConfigError } from './errors.ts';
import { registerSecret } from './secrets.ts';

/**
 * The one rule for a proxy setting (GARMIN_COM_PROXY, GARMIN_CN_PROXY, COROS_PROXY, HTTPS_PROXY,
 * HTTP_PROXY): an http:// or https:// URL, or a bare host:port (read as http://, the way curl reads
 * HTTPS_PROXY). Credentials in it are registered as secrets before anything can print them.
 */
export function parseProxyUrl(value: string, variable: string): URL {
  const trimmed = value.trim();
  let url: URL;
  try {
    url = new URL(/^[^/:@\s]+:\d+$/.test(trimmed) ? `http://${trimmed}` : trimmed);
  } catch {
    throw new ConfigError(`${variable} is not a URL; use e.g. http://127.0.0.1:7890`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(
      `${variable} must be an http:// or https:// proxy URL (SOCKS is not supported), e.g. http://127.0.0.1:7890`,
    );
  if (url.username || url.password) registerSecret(trimmed);
  if (url.password) registerSecret(decodeURIComponent(url.password));
  if (url.username) registerSecret(decodeURIComponent(url.username));
  return url;
}
