import { readFileSync } from 'node:fs';
import type { EndpointMap } from '../core/endpoints.ts';
import { describeError } from '../core/errors.ts';
import { redact } from '../core/secrets.ts';
import { HttpClient } from '../http/http-client.ts';
import { githubApiHeaders } from './github-api.ts';

/** Where the update path is explained (section "Updates" of the guide). */
export type UpdateCheck =
  | { readonly status: 'newer'; readonly latest: string; readonly current: string; readonly url: string }
  | { readonly status: 'current'; readonly latest: string }
  | { readonly status: 'skipped'; readonly reason: string }
  | { readonly status: 'failed'; readonly message: string };

export interface UpdateCheckOptions {
  /** owner/repo the releases come from; undefined skips the check. */
  readonly upstream: string | undefined;
  /** The version running now (package.json), e.g. 1.2.0. */
  readonly current: string | undefined;
  readonly endpoints: EndpointMap;
  /** Sent only to api.github.com itself (the token of a GitHub Enterprise server means nothing there). */
  readonly token?: string;
  readonly http?: HttpClient;
}

/** [major, minor, patch] of "v1.2.3" / "1.2.3"; undefined for anything else. */
export function parseVersion(text: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** True when `candidate` is a later version than `current`. */
export function isNewer(candidate: string, current: string): boolean {
  const a = parseVersion(candidate);
  const b = parseVersion(current);
  if (!a || !b) return false;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return false;
}

/** The upstream repository: the one `uses: owner/repo@v1` ran, else package.json's `repository`. */
export function upstreamRepository(
  actionRepository: string | undefined,
  packageJson: { repository?: unknown } | undefined,
): string | undefined {
  if (actionRepository && /^[\w.-]+\/[\w.-]+$/.test(actionRepository)) return actionRepository;
  const repository = packageJson?.repository;
  const url =
    typeof repository === 'string'
      ? repository
      : typeof repository === 'object' && repository !== null
        ? (repository as { url?: unknown }).url
        : undefined;
  if (typeof url !== 'string') return undefined;
  const match =
    /github\.com[/:]([\w.-]+\/[\w.-]+?)(?:\.git)?$/.exec(url) ?? /^(?:github:)?([\w.-]+\/[\w.-]+)$/.exec(url);
  return match?.[1];
}

/** package.json next to the bundle (action/index.js → ../package.json); undefined when unreadable. */
export function readOwnPackageJson(bundleUrl: string): { version?: string; repository?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(new URL('../package.json', bundleUrl), 'utf8')) as {
      version?: string;
      repository?: unknown;
    };
  } catch {
    return undefined;
  }
}

/**
 * One request to GitHub's "latest release" of the upstream repository. Never throws and never
 * fails the run: any problem is a `failed` result the caller only logs.
 */
export async function checkForUpdate(options: UpdateCheckOptions): Promise<UpdateCheck> {
  if (!options.upstream) return { status: 'skipped', reason: 'upstream repository unknown' };
  if (!options.current || !parseVersion(options.current))
    return { status: 'skipped', reason: 'running version unknown' };
  const http =
    options.http ?? new HttpClient({ endpoints: options.endpoints, timeoutMs: 10_000, backoff: { attempts: 1 } });
  try {
    const response = await http.request({
      url: `https://api.github.com/repos/${options.upstream}/releases/latest`,
      headers: githubApiHeaders(options.token),
      accept: [403, 404],
      retry: 'never',
    });
    if (response.status !== 200)
      return { status: 'failed', message: `latest release of ${options.upstream}: HTTP ${response.status}` };
    const body = response.json<{ tag_name?: unknown; html_url?: unknown }>();
    if (typeof body.tag_name !== 'string' || !parseVersion(body.tag_name))
      return { status: 'failed', message: `latest release of ${options.upstream} has no version tag` };
    if (!isNewer(body.tag_name, options.current)) return { status: 'current', latest: body.tag_name };
    const url =
      typeof body.html_url === 'string' && body.html_url.startsWith('https://')
        ? body.html_url
        : `https://github.com/${options.upstream}/releases/latest`;
    return { status: 'newer', latest: body.tag_name, current: `v${options.current.replace(/^v/, '')}`, url };
  } catch (error) {
    return { status: 'failed', message: redact(describeError(error)) };
  }
}
