import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PLATFORM_IDS, type PlatformId } from '../core/activity.ts';
import { parseConfig } from '../config/config.ts';
import { sportFromFit } from '../core/sports.ts';
import type { Logger } from '../core/log.ts';
import { runSync, type RunSyncResult } from '../engine/sync-run.ts';
import { MemoryPlatform } from '../platforms/memory-platform.ts';
import { demoSeeds, seedFit } from './demo-seed.ts';

export interface DemoOptions {
  /** Folder for the demo's database, FIT files and emulated platforms (default db/demo). */
  readonly dir: string;
  /** Start from the seeded world again. */
  readonly reset: boolean;
  readonly dryRun?: boolean;
  /** Slows every emulated write (tests kill a run half-way with it). */
  readonly operationDelayMs?: number;
  readonly log: Logger;
}

export interface DemoResult extends RunSyncResult {
  readonly dbPath: string;
  readonly firstRun: boolean;
}

function openWorld(dir: string, operationDelayMs: number): Map<PlatformId, MemoryPlatform> {
  return new Map(PLATFORM_IDS.map((id) => [id, new MemoryPlatform({ id, persistPath: join(dir, 'world', `${id}.json`), operationDelayMs })]));
}

function seedWorld(platforms: Map<PlatformId, MemoryPlatform>): void {
  for (const seed of demoSeeds()) {
    const copies = new Map<PlatformId, number>();
    for (const id of seed.on) {
      const copy = copies.get(id) ?? 0;
      copies.set(id, copy + 1);
      const variant = seed.variants?.[id];
      const vendorOverride = copy > 0 || variant?.vendor ? { vendor: 'other' as const, device: 'Third-party import' } : {};
      if (variant?.manual) {
        const sport = sportFromFit(seed.workout.sport, seed.workout.subSport);
        platforms.get(id)!.seed(null, {
          startUtc: seed.workout.startUtc,
          elapsedSec: seed.workout.elapsedSec,
          distanceM: null,
          name: seed.label,
          manual: true,
          sport: { id: sport.id, family: sport.family, code: sport.garminTypeKey },
        });
      } else {
        platforms.get(id)!.seed(seedFit(seed, id, copy), { name: seed.label, ...(copy > 0 || variant?.vendor ? vendorOverride : {}) });
      }
    }
  }
}

/**
 * Syncs three emulated platforms end to end with no accounts. The emulated platforms keep their
 * contents in `<dir>/world/` between runs, so a second run shows a converged world.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const dbPath = join(options.dir, 'sports_sync.sqlite');
  if (options.reset) rmSync(options.dir, { recursive: true, force: true });
  mkdirSync(options.dir, { recursive: true });
  const firstRun = !existsSync(join(options.dir, 'world'));
  // Every emulated platform writes its contents to disk after each change, like a real service:
  // a run killed half-way leaves the world exactly as far as it got.
  const platforms = openWorld(options.dir, options.operationDelayMs ?? 0);
  if (firstRun) seedWorld(platforms);

  const settings: Record<string, string> = {
    SYNC_PLATFORM: 'GARMINCOM,GARMINCN,COROS',
    GARMIN_TOKEN_COM: 'demo-token-com',
    GARMIN_TOKEN_CN: 'demo-token-cn',
    COROS_EMAIL: 'demo@example.com',
    COROS_PASSWORD: 'demo-password',
    DELETE_DUPLICATE: '1',
    SPORT_DIFF_SECOND: '60',
    SYNC_DB_PATH: dbPath,
    FIT_DIR: join(options.dir, 'fit'),
    DRY_RUN: options.dryRun ? '1' : '0',
  };
  const config = parseConfig((name) => settings[name]);
  const result = await runSync({ config, log: options.log, createPlatform: (id) => platforms.get(id)! });
  return { ...result, dbPath, firstRun };
}
