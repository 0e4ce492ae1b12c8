import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PLATFORM_IDS, type PlatformId } from '../../src/core/activity.ts';
import { parseConfig } from '../../src/config/config.ts';
import { silentLogger } from '../../src/core/log.ts';
import { runSync } from '../../src/engine/sync-run.ts';
import { synthesiseFit } from '../../sandbox/fit-synth.ts';
import { MemoryPlatform } from '../support/memory-platform.ts';

const DAY = 86_400;
const base = Date.UTC(2026, 5, 1) / 1000;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const fit = (day: number, manufacturer: 'garmin' | 'coros' = 'garmin') =>
  synthesiseFit({
    startUtc: base + day * DAY,
    elapsedSec: 3600,
    distanceM: 10_000,
    sport: 'running',
    manufacturer,
    product: manufacturer === 'garmin' ? 4315 : 802,
  });

describe('a whole run with SYNC_ROUTES and SYNC_SINCE', () => {
  it('SYNC_ROUTES=GARMINCOM>COROS with SYNC_SINCE copies only what they allow, nothing the other way, and still finds duplicates everywhere', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssx-routes-'));
    dirs.push(dir);
    const platforms = new Map<PlatformId, MemoryPlatform>(
      PLATFORM_IDS.map((id) => [id, new MemoryPlatform({ id, pageSize: 3 })]),
    );
    for (const day of [0, 1, 5, 6]) platforms.get('garmin_com')!.seed(fit(day));
    for (const day of [7, 8]) platforms.get('coros')!.seed(fit(day, 'coros'));
    // A duplicate inside COROS, where nothing is copied from.
    platforms.get('coros')!.seed(fit(8, 'coros'));
    const values: Record<string, string> = {
      SYNC_PLATFORM: 'GARMINCOM,COROS',
      SYNC_ROUTES: 'GARMINCOM>COROS',
      SYNC_SINCE: new Date((base + 3 * DAY) * 1000).toISOString().slice(0, 10),
      GARMIN_TOKEN_COM: 'unused-token-com',
      COROS_EMAIL: 'x@example.com',
      COROS_PASSWORD: 'unused-password',
      SYNC_DB_PATH: join(dir, 'db', 'sports_sync.sqlite'),
      FIT_DIR: join(dir, 'fit'),
    };
    const config = parseConfig((name) => values[name]);
    const { report } = await runSync({ config, log: silentLogger, createPlatform: (id) => platforms.get(id)! });
    expect(report.outcome).toBe('ok');
    expect(report.transfers.map((t) => `${t.from}>${t.to}:${(t.startUtc - base) / DAY}:${t.outcome}`).sort()).toEqual([
      'garmin_com>coros:5:created',
      'garmin_com>coros:6:created',
    ]);
    expect(platforms.get('garmin_com')!.all()).toHaveLength(4);
    expect(platforms.get('coros')!.all()).toHaveLength(5);
    expect(report.duplicates.map((d) => d.platform)).toEqual(['coros']);
    expect(report.routing).toEqual({
      routes: [{ from: 'garmin_com', to: 'coros' }],
      everyDirection: false,
      since: new Date((base + 3 * DAY) * 1000).toISOString(),
    });
  });
});
