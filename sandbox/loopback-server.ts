import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a sandbox route answers: the whole body at once, so its length is always known. */
export interface LoopbackReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: Uint8Array;
}

export interface LoopbackServer {
  readonly baseUrl: string;
  /** Drops open keep-alive connections too, so a test's teardown never waits on a client's pool. */
  close(): Promise<void>;
}

export function sendReply(outgoing: ServerResponse, reply: LoopbackReply): void {
  outgoing.writeHead(reply.status, { ...reply.headers, 'Content-Length': String(reply.body.byteLength) });
  outgoing.end(reply.body);
}

/**
 * An HTTP server on 127.0.0.1 only. A handler that throws after it started answering cuts the
 * connection, as a crashing service would; before that, the client gets a bare 500.
 */
export async function serveOnLoopback(
  handle: (incoming: IncomingMessage, outgoing: ServerResponse) => Promise<void>,
  port = 0,
): Promise<LoopbackServer> {
  const server = createServer((incoming, outgoing) => {
    handle(incoming, outgoing).catch(() => {
      if (!outgoing.headersSent) outgoing.writeHead(500).end();
      else outgoing.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
