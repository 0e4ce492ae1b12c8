import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The body parsed as JSON, or undefined. */
  readonly json: unknown;
}

export interface FakeReply {
  readonly status: number;
  readonly body?: string | object;
  readonly headers?: Record<string, string>;
}

export type FakeHandler = (request: RecordedRequest) => FakeReply;

export interface FakeServer {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A loopback HTTP server (127.0.0.1, port 0) recording every request and answering through `handler`. */
export async function startFakeServer(handler: FakeHandler): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        json,
      };
      requests.push(recorded);
      let reply: FakeReply;
      try {
        reply = handler(recorded);
      } catch (error) {
        reply = { status: 500, body: { error: String(error) } };
      }
      const payload =
        reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      const contentType =
        typeof reply.body === 'object' ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8';
      res.writeHead(reply.status, { ...(payload === '' ? {} : { 'content-type': contentType }), ...reply.headers });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Sends per calendar minute, as the IM robots count them (failed sends count too); "wait for the next minute" resets it. */
export class MinuteWindow {
  private minute = -1;
  private count = 0;
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Records a send at `nowMs`; false when it exceeds the limit. */
  hit(nowMs: number): boolean {
    const minute = Math.floor(nowMs / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.count = 0;
    }
    this.count += 1;
    return this.count <= this.limit;
  }
}
