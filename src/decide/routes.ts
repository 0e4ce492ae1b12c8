import type { PlatformId } from '../core/activity.ts';
import type { ReportRouting } from './report-types.ts';

/** One direction copies are made in: workouts on `from` missing on `to` are uploaded to `to`. */
export interface Route {
  readonly from: PlatformId;
  readonly to: PlatformId;
}

/**
 * Which directions a run copies in and from when. `routes` null means every direction among the
 * configured platforms; `sinceUtc` null means no start date. Plain data, so the planner and the
 * renderers share one decision.
 */
export interface RoutePolicy {
  readonly routes: readonly Route[] | null;
  /** Epoch seconds: only workouts starting at or after it are copied. */
  readonly sinceUtc: number | null;
}

/** True when a workout on `from` may be copied to `to`. */
export function routeAllows(routes: readonly Route[] | null, from: PlatformId, to: PlatformId): boolean {
  if (from === to) return false;
  if (routes === null) return true;
  return routes.some((route) => route.from === from && route.to === to);
}

/** True when a workout starting at `startUtc` is recent enough to be copied. */
export function sinceAllows(sinceUtc: number | null, startUtc: number): boolean {
  return sinceUtc === null || startUtc >= sinceUtc;
}

/** The routes in effect: the configured ones, or every direction among the platforms. */
export function effectiveRoutes(routes: readonly Route[] | null, platforms: readonly PlatformId[]): Route[] {
  if (routes !== null) return [...routes];
  return platforms.flatMap((from) => platforms.filter((to) => to !== from).map((to) => ({ from, to })));
}

/** The platforms a set of routes touches, in order of first mention. */
export function routePlatforms(routes: readonly Route[]): PlatformId[] {
  const platforms: PlatformId[] = [];
  for (const route of routes) for (const id of [route.from, route.to]) if (!platforms.includes(id)) platforms.push(id);
  return platforms;
}

/** Result of parsing SYNC_ROUTES: the routes, or what is wrong with which part. */
export type RoutesParse =
  | { readonly ok: true; readonly routes: Route[] }
  | { readonly ok: false; readonly part: string; readonly problem: 'syntax' | 'platform' | 'same' };

/**
 * Parses `GARMINCOM>COROS,GARMINCN>GARMINCOM` (also `->`, `→`, `;` or spaces between pairs).
 * `names` maps an upper-case platform name to its id. Duplicated pairs are kept once.
 */
export function parseRoutes(raw: string, names: Readonly<Record<string, PlatformId>>): RoutesParse {
  const routes: Route[] = [];
  for (const part of raw.split(/[,;\s]+/).filter(Boolean)) {
    const match = /^([A-Za-z_]+)(?:>|->|→)([A-Za-z_]+)$/.exec(part);
    if (!match) return { ok: false, part, problem: 'syntax' };
    const from = names[match[1]!.toUpperCase()];
    const to = names[match[2]!.toUpperCase()];
    if (!from || !to) return { ok: false, part, problem: 'platform' };
    if (from === to) return { ok: false, part, problem: 'same' };
    if (!routes.some((route) => route.from === from && route.to === to)) routes.push({ from, to });
  }
  return { ok: true, routes };
}

/**
 * Parses SYNC_SINCE: a date `YYYY-MM-DD` (the start of that day in UTC) or a full ISO time with a
 * zone. Undefined when it is neither, or not a real date (2026-02-30).
 */
export function parseSince(raw: string): number | undefined {
  const trimmed = raw.trim();
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(trimmed);
  if (dateOnly) {
    const [year, month, day] = [Number(dateOnly[1]), Number(dateOnly[2]), Number(dateOnly[3])];
    const ms = Date.UTC(year, month - 1, day);
    const check = new Date(ms);
    if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day)
      return undefined;
    return ms / 1000;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** What the report says about routes and the start date. */
export function reportRouting(config: {
  readonly platforms: readonly PlatformId[];
  readonly routes: readonly Route[] | null;
  readonly sinceUtc: number | null;
}): ReportRouting {
  return {
    routes: effectiveRoutes(config.routes, config.platforms),
    everyDirection: config.routes === null,
    ...(config.sinceUtc !== null ? { since: new Date(config.sinceUtc * 1000).toISOString() } : {}),
  };
}
