import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../config/config.ts';
import type { Logger } from '../core/log.ts';
import { runSync, type RunSyncResult } from '../engine/sync-run.ts';
import { createPlatformFactory } from '../platforms/factory.ts';
// The emulators live outside src/ and are loaded only when the demo runs (see runDemo), so the
// Action bundle carries none of them; type imports are erased.
import type {
  CorosSandbox,
  SandboxActivity as CorosActivity,
  SandboxActivityInput as CorosActivityInput,
} from '../../sandbox/coros/coros-sandbox.ts';
import type {
  GarminSandbox,
  SandboxActivity as GarminActivity,
  SandboxActivityInput as GarminActivityInput,
} from '../../sandbox/garmin/index.ts';

export interface DemoOptions {
  /** Folder for the demo's database, FIT files and emulated platforms (default db/demo). */
  readonly dir: string;
  /** Start from the seeded world again. */
  readonly reset: boolean;
  readonly dryRun?: boolean;
  readonly log: Logger;
}

export interface DemoResult extends RunSyncResult {
  readonly dbPath: string;
  readonly firstRun: boolean;
}

const GARMIN_COM_ACCOUNT = { email: 'athlete@example.com', password: 'demo-garmin-com-password' };
const GARMIN_CN_ACCOUNT = { email: 'athlete@example.cn', password: 'demo-garmin-cn-password' };
const COROS_ACCOUNT = { email: 'athlete@example.cn', password: 'demo-coros-password', regionId: 2 as const };

/** What world.json keeps of an activity: what its sandbox takes to add it again, the FIT as base64. */
type Saved<Input extends { readonly fitBytes: Uint8Array }> = Omit<Input, 'fitBytes'> & { readonly fit: string };
interface SavedWorld {
  readonly version: 1;
  readonly garmin_com: Saved<GarminActivityInput>[];
  readonly garmin_cn: Saved<GarminActivityInput>[];
  readonly coros: Saved<CorosActivityInput>[];
}

function toSaved<Input extends { readonly fitBytes: Uint8Array }>(input: Input): Saved<Input> {
  const { fitBytes, ...rest } = input;
  return { ...rest, fit: Buffer.from(fitBytes).toString('base64') };
}

function fromSaved<Input extends { readonly fitBytes: Uint8Array }>(saved: Saved<Input>): Input {
  const { fit, ...rest } = saved;
  return { ...rest, fitBytes: Buffer.from(fit, 'base64') } as unknown as Input;
}

/** The input that adds a Garmin sandbox activity again as it is (same id, same source FIT). */
const garminInput = (activity: GarminActivity): GarminActivityInput => ({
  id: activity.id,
  fitBytes: activity.sourceFit,
  manual: activity.manual,
  name: activity.name,
  typeKey: activity.typeKey,
  format: activity.format,
  utcOffsetSec: activity.utcOffsetSec,
});

/** The input that adds a COROS sandbox activity again as it is (same labelId, same FIT). */
const corosInput = (activity: CorosActivity): CorosActivityInput => ({
  labelId: activity.labelId,
  fitBytes: activity.fit,
  sportType: activity.sportType,
  ...(activity.name === null ? {} : { name: activity.name }),
  ...(activity.device === null ? {} : { device: activity.device }),
  timezone: activity.startTimezone,
});

async function seedWorld(garmin: GarminSandbox, coros: CorosSandbox): Promise<void> {
  const { demoSeeds, seedFit } = await import('../../sandbox/demo-seed.ts');
  for (const seed of demoSeeds()) {
    const copies = new Map<string, number>();
    for (const id of seed.on) {
      const copy = copies.get(id) ?? 0;
      copies.set(id, copy + 1);
      const fitBytes = seedFit(seed, id, copy);
      const manual = seed.variants?.[id]?.manual ?? false;
      if (id === 'coros')
        coros.addActivity(COROS_ACCOUNT.email, {
          fitBytes,
          name: seed.label,
          timezone: 32,
          device: copy > 0 ? 'Imported file' : 'COROS PACE 3',
        });
      else
        garmin.addActivity(
          id === 'garmin_com' ? 'com' : 'cn',
          id === 'garmin_com' ? GARMIN_COM_ACCOUNT.email : GARMIN_CN_ACCOUNT.email,
          { fitBytes, name: seed.label, manual },
        );
    }
  }
}

function restoreWorld(world: SavedWorld, garmin: GarminSandbox, coros: CorosSandbox): void {
  for (const [region, email, saved] of [
    ['com', GARMIN_COM_ACCOUNT.email, world.garmin_com],
    ['cn', GARMIN_CN_ACCOUNT.email, world.garmin_cn],
  ] as const) {
    for (const activity of saved) garmin.addActivity(region, email, fromSaved(activity));
  }
  for (const activity of world.coros) coros.addActivity(COROS_ACCOUNT.email, fromSaved(activity));
}

function saveWorld(path: string, garmin: GarminSandbox, coros: CorosSandbox): void {
  const garminActivities = (region: 'com' | 'cn', email: string) =>
    garmin
      .activities(region, email)
      .sort((a, b) => a.id - b.id)
      .map((activity) => toSaved(garminInput(activity)));
  const world: SavedWorld = {
    version: 1,
    garmin_com: garminActivities('com', GARMIN_COM_ACCOUNT.email),
    garmin_cn: garminActivities('cn', GARMIN_CN_ACCOUNT.email),
    coros: coros
      .activities(COROS_ACCOUNT.email)
      .sort((a, b) => (BigInt(a.labelId) < BigInt(b.labelId) ? -1 : 1))
      .map((activity) => toSaved(corosInput(activity))),
  };
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, JSON.stringify(world));
  renameSync(temporary, path);
}

/**
 * Syncs three emulated platforms end to end with no accounts: the loopback sandboxes of
 * Garmin COM (read through its Personal API emulator), Garmin CN and COROS, reached over HTTP
 * by the real clients through the endpoint map. The emulated platforms' contents are kept in
 * `<dir>/world.json` between runs, so a second run sees the converged world.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const worldPath = join(options.dir, 'world.json');
  const dbPath = join(options.dir, 'sports_sync.sqlite');
  if (options.reset) rmSync(options.dir, { recursive: true, force: true });
  mkdirSync(options.dir, { recursive: true });
  const firstRun = !existsSync(worldPath);

  const [{ startGarminSandbox }, { startCorosSandbox }, { startPersonalApiSandbox }] = await Promise.all([
    import('../../sandbox/garmin/index.ts'),
    import('../../sandbox/coros/coros-sandbox.ts'),
    import('../../sandbox/garmin-personal-api/index.ts'),
  ]);
  const garmin = await startGarminSandbox({ uploadProcessingPolls: 1, pollHintMs: 20 });
  const coros = await startCorosSandbox({ knobs: { importDelayMs: 50 } });
  const personal = await startPersonalApiSandbox();
  try {
    // garmin.com is read through the official Personal API: same account, same ids as connectapi.
    personal.addAccount('com', GARMIN_COM_ACCOUNT.email, () => garmin.activities('com', GARMIN_COM_ACCOUNT.email));
    const personalKey = personal.createKey('com', GARMIN_COM_ACCOUNT.email, { validDays: 365 });
    garmin.addAccount('com', GARMIN_COM_ACCOUNT);
    garmin.addAccount('cn', GARMIN_CN_ACCOUNT);
    coros.addAccount(COROS_ACCOUNT);
    if (firstRun) await seedWorld(garmin, coros);
    else restoreWorld(JSON.parse(readFileSync(worldPath, 'utf8')) as SavedWorld, garmin, coros);

    const settings: Record<string, string> = {
      SYNC_PLATFORM: 'GARMINCOM,GARMINCN,COROS',
      // Fresh tokens each run, as `sports-sync-x login` would print them.
      GARMIN_API_KEY_COM: personalKey,
      // Uploads and deletes on garmin.com still need the DI token (the Personal API is read-only).
      GARMIN_TOKEN_COM: garmin.mintTokenBlob('com', GARMIN_COM_ACCOUNT.email),
      GARMIN_TOKEN_CN: garmin.mintTokenBlob('cn', GARMIN_CN_ACCOUNT.email),
      COROS_EMAIL: COROS_ACCOUNT.email,
      COROS_PASSWORD: COROS_ACCOUNT.password,
      DELETE_DUPLICATE: '1',
      // The demo world's duplicates are known ones: delete them on the first run, as a user who confirmed would.
      CONFIRM_DELETES: '1',
      SPORT_DIFF_SECOND: '60',
      SYNC_DB_PATH: dbPath,
      FIT_DIR: join(options.dir, 'fit'),
      DRY_RUN: options.dryRun ? '1' : '0',
      SPORTS_SYNC_ENDPOINTS: JSON.stringify({
        ...garmin.endpointOverrides(),
        ...coros.endpointOverrides(),
        ...personal.endpointOverrides(),
      }),
    };
    const config = parseConfig((name) => settings[name]);
    const fast = { backoff: { baseDelayMs: 20, maxDelayMs: 200 } };
    const createPlatform = createPlatformFactory(config, options.log, {
      garmin: { ...fast, uploadPoll: { intervalMs: 20, timeoutMs: 10_000 } },
      coros: { ...fast, importPollIntervalMs: 40, importPollTimeoutMs: 10_000, deleteSpacingMs: 0 },
      personal: { ...fast, pagePauseMs: 0 },
    });
    const result = await runSync({ config, log: options.log, createPlatform });
    if (!options.dryRun || firstRun) saveWorld(worldPath, garmin, coros);
    return { ...result, dbPath, firstRun };
  } finally {
    await Promise.all([garmin.close(), coros.close(), personal.close()]);
  }
}
