import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointMap } from '../../src/core/endpoints.ts';
import { AuthError, RejectedError, RetryableError } from '../../src/core/errors.ts';
import { HttpClient } from '../../src/http/http-client.ts';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
const queue: Handler[] = [];
const seen: Array<{ method: string; url: string }> = [];
const server = createServer((request, response) => {
  seen.push({ method: request.method ?? '', url: request.url ?? '' });
  const handler = queue.shift() ?? ((_req, res) => res.writeHead(200).end('ok'));
  request.resume();
  request.on('end', () => handler(request, response));
});
let endpoints: EndpointMap;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoints = new EndpointMap().with({
    'api.example.test': `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function client(delays: number[], options: { timeoutMs?: number } = {}) {
  return new HttpClient({
    endpoints,
    sleep: async (ms) => void delays.push(ms),
    backoff: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 },
    ...options,
  });
}
const status =
  (code: number, headers: Record<string, string> = {}, body = ''): Handler =>
  (_req, res) =>
    res.writeHead(code, headers).end(body);

describe('HttpClient', () => {
  it('resolves real hosts through the endpoint map, keeping path and query', async () => {
    seen.length = 0;
    const response = await client([]).request({ url: 'https://api.example.test/a/b?x=1' });
    expect(response.text()).toBe('ok');
    expect(seen[0]).toEqual({ method: 'GET', url: '/a/b?x=1' });
  });

  it('honours Retry-After on 429, then succeeds', async () => {
    queue.push(status(429, { 'retry-after': '2' }));
    const delays: number[] = [];
    const response = await client(delays).request({ url: 'https://api.example.test/list' });
    expect(response.status).toBe(200);
    expect(delays).toEqual([2000]);
  });

  it('backs off exponentially with jitter on 5xx and gives up with a retryable error carrying status and a redacted URL', async () => {
    queue.push(status(503), status(502), status(500, {}, 'internal error'));
    const delays: number[] = [];
    const error = await client(delays)
      .request({ url: 'https://api.example.test/x?token=abc123secret' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).status).toBe(500);
    expect((error as RetryableError).url).toContain('token=***');
    expect((error as Error).message).not.toContain('abc123secret');
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(50);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[1]).toBeGreaterThanOrEqual(100);
    expect(delays[1]).toBeLessThanOrEqual(200);
  });

  it('never retries a POST the server may have processed (500), but does retry a 429', async () => {
    queue.push(status(500));
    seen.length = 0;
    await expect(
      client([]).request({ method: 'POST', url: 'https://api.example.test/upload', body: 'x' }),
    ).rejects.toBeInstanceOf(RetryableError);
    expect(seen).toHaveLength(1);
    queue.push(status(429), status(201));
    expect(
      (await client([]).request({ method: 'POST', url: 'https://api.example.test/upload', body: 'x' })).status,
    ).toBe(201);
  });

  it('names errors by what the caller must do', async () => {
    queue.push(status(401));
    await expect(client([]).request({ url: 'https://api.example.test/me' })).rejects.toBeInstanceOf(AuthError);
    queue.push(status(404));
    await expect(client([]).request({ url: 'https://api.example.test/none' })).rejects.toBeInstanceOf(RejectedError);
    queue.push(status(409, {}, '{"dup":true}'));
    const response = await client([]).request({
      method: 'POST',
      url: 'https://api.example.test/upload',
      accept: [409],
    });
    expect(response.json()).toEqual({ dup: true });
  });

  it('times out a silent server and reports it as retryable', async () => {
    queue.push(
      () => undefined,
      () => undefined,
      () => undefined,
    );
    const error = await client([], { timeoutMs: 200 })
      .request({ url: 'https://api.example.test/slow', retry: 'never' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/timed out/);
    queue.length = 0;
  });

  it('detects a truncated body', async () => {
    queue.push((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('only a part');
      res.destroy();
    });
    await expect(client([]).request({ url: 'https://api.example.test/file', retry: 'never' })).rejects.toBeInstanceOf(
      RetryableError,
    );
  });
});
