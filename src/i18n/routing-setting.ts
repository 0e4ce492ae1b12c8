import { parsePlatforms, parseRoutesSetting, parseSinceSetting, type Lookup } from '../config/config.ts';
import { withAliases } from '../config/aliases.ts';
import { readText } from '../config/read-values.ts';
import { ConfigError } from '../core/errors.ts';
import { reportRouting } from '../decide/routes.ts';
import { catalogue } from './catalogue.ts';
import { parseLanguage } from './language.ts';
import { routingText } from './report-view.ts';

/** SYNC_ROUTES / SYNC_SINCE as `status` shows them, without needing any credential. */
export function describeRoutingSetting(given: Lookup): string {
  const lookup = withAliases(given);
  const t = catalogue(parseLanguage(readText(lookup, 'SYNC_LANGUAGE') ?? 'en') ?? 'en');
  try {
    const platforms = parsePlatforms(lookup);
    const routing = reportRouting({
      platforms,
      routes: parseRoutesSetting(lookup, platforms),
      sinceUtc: parseSinceSetting(lookup),
    });
    return routingText(t, platforms, routing);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
}
