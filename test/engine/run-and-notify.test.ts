import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.ts';
import { PLATFORM_IDS, type PlatformId } from '../../src/core/activity.ts';
import { consoleLogger } from '../../src/core/log.ts';
import { runSyncAndNotify } from '../../src/engine/run-and-notify.ts';
import { synthesiseFit } from '../../sandbox/fit-synth.ts';
import { MemoryPlatform } from '../support/memory-platform.ts';

const KEY = '0a1b2c3d-1111-2222-3333-444455556666';
const received: Array<{ url: string; body: unknown }> = [];
let answer = { errcode: 0, errmsg: 'ok' };
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    received.push({ url: request.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(answer));
  });
});

beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'ssx-notify-'));
  const platforms = new Map<PlatformId, MemoryPlatform>(PLATFORM_IDS.map((id) => [id, new MemoryPlatform({ id })]));
  platforms.get('coros')!.seed(
    synthesiseFit({
      startUtc: 1_780_000_000,
      elapsedSec: 1800,
      distanceM: 5000,
      sport: 'running',
      manufacturer: 'coros',
      product: 802,
    }),
  );
  const { port } = server.address() as AddressInfo;
  const values: Record<string, string> = {
    SYNC_PLATFORM: 'COROS,GARMINCOM',
    COROS_EMAIL: 'x@example.com',
    COROS_PASSWORD: 'unused-password',
    GARMIN_TOKEN_COM: 'unused-token',
    QYWX_BOT_KEY: KEY,
    SYNC_DB_PATH: join(dir, 'sports_sync.sqlite'),
    FIT_DIR: join(dir, 'fit'),
    SPORTS_SYNC_ENDPOINTS: JSON.stringify({ 'qyapi.weixin.qq.com': `http://127.0.0.1:${port}` }),
  };
  return { platforms, config: parseConfig((name) => values[name]) };
}

describe('sync followed by its notification', () => {
  it('sends one WeCom message when something changed, none when nothing did', async () => {
    const { platforms, config } = setup();
    received.length = 0;
    answer = { errcode: 0, errmsg: 'ok' };
    const lines: string[] = [];
    const log = consoleLogger({ out: (line) => lines.push(line), err: (line) => lines.push(line) });
    const first = await runSyncAndNotify({ config, log, createPlatform: (id) => platforms.get(id)! });
    expect(first.notification.status).toBe('sent');
    expect(received).toHaveLength(1);
    expect(received[0]!.url).toBe(`/cgi-bin/webhook/send?key=${KEY}`);
    expect(JSON.stringify(received[0]!.body)).toMatch(/COROS/);
    const second = await runSyncAndNotify({ config, log, createPlatform: (id) => platforms.get(id)! });
    expect(second.notification.status).toBe('skipped');
    expect(received).toHaveLength(1);
    expect(lines.join('\n')).not.toContain(KEY);
  });

  it('a failed notification only warns: the sync still succeeds', async () => {
    const { platforms, config } = setup();
    answer = { errcode: 93000, errmsg: 'invalid webhook url' };
    const lines: string[] = [];
    const log = consoleLogger({ out: (line) => lines.push(line), err: (line) => lines.push(line) });
    const result = await runSyncAndNotify({ config, log, createPlatform: (id) => platforms.get(id)! });
    expect(result.report.outcome).toBe('ok');
    expect(result.report.counts.uploaded).toBe(1);
    expect(result.notification.status).toBe('failed');
    expect(result.report.warnings.join('\n')).toMatch(/QYWX_BOT_KEY/);
    expect([...result.report.warnings, ...lines].join('\n')).not.toContain(KEY);
  });
});
