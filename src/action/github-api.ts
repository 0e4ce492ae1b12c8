/** Headers for every GitHub REST call the Action makes (caches, keepalive, release check). */
export function githubApiHeaders(token?: string): Record<string, string> {
  return {
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
    'user-agent': 'sports-sync-x',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
}
