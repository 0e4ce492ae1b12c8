import type { ReportCounts, SyncReport, TransferResult } from '../../src/decide/report-types.ts';

/** A run that did nothing: all in sync. */
export function quietReport(overrides: Partial<SyncReport> = {}): SyncReport {
  return {
    runId: 'run-quiet',
    startedAt: '2026-01-08T06:00:00.000Z',
    finishedAt: '2026-01-08T06:01:00.000Z',
    dryRun: false,
    outcome: 'ok',
    platforms: [
      { id: 'garmin_cn', label: 'Garmin CN', listed: 20, known: 412 },
      { id: 'coros', label: 'COROS', listed: 20, known: 409 },
    ],
    transfers: [],
    duplicates: [],
    timezoneSuspects: [],
    failures: [],
    warnings: [],
    counts: counts(),
    ...overrides,
  };
}

export function counts(overrides: Partial<ReportCounts> = {}): ReportCounts {
  return {
    uploaded: 0,
    alreadyThere: 0,
    duplicatesFound: 0,
    deleted: 0,
    failed: 0,
    pending: 0,
    planned: 0,
    setAside: 0,
    noOriginal: 0,
    remaining: 0,
    ...overrides,
  };
}

export function transfer(overrides: Partial<TransferResult> = {}): TransferResult {
  return {
    from: 'garmin_cn',
    to: 'coros',
    sourceId: '123456789',
    startUtc: 1767852000,
    sport: 'running',
    distanceM: 10_020,
    elapsedSec: 3_125,
    name: 'Morning Run',
    outcome: 'created',
    targetId: '987654321',
    ...overrides,
  };
}

/** A busy run: uploads both ways, a duplicate deleted, one failure with a next step, a token about to expire. */
export function busyReport(overrides: Partial<SyncReport> = {}): SyncReport {
  return quietReport({
    runId: 'run-busy',
    outcome: 'partial',
    platforms: [
      { id: 'garmin_cn', label: 'Garmin CN', listed: 20, known: 412, credentialExpiry: '2026-01-13T00:00:00.000Z' },
      { id: 'coros', label: 'COROS', listed: 20, known: 409, credentialExpiry: '2026-12-31T00:00:00.000Z' },
    ],
    transfers: [
      transfer(),
      transfer({ sourceId: '123456790', startUtc: 1767938400, name: '晨跑 <b>&', sport: 'trail_running' }),
      transfer({
        from: 'coros',
        to: 'garmin_cn',
        sourceId: '4711',
        name: 'Pool *swim* [test]',
        sport: 'pool_swim',
        distanceM: 1500,
      }),
      transfer({
        sourceId: '123456791',
        outcome: 'failed',
        message: 'COROS answered HTTP 500',
        nextStep: 'nothing to do: the next run retries it',
      }),
    ],
    duplicates: [
      {
        platform: 'coros',
        keptId: '1',
        duplicateId: '2',
        startUtc: 1767852000,
        sport: 'running',
        action: 'deleted',
        reason: 'same start and distance',
      },
    ],
    failures: [
      {
        scope: 'COROS upload',
        kind: 'retryable',
        message: 'COROS answered HTTP 500',
        nextStep: 'nothing to do: the next run retries it',
      },
    ],
    warnings: ['COROS listing was slow'],
    counts: counts({ uploaded: 3, deleted: 1, duplicatesFound: 1, failed: 1 }),
    ...overrides,
  });
}

/** A run whose failures are long CJK text: the message must be split or summarised by bytes. */
export function hugeCjkReport(failureCount = 80): SyncReport {
  const failures = Array.from({ length: failureCount }, (_, index) => ({
    scope: `上传 ${index + 1}`,
    kind: 'rejected' as const,
    message: `高驰拒绝了这个训练文件：文件格式不正确，无法解析。请检查设备固件版本是否为最新。第${index + 1}条记录。🏃‍♂️`,
    nextStep: '在佳明网站上重新导出原始文件后再试一次',
  }));
  const transfers = Array.from({ length: 40 }, (_, index) =>
    transfer({
      sourceId: String(1000 + index),
      startUtc: 1767852000 + index * 86_400,
      name: `长距离慢跑训练第${index + 1}次 🏃‍♀️🏽`,
      sport: 'running',
    }),
  );
  return quietReport({
    runId: 'run-huge',
    outcome: 'partial',
    transfers,
    failures,
    counts: counts({ uploaded: transfers.length, failed: failures.length }),
  });
}
