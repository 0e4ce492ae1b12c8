// A sync run in its own process, with the real adapters tuned to poll fast, for tests that kill
// a run half-way. Settings come from the environment, exactly as for the CLI.
import { parseConfig } from '../../src/config/config.ts';
import { consoleLogger } from '../../src/core/log.ts';
import { runSync } from '../../src/engine/sync-run.ts';
import { createPlatformFactory } from '../../src/platforms/factory.ts';

const config = parseConfig((name) => process.env[name]);
const log = consoleLogger();
const fast = { backoff: { baseDelayMs: 20, maxDelayMs: 200 } };
const result = await runSync({
  config,
  log,
  createPlatform: createPlatformFactory(config, log, {
    garmin: { ...fast, uploadPoll: { intervalMs: 20, timeoutMs: 10_000 } },
    coros: { ...fast, importPollIntervalMs: 40, importPollTimeoutMs: 10_000, deleteSpacingMs: 0 },
  }),
});
process.stdout.write(`RESULT ${JSON.stringify(result.report.counts)}\n`);
