import { afterEach } from 'vitest';
import { EndpointMap } from '../../src/core/endpoints.ts';
import type { Logger } from '../../src/core/log.ts';
import type { ChannelDeps } from '../../src/notify/channel-support.ts';
import { channelDeps, type NotifyDeps } from '../../src/notify/notify.ts';
import type { FakeChannel } from './fake-channels.ts';
import { startFakeServer, type FakeServer } from './fake-server.ts';

export const T0 = Date.parse('2026-01-08T06:01:30.000Z');

/** A virtual clock shared by the client and the fakes: sleeping advances it, so waits cost no time. */
export class VirtualClock {
  ms: number;
  readonly sleeps: number[] = [];

  constructor(start = T0) {
    this.ms = start;
  }

  readonly now = (): number => this.ms;
  readonly date = (): Date => new Date(this.ms);
  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.ms += ms;
  };
}

export interface CapturingLogger extends Logger {
  readonly lines: string[];
}

export function capturingLogger(): CapturingLogger {
  const lines: string[] = [];
  return {
    lines,
    debug: (message) => lines.push(`debug: ${message}`),
    info: (message) => lines.push(`info: ${message}`),
    warn: (message) => lines.push(`warn: ${message}`),
    error: (message) => lines.push(`error: ${message}`),
    group: (_title, body) => body(),
  };
}

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

export interface Harness {
  readonly server: FakeServer;
  readonly endpoints: EndpointMap;
  readonly clock: VirtualClock;
  readonly log: CapturingLogger;
  readonly notifyDeps: NotifyDeps;
  readonly deps: ChannelDeps;
}

/** Starts `fake` on loopback and points the real host name(s) at it. */
export async function harness(
  hosts: string | readonly string[],
  fake: FakeChannel,
  clock = new VirtualClock(),
): Promise<Harness> {
  const server = await startFakeServer(fake.handler);
  servers.push(server);
  const entries: Record<string, string> = {};
  for (const host of typeof hosts === 'string' ? [hosts] : hosts) entries[host] = server.baseUrl;
  const endpoints = new EndpointMap().with(entries);
  const log = capturingLogger();
  const notifyDeps: NotifyDeps = {
    endpoints,
    log,
    now: clock.date,
    sleep: clock.sleep,
    backoff: { baseDelayMs: 10, maxDelayMs: 20 },
  };
  return { server, endpoints, clock, log, notifyDeps, deps: channelDeps(notifyDeps) };
}

/** Every captured string must be free of every secret given. */
export function expectNoSecrets(texts: readonly string[], secrets: readonly string[]): void {
  for (const text of texts) {
    for (const secret of secrets) {
      if (text.includes(secret)) throw new Error(`secret leaked in: ${text}`);
      if (text.includes(encodeURIComponent(secret))) throw new Error(`URL-encoded secret leaked in: ${text}`);
    }
  }
}
