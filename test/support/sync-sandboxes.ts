import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCorosSandbox, type CorosSandbox } from '../../sandbox/coros/coros-sandbox.ts';
import { startGarminSandbox, type GarminSandbox } from '../../sandbox/garmin/index.ts';
import { fitMaker, GARMIN_RUN } from './fits.ts';

export interface SyncSandboxes {
  readonly garmin: GarminSandbox;
  readonly coros: CorosSandbox;
}

/** A Garmin and a COROS sandbox for a whole sync: uploads finish after one status poll, imports after `importDelayMs`. */
export async function startSyncSandboxes(importDelayMs = 10): Promise<SyncSandboxes> {
  const garmin = await startGarminSandbox({ uploadProcessingPolls: 1, pollHintMs: 20 });
  const coros = await startCorosSandbox({ knobs: { importDelayMs } });
  return { garmin, coros };
}

/** A 45-minute, 7.5 km run recorded on a Garmin watch. */
export const garminRunFit = fitMaker({ ...GARMIN_RUN, elapsedSec: 2700, distanceM: 7500 });

/** A 90-minute, 45 km ride recorded on a COROS watch. */
export const corosRideFit = fitMaker({
  sport: 'cycling',
  manufacturer: 'coros',
  product: 802,
  elapsedSec: 5400,
  distanceM: 45_000,
});

/** The `.env` of a Garmin COM ↔ COROS sync against the sandboxes, written into `cwd`. */
export function writeSyncEnv(
  cwd: string,
  { garmin, coros }: SyncSandboxes,
  account: { readonly garminToken: string; readonly corosEmail: string; readonly corosPassword: string },
): void {
  writeFileSync(
    join(cwd, '.env'),
    [
      'SYNC_PLATFORM=GARMINCOM,COROS',
      `GARMIN_TOKEN_COM=${account.garminToken}`,
      `COROS_EMAIL=${account.corosEmail}`,
      `COROS_PASSWORD="${account.corosPassword}"`,
      `SPORTS_SYNC_ENDPOINTS=${JSON.stringify({ ...garmin.endpointOverrides(), ...coros.endpointOverrides() })}`,
    ].join('\n'),
  );
}
