// The naive baseline, "the seed's way", measured beside every case: no database and no saved
// session, so it logs in on every run, lists every record of every platform one page at a time,
// one request at a time, platforms one after another, then copies what a target lacks (matched
// by start time) one workout and one target at a time. It drives the same protocol adapters as
// the real client, so the difference measured is the orchestration, not the protocol code.
import type { Activity, PlatformId } from '../src/core/activity.ts';
import type { SyncConfig } from '../src/config/config.ts';
import type { Logger } from '../src/core/log.ts';
import { createCorosPlatform } from '../src/platforms/coros/coros-platform.ts';
import { createGarminPlatform } from '../src/platforms/garmin/garmin-platform.ts';
import type { Platform } from '../src/platforms/platform.ts';
import type { PlatformState } from '../src/store/state-box.ts';
import { limitRequests } from '../src/http/request-limit.ts';

const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  group: (_title, body) => body(),
};
const oneAtATime = () => limitRequests((input, init) => fetch(input, init), 1);

function memoryState(): PlatformState {
  const values = new Map<string, string>();
  return {
    getPlain: (name) => values.get(`p:${name}`),
    setPlain: (name, value) =>
      (value === undefined ? values.delete(`p:${name}`) : values.set(`p:${name}`, value)) && undefined,
    getSecret: (name) => values.get(`s:${name}`),
    setSecret: (name, value) =>
      (value === undefined ? values.delete(`s:${name}`) : values.set(`s:${name}`, value)) && undefined,
  };
}

function naivePlatform(id: PlatformId, config: SyncConfig, credentials: { email: string; password: string }): Platform {
  if (id === 'coros')
    return createCorosPlatform({
      endpoints: config.endpoints,
      state: memoryState(),
      credentials,
      log: quiet,
      fetch: oneAtATime(),
    });
  return createGarminPlatform({
    region: id === 'garmin_com' ? 'com' : 'cn',
    endpoints: config.endpoints,
    state: memoryState(),
    credentials,
    log: quiet,
    fetch: oneAtATime(),
  });
}

export interface NaiveResult {
  readonly wallMs: number;
  readonly uploads: number;
}

/** One naive sync: sources → targets as `routes` says, every platform listed in full. */
export async function naiveSync(
  config: SyncConfig,
  credentials: Record<PlatformId, { email: string; password: string }>,
  routes: ReadonlyArray<readonly [PlatformId, PlatformId]>,
): Promise<NaiveResult> {
  const started = performance.now();
  const listed = new Map<PlatformId, { platform: Platform; activities: Activity[] }>();
  for (const id of config.platforms) {
    const platform = naivePlatform(id, config, credentials[id]);
    await platform.connect();
    const activities: Activity[] = [];
    for await (const page of platform.listActivities()) activities.push(...page);
    listed.set(id, { platform, activities });
  }
  let uploads = 0;
  for (const [from, to] of routes) {
    const source = listed.get(from)!;
    const target = listed.get(to)!;
    for (const activity of source.activities) {
      if (target.activities.some((other) => Math.abs(other.startUtc - activity.startUtc) <= 60)) continue;
      const file = await source.platform.downloadFit(activity);
      if (file.kind !== 'fit') continue;
      await target.platform.uploadFit({ bytes: file.bytes, fileName: file.fileName, source: activity });
      uploads++;
    }
  }
  return { wallMs: performance.now() - started, uploads };
}
