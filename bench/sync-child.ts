// One sync run in its own process with the real adapters at their default tuning (what a user
// runs), settings from the environment; prints its wall time and peak RSS for bench/run.ts.
import { parseConfig } from '../src/config/config.ts';
import { consoleLogger } from '../src/core/log.ts';
import { runSync } from '../src/engine/sync-run.ts';
import { createPlatformFactory } from '../src/platforms/factory.ts';

const config = parseConfig((name) => process.env[name]);
const log = process.env.BENCH_VERBOSE
  ? consoleLogger()
  : {
      ...consoleLogger(),
      info: () => undefined,
      debug: () => undefined,
      group: <T>(_: string, body: () => Promise<T>) => body(),
    };
const started = performance.now();
const result = await runSync({ config, log, createPlatform: createPlatformFactory(config, log) });
const wallMs = performance.now() - started;
const rssMiB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`RESULT ${JSON.stringify({ wallMs, rssMiB, counts: result.report.counts })}\n`);
