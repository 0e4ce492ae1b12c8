import { describeError } from '../core/errors.ts';
import { redact } from '../core/secrets.ts';
import { HttpClient } from '../http/http-client.ts';
import { githubApiHeaders } from './github-api.ts';

export interface KeepaliveOptions {
  /** GITHUB_API_URL */
  readonly apiUrl: string;
  /** owner/repo */
  readonly repository: string | undefined;
  /** GITHUB_WORKFLOW_REF, e.g. octo/sync/.github/workflows/sync.yml@refs/heads/main */
  readonly workflowRef: string | undefined;
  readonly token: string | undefined;
  readonly http?: HttpClient;
}

export type KeepaliveResult =
  | { readonly status: 'enabled'; readonly workflow: string }
  | { readonly status: 'skipped'; readonly reason: string }
  | { readonly status: 'failed'; readonly message: string };

/** The workflow file name from GITHUB_WORKFLOW_REF (the API accepts the file name as the id). */
export function workflowFileFromRef(workflowRef: string | undefined): string | undefined {
  if (!workflowRef) return undefined;
  const match = /\.github\/workflows\/([^@/]+\.ya?ml)@/.exec(workflowRef);
  return match?.[1];
}

/**
 * GitHub disables scheduled workflows after 60 days without repository activity. Enabling the
 * workflow through the API keeps it alive without committing noise (needs `actions: write`).
 */
export async function keepWorkflowEnabled(options: KeepaliveOptions): Promise<KeepaliveResult> {
  const workflow = workflowFileFromRef(options.workflowRef);
  if (!workflow || !options.repository)
    return { status: 'skipped', reason: 'not running from a workflow file (GITHUB_WORKFLOW_REF unset)' };
  if (!options.token) return { status: 'skipped', reason: 'no github-token' };
  const http = options.http ?? new HttpClient({ timeoutMs: 15_000, backoff: { attempts: 2 } });
  try {
    const apiUrl = options.apiUrl.replace(/\/$/, '');
    const url = `${apiUrl}/repos/${options.repository}/actions/workflows/${encodeURIComponent(workflow)}/enable`;
    const response = await http.request({
      method: 'PUT',
      url,
      headers: githubApiHeaders(options.token),
      accept: [401, 403, 404],
    });
    if (response.status === 204 || response.status === 200) return { status: 'enabled', workflow };
    return {
      status: 'failed',
      message:
        `enabling ${workflow} answered HTTP ${response.status}; give the workflow \`permissions: actions: write\` ` +
        'or set keepalive: false',
    };
  } catch (error) {
    return { status: 'failed', message: redact(describeError(error)) };
  }
}
