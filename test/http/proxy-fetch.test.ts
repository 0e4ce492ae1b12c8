import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EndpointMap } from '../../src/core/endpoints.ts';
import { ConfigError, describeError } from '../../src/core/errors.ts';
import { HttpClient } from '../../src/http/http-client.ts';
import { createProxyFetch, decideProxy, noProxyMatches } from '../../src/http/proxy-fetch.ts';
import {
  assertNoSecrets,
  BASE_START,
  EMAIL,
  fitFor,
  listAll,
  platformFor,
  sandboxWithAccount,
} from '../garmin/garmin-test-kit.ts';

interface LoopbackProxy {
  readonly url: string;
  readonly tunnels: string[];
  readonly authorizations: (string | undefined)[];
  close(): Promise<void>;
}

/** A minimal CONNECT proxy on 127.0.0.1 that records what it tunnels. */
async function startConnectProxy(): Promise<LoopbackProxy> {
  const tunnels: string[] = [];
  const authorizations: (string | undefined)[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => {
    res.writeHead(405).end('CONNECT only');
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    authorizations.push(req.headers['proxy-authorization']);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.byteLength) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(client).add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

let proxy: LoopbackProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

describe('proxy-aware fetch', () => {
  it('NO_PROXY matching follows the common conventions', () => {
    const target = new URL('https://connectapi.garmin.cn/x');
    expect(noProxyMatches('garmin.cn', target)).toBe(true);
    expect(noProxyMatches('.garmin.cn', target)).toBe(true);
    expect(noProxyMatches('*.garmin.cn', target)).toBe(true);
    expect(noProxyMatches('connectapi.garmin.cn:443', target)).toBe(true);
    expect(noProxyMatches('connectapi.garmin.cn:8443', target)).toBe(false);
    expect(noProxyMatches('garmin.com, localhost', target)).toBe(false);
    expect(noProxyMatches('*', target)).toBe(true);
    expect(noProxyMatches('n.cn', target)).toBe(false);
    expect(noProxyMatches(undefined, target)).toBe(false);
  });

  it('the platform proxy wins over HTTPS_PROXY; HTTPS_PROXY only for https; bad URLs are config errors', () => {
    const https = new URL('https://sso.garmin.cn/');
    expect(
      decideProxy(https, { proxyUrl: 'http://10.0.0.1:3128', env: { HTTPS_PROXY: 'http://10.0.0.2:3128' } }).via,
    ).toBe('platform');
    expect(decideProxy(https, { env: { https_proxy: 'http://10.0.0.2:3128' } }).proxy?.host).toBe('10.0.0.2:3128');
    expect(decideProxy(https, { env: { HTTPS_PROXY: 'http://10.0.0.2:3128', NO_PROXY: 'garmin.cn' } }).via).toBe(
      'direct',
    );
    expect(decideProxy(new URL('http://127.0.0.1:1/'), { env: { HTTPS_PROXY: 'http://10.0.0.2:3128' } }).via).toBe(
      'direct',
    );
    expect(() => createProxyFetch({ proxyUrl: 'socks5://127.0.0.1:1080', proxyVariable: 'GARMIN_CN_PROXY' })).toThrow(
      ConfigError,
    );
    expect(() => createProxyFetch({ proxyUrl: 'socks5://127.0.0.1:1080', proxyVariable: 'GARMIN_CN_PROXY' })).toThrow(
      /GARMIN_CN_PROXY/,
    );
  });

  it('a Garmin CN run goes entirely through GARMIN_CN_PROXY (a loopback CONNECT proxy)', async () => {
    proxy = await startConnectProxy();
    const sandbox = await sandboxWithAccount('cn');
    sandbox.addActivity('cn', EMAIL, { fitBytes: fitFor(BASE_START) });
    const { platform } = platformFor(sandbox, 'cn', {
      credentials: { tokenBlob: sandbox.mintTokenBlob('cn', EMAIL, { accessTtlSec: 600 }) },
      proxyUrl: proxy.url,
      env: {},
    });
    await platform.connect();
    const [activity] = await listAll(platform);
    expect((await platform.downloadFit(activity!)).kind).toBe('fit');
    const port = new URL(sandbox.baseUrl).port;
    expect(proxy.tunnels.length).toBeGreaterThan(0);
    expect(proxy.tunnels.every((target) => target === `127.0.0.1:${port}`)).toBe(true);
    // Refresh (diauth) and API (connectapi) both went through it.
    expect(sandbox.counters().byHost['diauth.garmin.cn']).toBe(1);
  });

  it('HTTP_PROXY from the environment is used, NO_PROXY exempts, proxy credentials never show in errors', async () => {
    proxy = await startConnectProxy();
    const sandbox = await sandboxWithAccount('com');
    const endpoints = new EndpointMap().with(sandbox.endpointOverrides());
    const withProxyUrl = proxy.url.replace('http://', 'http://proxyuser:s3cret-proxy-pass@');
    const viaEnv = new HttpClient({ endpoints, fetch: createProxyFetch({ env: { HTTP_PROXY: withProxyUrl } }) });
    const token = sandbox.mintTokens('com', EMAIL).accessToken;
    const response = await viaEnv.request({
      url: 'https://connectapi.garmin.com/activitylist-service/activities/count',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.json()).toEqual({ totalCount: 0 });
    expect(proxy.tunnels).toHaveLength(1);
    expect(proxy.authorizations[0]).toBe('Basic ' + Buffer.from('proxyuser:s3cret-proxy-pass').toString('base64'));

    const exempt = new HttpClient({
      endpoints,
      fetch: createProxyFetch({ env: { HTTP_PROXY: withProxyUrl, NO_PROXY: 'localhost,127.0.0.1' } }),
    });
    await exempt.request({
      url: 'https://connectapi.garmin.com/activitylist-service/activities/count',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(proxy.tunnels).toHaveLength(1);

    // A proxy that is down: one clear error naming the proxy, without its password.
    const deadPort = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const dead = new HttpClient({
      endpoints,
      backoff: { attempts: 1 },
      fetch: createProxyFetch({
        proxyUrl: `http://proxyuser:s3cret-proxy-pass@127.0.0.1:${deadPort}`,
        proxyVariable: 'GARMIN_COM_PROXY',
      }),
    });
    const error = await dead
      .request({ url: 'https://connectapi.garmin.com/activitylist-service/activities/count' })
      .catch((caught: unknown) => caught);
    const message = describeError(error);
    expect(message).toMatch(/ECONNREFUSED|proxy/);
    assertNoSecrets([message, String((error as Error).cause)], ['s3cret-proxy-pass']);
  });
});
