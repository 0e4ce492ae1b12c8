import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback fake of the GitHub Actions results service, as strict as the wire protocol in
 * ../shared/protocols/github-actions.md §4: the Twirp CacheService and ArtifactService, the
 * Azure-blob-style signed URLs (single PUT, Put Block, Put Block List, GET), plus the two REST
 * endpoints the Action calls (list caches by key prefix, enable a workflow).
 *
 * Strictness: every Twirp call needs `Authorization: Bearer <runtime token>` and a JSON body with
 * the snake_case protobuf names; signed URLs need their `sig`; cache keys are immutable; an entry
 * is visible only after finalize with the uploaded size; restore matches exact key, then primary
 * key as prefix, then restore keys as prefixes (newest wins), always with the same version; one
 * artifact name per run; artifact finalize checks size and sha256.
 */

/** `/twirp/<package>.<Service>/<Method>`: which of the two services, and the method (may be empty: bad_route). */
const TWIRP_PATH = /^\/twirp\/github\.actions\.results\.api\.v1\.(Cache|Artifact)Service\/(.*)$/;

export interface FakeCacheEntry {
  readonly id: number;
  readonly key: string;
  readonly version: string;
  readonly createdAt: number;
  finalized: boolean;
  sizeBytes: number;
  blob: Buffer | undefined;
}

export interface FakeArtifact {
  readonly id: number;
  readonly runBackendId: string;
  readonly jobBackendId: string;
  readonly name: string;
  readonly expiresAt: string | undefined;
  readonly mimeType: string | undefined;
  finalized: boolean;
  size: number;
  hash: string | undefined;
  blob: Buffer | undefined;
  blobContentType: string | undefined;
}

export interface FakeCall {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export interface FailureRule {
  /** Twirp method name (e.g. GetCacheEntryDownloadURL) or 'blob-put' / 'blob-get' / a REST path prefix. */
  readonly target: string;
  readonly status: number;
  /** How many calls to fail (default 1). */
  times?: number;
}

export interface ActionsResultsFake {
  /** Origin for ACTIONS_RESULTS_URL and GITHUB_API_URL, e.g. http://127.0.0.1:41234/ */
  readonly url: string;
  readonly runtimeToken: string;
  readonly runBackendId: string;
  readonly jobBackendId: string;
  readonly caches: FakeCacheEntry[];
  readonly artifacts: FakeArtifact[];
  readonly calls: FakeCall[];
  /** Workflows enabled through PUT …/actions/workflows/{id}/enable, as "owner/repo:workflow". */
  readonly enabledWorkflows: string[];
  /** Makes the next matching call(s) fail with the given status. */
  failNext(rule: FailureRule): void;
  /** Environment for a process using @actions/cache and @actions/artifact against this fake. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

function base64url(value: string): string {
  return Buffer.from(value).toString('base64url');
}

/** An unsigned JWT with the `scp` claim the artifact client decodes (§4.3). */
export function fakeRuntimeToken(runBackendId: string, jobBackendId: string): string {
  const header = base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }));
  const payload = base64url(
    JSON.stringify({
      scp: `Actions.GenericRead:0 Actions.Results:${runBackendId}:${jobBackendId}`,
      iat: 1_700_000_000,
    }),
  );
  return `${header}.${payload}.${base64url('unsigned-' + randomBytes(6).toString('hex'))}`;
}

function twirpError(res: ServerResponse, status: number, code: string, msg: string): number {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ code, msg }));
  return status;
}

function json(res: ServerResponse, body: unknown, status = 200): number {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  return status;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function str(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** int64 fields travel as JSON strings (§4.2). */
function int64(body: Record<string, unknown>, name: string): number | undefined {
  const value = body[name];
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  return undefined;
}

export async function startActionsResultsFake(): Promise<ActionsResultsFake> {
  const runBackendId = '11111111-2222-4333-8444-555555555555';
  const jobBackendId = '66666666-7777-4888-9999-000000000000';
  const runtimeToken = fakeRuntimeToken(runBackendId, jobBackendId);
  const signature = randomBytes(8).toString('hex');
  const caches: FakeCacheEntry[] = [];
  const artifacts: FakeArtifact[] = [];
  const calls: FakeCall[] = [];
  const enabledWorkflows: string[] = [];
  const failures: FailureRule[] = [];
  /** Staged Put Block uploads per blob path. */
  const blocks = new Map<string, Map<string, Buffer>>();
  let nextId = 1;
  let origin = '';
  let clock = 0;

  const takeFailure = (target: string): FailureRule | undefined => {
    const index = failures.findIndex(
      (rule) => rule.target === target || (target.startsWith('/') && target.startsWith(rule.target)),
    );
    if (index === -1) return undefined;
    const rule = failures[index]!;
    rule.times = (rule.times ?? 1) - 1;
    if (rule.times <= 0) failures.splice(index, 1);
    return rule;
  };

  const signedUrl = (kind: 'cache' | 'artifact', id: number) => `${origin}/blob/${kind}/${id}?sig=${signature}`;

  async function handleTwirp(
    service: 'cache' | 'artifact',
    method: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<number> {
    if (req.method !== 'POST') return twirpError(res, 405, 'bad_route', 'Twirp requires POST');
    if (req.headers.authorization !== `Bearer ${runtimeToken}`)
      return twirpError(res, 401, 'unauthenticated', 'invalid runtime token');
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json'))
      return twirpError(res, 415, 'bad_route', 'Content-Type must be application/json');
    const raw = (await readBody(req)).toString('utf8');
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return twirpError(res, 400, 'malformed', 'the request body is not a JSON object');
    }
    const failure = takeFailure(method);
    if (failure)
      return twirpError(
        res,
        failure.status,
        failure.status === 429 ? 'resource_exhausted' : 'internal',
        'injected failure',
      );
    return service === 'cache' ? cacheMethod(method, body, res) : artifactMethod(method, body, res);
  }

  function cacheMethod(method: string, body: Record<string, unknown>, res: ServerResponse): number {
    const key = str(body, 'key');
    const version = str(body, 'version');
    switch (method) {
      case 'CreateCacheEntry': {
        if (!key || !version) return twirpError(res, 400, 'invalid_argument', 'key and version are required');
        if (key.length > 512 || key.includes(',')) return twirpError(res, 400, 'invalid_argument', 'invalid key');
        if (caches.some((entry) => entry.key === key && entry.version === version))
          return twirpError(res, 409, 'already_exists', 'cache entry with the same key and version already exists');
        const entry: FakeCacheEntry = {
          id: nextId++,
          key,
          version,
          createdAt: ++clock,
          finalized: false,
          sizeBytes: 0,
          blob: undefined,
        };
        caches.push(entry);
        return json(res, { ok: true, signed_upload_url: signedUrl('cache', entry.id) });
      }
      case 'FinalizeCacheEntryUpload': {
        const size = int64(body, 'size_bytes');
        const entry = caches.find(
          (candidate) => candidate.key === key && candidate.version === version && !candidate.finalized,
        );
        if (!entry) return twirpError(res, 404, 'not_found', 'no pending cache entry for this key and version');
        if (size === undefined || !entry.blob || entry.blob.length !== size)
          return twirpError(
            res,
            400,
            'invalid_argument',
            `size_bytes ${String(body.size_bytes)} does not match the uploaded blob (${entry.blob?.length ?? 'nothing uploaded'})`,
          );
        entry.finalized = true;
        entry.sizeBytes = size;
        return json(res, { ok: true, entry_id: String(entry.id) });
      }
      case 'GetCacheEntryDownloadURL': {
        if (!key || !version) return twirpError(res, 400, 'invalid_argument', 'key and version are required');
        const restoreKeys = Array.isArray(body.restore_keys)
          ? body.restore_keys.filter((value): value is string => typeof value === 'string')
          : [];
        const ready = caches.filter((entry) => entry.finalized && entry.version === version);
        const newest = (matches: FakeCacheEntry[]) => matches.sort((a, b) => b.createdAt - a.createdAt)[0];
        const hit =
          ready.find((entry) => entry.key === key) ??
          newest(ready.filter((entry) => entry.key.startsWith(key))) ??
          restoreKeys.map((prefix) => newest(ready.filter((entry) => entry.key.startsWith(prefix)))).find(Boolean);
        if (!hit) return json(res, { ok: false });
        return json(res, { ok: true, signed_download_url: signedUrl('cache', hit.id), matched_key: hit.key });
      }
      default:
        return twirpError(res, 404, 'bad_route', `no such method ${method}`);
    }
  }

  function artifactMethod(method: string, body: Record<string, unknown>, res: ServerResponse): number {
    const run = str(body, 'workflow_run_backend_id');
    const job = str(body, 'workflow_job_run_backend_id');
    if (run !== runBackendId || job !== jobBackendId)
      return twirpError(res, 400, 'invalid_argument', 'workflow run/job backend ids do not match the runtime token');
    const name = str(body, 'name');
    switch (method) {
      case 'CreateArtifact': {
        if (!name) return twirpError(res, 400, 'invalid_argument', 'name is required');
        if (/[":<>|*?\r\n\\/]/.test(name)) return twirpError(res, 400, 'invalid_argument', 'invalid artifact name');
        if (body.version !== 7 && body.version !== '7')
          return twirpError(res, 400, 'invalid_argument', 'unsupported artifact version');
        if (artifacts.some((artifact) => artifact.name === name && artifact.runBackendId === run))
          return twirpError(
            res,
            409,
            'already_exists',
            'an artifact with this name already exists on the workflow run',
          );
        const expiresAt = str(body, 'expires_at');
        if (expiresAt !== undefined && Number.isNaN(Date.parse(expiresAt)))
          return twirpError(res, 400, 'invalid_argument', 'expires_at is not RFC 3339');
        const artifact: FakeArtifact = {
          id: nextId++,
          runBackendId: run,
          jobBackendId: job,
          name,
          expiresAt,
          mimeType: str(body, 'mime_type'),
          finalized: false,
          size: 0,
          hash: undefined,
          blob: undefined,
          blobContentType: undefined,
        };
        artifacts.push(artifact);
        return json(res, { ok: true, signed_upload_url: signedUrl('artifact', artifact.id) });
      }
      case 'FinalizeArtifact': {
        const artifact = artifacts.find(
          (candidate) => candidate.name === name && candidate.runBackendId === run && !candidate.finalized,
        );
        if (!artifact) return twirpError(res, 404, 'not_found', 'no pending artifact with this name');
        const size = int64(body, 'size');
        const hash = str(body, 'hash');
        if (!artifact.blob || size !== artifact.blob.length)
          return twirpError(res, 400, 'invalid_argument', 'size does not match the uploaded blob');
        const expected = `sha256:${createHash('sha256').update(artifact.blob).digest('hex')}`;
        if (hash !== undefined && hash !== expected)
          return twirpError(res, 400, 'invalid_argument', 'hash does not match the uploaded blob');
        artifact.finalized = true;
        artifact.size = size;
        artifact.hash = hash;
        return json(res, { ok: true, artifact_id: String(artifact.id) });
      }
      case 'ListArtifacts': {
        const nameFilter = body.name_filter;
        const list = artifacts.filter(
          (artifact) =>
            artifact.finalized &&
            artifact.runBackendId === run &&
            (typeof nameFilter !== 'string' || artifact.name === nameFilter),
        );
        return json(res, {
          artifacts: list.map((artifact) => ({
            workflow_run_backend_id: run,
            workflow_job_run_backend_id: job,
            database_id: String(artifact.id),
            name: artifact.name,
            size: String(artifact.size),
            created_at: new Date().toISOString(),
            digest: artifact.hash,
          })),
        });
      }
      default:
        return twirpError(res, 404, 'bad_route', `no such method ${method}`);
    }
  }

  async function handleBlob(url: URL, req: IncomingMessage, res: ServerResponse): Promise<number> {
    const match = /^\/blob\/(cache|artifact)\/(\d+)$/.exec(url.pathname);
    if (!match) return twirpError(res, 404, 'not_found', 'no such blob');
    if (url.searchParams.get('sig') !== signature) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code></Error>');
      return 403;
    }
    const kind = match[1] as 'cache' | 'artifact';
    const id = Number(match[2]);
    const target =
      kind === 'cache' ? caches.find((entry) => entry.id === id) : artifacts.find((artifact) => artifact.id === id);
    if (!target) return twirpError(res, 404, 'not_found', 'no such blob');
    const body = await readBody(req);
    const failure = takeFailure(req.method === 'GET' ? 'blob-get' : 'blob-put');
    if (failure) {
      res.writeHead(failure.status);
      res.end();
      return failure.status;
    }
    if (req.method === 'GET') {
      if (kind !== 'cache' || !target.finalized || !target.blob)
        return twirpError(res, 404, 'not_found', 'blob not committed');
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(target.blob.length) });
      res.end(target.blob);
      return 200;
    }
    if (req.method !== 'PUT') return twirpError(res, 405, 'bad_route', 'GET or PUT only');
    if (target.finalized) return twirpError(res, 409, 'conflict', 'blob is already committed');
    const comp = url.searchParams.get('comp');
    const key = `${kind}/${id}`;
    if (comp === 'block') {
      const blockId = url.searchParams.get('blockid');
      if (!blockId) return twirpError(res, 400, 'invalid_argument', 'blockid is required');
      const staged = blocks.get(key) ?? new Map<string, Buffer>();
      staged.set(blockId, body);
      blocks.set(key, staged);
    } else if (comp === 'blocklist') {
      const staged = blocks.get(key) ?? new Map<string, Buffer>();
      const ids = [
        ...body
          .toString('utf8')
          .matchAll(/<(?:Latest|Committed|Uncommitted)>([^<]*)<\/(?:Latest|Committed|Uncommitted)>/g),
      ].map((found) => found[1]!);
      const parts: Buffer[] = [];
      for (const blockId of ids) {
        const part = staged.get(blockId);
        if (!part) return twirpError(res, 400, 'invalid_argument', `block ${blockId} was never staged`);
        parts.push(part);
      }
      target.blob = Buffer.concat(parts);
      if (kind === 'artifact')
        (target as FakeArtifact).blobContentType = String(req.headers['x-ms-blob-content-type'] ?? '');
      blocks.delete(key);
    } else {
      if (req.headers['x-ms-blob-type'] !== 'BlockBlob')
        return twirpError(res, 400, 'invalid_argument', 'x-ms-blob-type: BlockBlob is required');
      target.blob = body;
    }
    res.writeHead(201);
    res.end();
    return 201;
  }

  function handleRest(url: URL, req: IncomingMessage, res: ServerResponse): number {
    const failure = takeFailure(url.pathname);
    if (failure) return json(res, { message: 'injected failure' }, failure.status);
    if (!/^(Bearer|token) \S+/.test(String(req.headers.authorization ?? '')))
      return json(res, { message: 'Requires authentication' }, 401);
    const caches_ = /^\/repos\/([^/]+)\/([^/]+)\/actions\/caches$/.exec(url.pathname);
    if (caches_ && req.method === 'GET') {
      const prefix = url.searchParams.get('key') ?? '';
      const list = caches.filter((entry) => entry.finalized && entry.key.startsWith(prefix));
      return json(res, {
        total_count: list.length,
        actions_caches: list.map((entry) => ({
          id: entry.id,
          key: entry.key,
          version: entry.version,
          size_in_bytes: entry.sizeBytes,
          ref: 'refs/heads/main',
        })),
      });
    }
    const enable = /^\/repos\/([^/]+)\/([^/]+)\/actions\/workflows\/([^/]+)\/enable$/.exec(url.pathname);
    if (enable && req.method === 'PUT') {
      enabledWorkflows.push(`${enable[1]}/${enable[2]}:${decodeURIComponent(enable[3]!)}`);
      res.writeHead(204);
      res.end();
      return 204;
    }
    return json(res, { message: 'Not Found' }, 404);
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record = (status: number) => calls.push({ method: req.method ?? 'GET', path: url.pathname, status });
    let handled: Promise<number> | number;
    const twirp = TWIRP_PATH.exec(url.pathname);
    if (twirp) handled = handleTwirp(twirp[1] === 'Cache' ? 'cache' : 'artifact', twirp[2]!, req, res);
    else if (url.pathname.startsWith('/blob/')) handled = handleBlob(url, req, res);
    else if (url.pathname.startsWith('/repos/')) handled = handleRest(url, req, res);
    else handled = twirpError(res, 404, 'bad_route', 'unknown path');
    Promise.resolve(handled).then(record, (error: unknown) => {
      record(500);
      if (!res.headersSent) twirpError(res, 500, 'internal', String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/`,
    runtimeToken,
    runBackendId,
    jobBackendId,
    caches,
    artifacts,
    calls,
    enabledWorkflows,
    failNext: (rule) => {
      failures.push({ ...rule, times: rule.times ?? 1 });
    },
    env: () => ({
      ACTIONS_RESULTS_URL: `${origin}/`,
      ACTIONS_RUNTIME_URL: `${origin}/`,
      ACTIONS_CACHE_SERVICE_V2: 'True',
      ACTIONS_RUNTIME_TOKEN: runtimeToken,
      GITHUB_API_URL: origin,
      GITHUB_SERVER_URL: 'https://github.com',
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
