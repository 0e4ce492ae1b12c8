import * as cache from '@actions/cache';
import { RetryableError, describeError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/secrets.ts';
import { HttpClient } from '../http/http-client.ts';
import { githubApiHeaders } from './github-api.ts';

/**
 * State in the Actions cache (§3.1 of the protocol notes): a key unique per run (prefix + run id +
 * attempt), restored through the prefix so the newest entry wins. The same path list, in the same
 * order, must be passed to save and restore: it is part of the cache version.
 */
export interface CacheStateOptions {
  /** Paths relative to the workspace, exactly as on every run. */
  readonly paths: readonly string[];
  readonly prefix: string;
  readonly runId: string;
  readonly runAttempt: string;
  readonly log: Logger;
}

export type CacheRestoreResult =
  | { readonly status: 'restored'; readonly matchedKey: string }
  | { readonly status: 'first-run'; readonly detail: string }
  /** Restore found nothing although the service lists saved state for this ref: the run must not start from scratch. */
  | { readonly status: 'unavailable'; readonly detail: string };

export type CacheSaveResult =
  | { readonly status: 'saved'; readonly key: string; readonly cacheId: number }
  | { readonly status: 'failed'; readonly key: string; readonly detail: string };

export function cacheKeyForRun(options: Pick<CacheStateOptions, 'prefix' | 'runId' | 'runAttempt'>): string {
  return `${options.prefix}${options.runId}-${options.runAttempt}`;
}

export interface SavedEntryLookup {
  /** GITHUB_API_URL (https://api.github.com on github.com). */
  readonly apiUrl: string;
  /** owner/repo */
  readonly repository: string;
  readonly token: string | undefined;
  /** Only entries of this ref count (GITHUB_REF), since a run restores from its own ref. */
  readonly ref: string | undefined;
  readonly http?: HttpClient;
}

/**
 * How many saved state entries the REST cache API lists under the prefix; undefined when it cannot
 * tell (no token, no permission, network). Needs `actions: read` (implied by `actions: write`).
 */
export async function countSavedEntries(
  prefix: string,
  lookup: SavedEntryLookup,
  log: Logger,
): Promise<number | undefined> {
  if (!lookup.token || !lookup.repository) return undefined;
  const http = lookup.http ?? new HttpClient({ timeoutMs: 15_000, backoff: { attempts: 2 } });
  const url = new URL(`${lookup.apiUrl.replace(/\/$/, '')}/repos/${lookup.repository}/actions/caches`);
  url.searchParams.set('key', prefix);
  if (lookup.ref) url.searchParams.set('ref', lookup.ref);
  url.searchParams.set('per_page', '1');
  try {
    const response = await http.request({
      url,
      headers: githubApiHeaders(lookup.token),
      accept: [401, 403, 404],
    });
    if (response.status !== 200) {
      log.debug(`cache listing answered HTTP ${response.status}`);
      return undefined;
    }
    const body = response.json<{ total_count?: unknown }>();
    return typeof body.total_count === 'number' ? body.total_count : undefined;
  } catch (error) {
    log.debug(`cache listing failed: ${redact(describeError(error))}`);
    return undefined;
  }
}

/**
 * Restores the state files. `restoreCache` answers `undefined` both for "nothing saved yet" and for
 * a broken service, so a miss is checked against the REST listing: saved entries that could not
 * be restored are reported as `unavailable`, never silently treated as a first run.
 */
export async function restoreStateFromCache(
  options: CacheStateOptions,
  lookup: SavedEntryLookup,
): Promise<CacheRestoreResult> {
  if (!cache.isFeatureAvailable()) {
    return {
      status: 'unavailable',
      detail:
        'the Actions cache service is not available to this step (ACTIONS_RESULTS_URL / ACTIONS_CACHE_URL ' +
        'missing); run it on GitHub Actions, or use state: git',
    };
  }
  const primaryKey = cacheKeyForRun(options);
  let matched: string | undefined;
  try {
    matched = await cache.restoreCache([...options.paths], primaryKey, [options.prefix]);
  } catch (error) {
    return { status: 'unavailable', detail: `restoring the cache failed: ${redact(describeError(error))}` };
  }
  if (matched !== undefined) return { status: 'restored', matchedKey: matched };
  const saved = await countSavedEntries(options.prefix, lookup, options.log);
  if (saved !== undefined && saved > 0) {
    return {
      status: 'unavailable',
      detail:
        `${saved} saved state entr${saved === 1 ? 'y' : 'ies'} with key prefix "${options.prefix}" exist but none ` +
        'could be restored (cache service error, or the entries were saved with another db-path or compression)',
    };
  }
  const why =
    saved === 0
      ? 'the cache holds no entry with this prefix'
      : 'could not check the cache listing (grant the workflow `actions: read` to tell a first run from a failed ' +
        'restore)';
  return { status: 'first-run', detail: `no saved state under key prefix "${options.prefix}": ${why}` };
}

/** Saves the state files under the run's unique key; `saveCache` reports failure as -1, never by throwing. */
export async function saveStateToCache(options: CacheStateOptions, keySuffix = ''): Promise<CacheSaveResult> {
  // Keys are immutable: a second save in one run (a cancelled run, the post step) needs its own.
  const key = cacheKeyForRun(options) + keySuffix;
  let cacheId: number;
  try {
    cacheId = await cache.saveCache([...options.paths], key);
  } catch (error) {
    return { status: 'failed', key, detail: redact(describeError(error)) };
  }
  if (cacheId === -1)
    return {
      status: 'failed',
      key,
      detail:
        'the cache service did not accept the upload (see the warning above); the next run restores the previous entry',
    };
  return { status: 'saved', key, cacheId };
}

/** Raised when state: cache cannot restore state that exists: the run stops before syncing. */
export function stateUnavailableError(detail: string, prefix: string): RetryableError {
  return new RetryableError(`saved state could not be restored: ${detail}`, {
    hint:
      'Re-run the job. If it keeps failing and you changed db-path or the runner image, set cache-key-prefix to a ' +
      `new value (e.g. ${prefix.replace(/v(\d+)-$/, (_m, n: string) => `v${Number(n) + 1}-`)}) to start a fresh ` +
      'chain; nothing is uploaded twice because the platforms are always checked.',
  });
}
