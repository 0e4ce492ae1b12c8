import { EndpointMap } from '../../src/core/endpoints.ts';
import { createCorosPlatform } from '../../src/platforms/coros/coros-platform.ts';
import { createGarminPlatform } from '../../src/platforms/garmin/garmin-platform.ts';
import { MemoryPlatformState } from '../../src/store/state-box.ts';
import { startCorosSandbox } from '../../sandbox/coros/coros-sandbox.ts';
import { startGarminSandbox } from '../../sandbox/garmin/garmin-sandbox.ts';
import { FAST_BACKOFF } from '../coros/helpers.ts';
import { capturingLogger } from '../support/capturing-logger.ts';
import { MemoryPlatform } from '../support/memory-platform.ts';
import { contractFit, platformContract } from './platform-contract.ts';

// The same contract for the reference in-memory platform and both real adapters on their sandboxes.

platformContract({
  name: 'in-memory platform',
  async start() {
    const memory = new MemoryPlatform({ id: 'garmin_com' });
    return {
      platform: memory,
      seedRecorded: async (startUtc) => void memory.seed(contractFit(startUtc)),
      seedManual: async (startUtc) => void memory.seed(null, { startUtc }),
      count: () => memory.all().length,
      slowProcessing: (on) => {
        memory.slowProcessing = on;
      },
      serverDown: () => {
        memory.failNext = 100;
      },
      withWrongPassword: () => new MemoryPlatform({ id: 'garmin_com', refuseCredentials: true }),
      close: async () => {},
    };
  },
});

const GARMIN = { email: 'contract@example.com', password: 'contract-password-42' };

platformContract({
  name: 'Garmin adapter on the Garmin sandbox',
  async start() {
    // Each check polls the upload once; the sandbox answers 202 for three polls when slow.
    let slow = false;
    const sandbox = await startGarminSandbox({
      get uploadProcessingPolls() {
        return slow ? 3 : 0;
      },
    });
    sandbox.addAccount('com', GARMIN);
    const adapter = (credentials: { email?: string; password?: string; tokenBlob?: string }) =>
      createGarminPlatform({
        region: 'com',
        endpoints: new EndpointMap().with(sandbox.endpointOverrides()),
        state: new MemoryPlatformState(),
        credentials,
        log: capturingLogger(),
        now: sandbox.now,
        backoff: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2000 },
        uploadPoll: { intervalMs: 1, timeoutMs: 0 },
        env: {},
      });
    return {
      platform: adapter({ tokenBlob: sandbox.mintTokenBlob('com', GARMIN.email) }),
      seedRecorded: async (startUtc) =>
        void sandbox.addActivity('com', GARMIN.email, { fitBytes: contractFit(startUtc) }),
      seedManual: async (startUtc) =>
        void sandbox.addActivity('com', GARMIN.email, { fitBytes: contractFit(startUtc), manual: true }),
      count: () => sandbox.activities('com', GARMIN.email).length,
      slowProcessing: (on) => {
        slow = on;
      },
      serverDown: () => sandbox.failNext(20, '503'),
      withWrongPassword: () => adapter({ email: GARMIN.email, password: 'not-the-password-1' }),
      close: () => sandbox.close(),
    };
  },
});

const COROS = { email: 'contract@example.cn', password: 'contract-coros-42', regionId: 2 as const };

platformContract({
  name: 'COROS adapter on the COROS sandbox',
  async start() {
    const sandbox = await startCorosSandbox();
    sandbox.addAccount(COROS);
    const adapter = (password: string) =>
      createCorosPlatform({
        endpoints: new EndpointMap().with(sandbox.endpointOverrides()),
        state: new MemoryPlatformState(),
        credentials: { email: COROS.email, password },
        log: capturingLogger(),
        backoff: FAST_BACKOFF,
        timeoutMs: 10_000,
        importPollIntervalMs: 5,
        importPollTimeoutMs: 40,
        deleteSpacingMs: 0,
        now: () => sandbox.now(),
      });
    return {
      platform: adapter(COROS.password),
      seedRecorded: async (startUtc) =>
        void sandbox.addActivity(COROS.email, { fitBytes: contractFit(startUtc), timezone: 32 }),
      // A workout typed in on the app: COROS answers its download without a fileUrl.
      seedManual: async (startUtc) =>
        void sandbox.addActivity(COROS.email, { fitBytes: contractFit(startUtc), withoutFile: true }),
      count: () => sandbox.activities(COROS.email).length,
      slowProcessing: (on) => {
        sandbox.knobs.importNeverFinishes = on;
      },
      serverDown: () => sandbox.failNext('5xx', 20),
      withWrongPassword: () => adapter('not-the-password-1'),
      close: () => sandbox.close(),
    };
  },
});
