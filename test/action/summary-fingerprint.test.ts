import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stateFingerprint } from '../../src/action/state-fingerprint.ts';
import { renderJobSummary } from '../../src/action/summary.ts';
import { keepWorkflowEnabled, workflowFileFromRef } from '../../src/action/keepalive.ts';
import { registerSecret } from '../../src/core/secrets.ts';
import type { SyncReport } from '../../src/decide/report-types.ts';
import { Store } from '../../src/store/store.ts';
import { startActionsResultsFake } from '../fakes/actions-results-fake.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ssx-summary-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const report: SyncReport = {
  runId: '7-abcd',
  startedAt: '2026-11-20T06:17:00.000Z',
  finishedAt: '2026-11-20T06:18:00.000Z',
  dryRun: false,
  outcome: 'partial',
  platforms: [
    { id: 'garmin_cn', label: 'Garmin CN', listed: 12, known: 40, credentialExpiry: '2026-11-25T00:00:00.000Z' },
    { id: 'coros', label: 'COROS', listed: 10, known: 38 },
  ],
  transfers: [
    {
      from: 'garmin_cn',
      to: 'coros',
      sourceId: '901',
      startUtc: 1_763_600_000,
      sport: 'run',
      distanceM: 10_020,
      elapsedSec: 3000,
      name: 'Morning run',
      outcome: 'created',
      targetId: '4611686018427387904',
    },
    {
      from: 'coros',
      to: 'garmin_cn',
      sourceId: '77',
      startUtc: 1_763_500_000,
      sport: 'road_ride',
      distanceM: 40_000,
      elapsedSec: 5400,
      name: null,
      outcome: 'failed',
      message: 'HTTP 503 | busy',
      nextStep: 'It is retried on the next run.',
    },
  ],
  duplicates: [
    {
      platform: 'coros',
      keptId: '1',
      duplicateId: '2',
      startUtc: 1_763_400_000,
      sport: 'run',
      action: 'reported',
      reason: 'Δt 1 s',
    },
  ],
  timezoneSuspects: [],
  failures: [
    {
      scope: 'COROS → Garmin CN 77',
      kind: 'retryable',
      message: 'HTTP 503 with token tok-SECRET-123',
      nextStep: 'It is retried on the next run.',
    },
  ],
  warnings: [],
  counts: {
    uploaded: 1,
    alreadyThere: 0,
    duplicatesFound: 1,
    deleted: 0,
    failed: 1,
    pending: 0,
    planned: 0,
    setAside: 0,
    noOriginal: 0,
    remaining: 0,
  },
};

describe('job summary', () => {
  it('shows uploads with sport, date, distance; duplicates; failures with the next step; token expiry', () => {
    registerSecret('tok-SECRET-123');
    const markdown = renderJobSummary(report, {
      stateMode: 'git',
      stateLines: ['Database committed.'],
      artifactLine: 'Uploaded 1 FIT file(s) as artifact `fit`.',
      repositoryPrivate: true,
      warnings: ['notification via telegram failed'],
      now: new Date('2026-11-20T07:00:00Z'),
    });
    expect(markdown).toContain('| Sport | Start (UTC) | Distance | Duration | From | To and result |');
    expect(markdown).toContain('| Run | 2025-11-20 00:53 | 10.02 km | 50:00 | Garmin CN | COROS: ✅ uploaded |');
    expect(markdown).toContain('Garmin CN: ❌ failed, retried next run — HTTP 503 \\| busy');
    expect(markdown).toContain('| COROS → Garmin CN 77 | HTTP 503 with token *** | It is retried on the next run. |');
    expect(markdown).toContain('2026-11-25 ⚠️ in 4 day(s)');
    expect(markdown).toContain('### Duplicates inside one platform');
    expect(markdown).toContain('- notification via telegram failed');
    expect(markdown).not.toContain('tok-SECRET-123');
    expect(markdown).not.toContain('This repository is public');
  });

  it('says what a public repository exposes and how to avoid it', () => {
    const markdown = renderJobSummary(report, {
      stateMode: 'git',
      stateLines: [],
      artifactLine: 'Uploaded 1 FIT file(s)',
      repositoryPrivate: false,
      warnings: [],
    });
    expect(markdown).toContain('This repository is public');
    expect(markdown).toContain('database committed to this repository');
    expect(markdown).toContain('FIT artifact');
    expect(markdown).toContain('Use this template');
  });
});

describe('state fingerprint', () => {
  it('ignores run bookkeeping but sees real changes', () => {
    const path = join(tmp, 'state.sqlite');
    let store = Store.open(path);
    store.finishRun(store.startRun({ dryRun: false, fullScan: false }), 'ok', { uploaded: 0 });
    store.close();
    const first = stateFingerprint([path]);
    store = Store.open(path);
    store.finishRun(store.startRun({ dryRun: false, fullScan: false }), 'ok', { uploaded: 0 });
    store.close();
    expect(stateFingerprint([path])).toBe(first);
    const record = {
      platform: 'coros',
      remoteId: '1',
      startUtc: 1,
      elapsedSec: 1,
      distanceM: 1,
      sport: { id: 'running', family: 'run', code: '100' },
      manual: false,
    } as const;
    store = Store.open(path);
    const run = store.startRun({ dryRun: false, fullScan: false });
    store.upsertActivities(run, [{ ...record, name: null, device: null, vendor: 'coros' }]);
    store.close();
    const withActivity = stateFingerprint([path]);
    expect(withActivity).not.toBe(first);

    // How a platform labels a record is cache; its start time, being gone, or the ledger are not.
    store = Store.open(path);
    store.upsertActivities(store.startRun({ dryRun: false, fullScan: false }), [
      { ...record, name: 'Morning Run', device: 'COROS PACE 3', vendor: 'other', extra: { sportType: 100 } },
    ]);
    store.close();
    expect(stateFingerprint([path])).toBe(withActivity);
    store = Store.open(path);
    store.upsertActivities(store.startRun({ dryRun: false, fullScan: false }), [
      { ...record, startUtc: 2, name: null, device: null, vendor: 'coros' },
    ]);
    store.close();
    const moved = stateFingerprint([path]);
    expect(moved).not.toBe(withActivity);
    store = Store.open(path);
    store.markOneGone('coros', '1', store.startRun({ dryRun: false, fullScan: false }));
    store.close();
    const gone = stateFingerprint([path]);
    expect(gone).not.toBe(moved);
    store = Store.open(path);
    store.recordTransferOutcome({ platform: 'coros', remoteId: '1' }, 'garmin_com', 'failed', { error: 'boom' });
    store.close();
    expect(stateFingerprint([path])).not.toBe(gone);
  });

  it('hashes other files byte for byte and missing files as absent', () => {
    const other = join(tmp, 'x.json');
    const absent = stateFingerprint([other]);
    writeFileSync(other, '{}');
    expect(stateFingerprint([other])).not.toBe(absent);
  });
});

describe('keepalive', () => {
  it('finds the workflow file and enables it through the API', async () => {
    expect(workflowFileFromRef('octo/sync/.github/workflows/sync.yml@refs/heads/main')).toBe('sync.yml');
    const fake = await startActionsResultsFake();
    try {
      const result = await keepWorkflowEnabled({
        apiUrl: fake.url,
        repository: 'octo/sync',
        workflowRef: 'octo/sync/.github/workflows/sync.yml@refs/heads/main',
        token: 'ghs_x1234567',
      });
      expect(result).toEqual({ status: 'enabled', workflow: 'sync.yml' });
      expect(fake.enabledWorkflows).toEqual(['octo/sync:sync.yml']);
      fake.failNext({ target: '/repos/octo/sync/actions/workflows', status: 403 });
      const denied = await keepWorkflowEnabled({
        apiUrl: fake.url,
        repository: 'octo/sync',
        workflowRef: 'octo/sync/.github/workflows/sync.yml@refs/heads/main',
        token: 'ghs_x1234567',
      });
      expect(denied).toMatchObject({ status: 'failed' });
      if (denied.status === 'failed') expect(denied.message).toContain('actions: write');
    } finally {
      await fake.close();
    }
  });
});

describe('report output', () => {
  it('stays under the 1 MB step-output limit for a huge first run, keeping the counts', async () => {
    const { reportForOutput } = await import('../../src/action/run-action.ts');
    const many = Array.from({ length: 8000 }, (_unused, index) => ({
      ...report.transfers[0]!,
      sourceId: String(index),
      name: 'x'.repeat(100),
    }));
    const output = reportForOutput({ ...report, transfers: many });
    expect(Buffer.byteLength(output)).toBeLessThan(1_000_000);
    const parsed = JSON.parse(output) as { counts: { uploaded: number }; transfersOmitted: number };
    expect(parsed.counts.uploaded).toBe(1);
    expect(parsed.transfersOmitted).toBe(8000);
    expect((JSON.parse(reportForOutput(report)) as SyncReport).transfers).toHaveLength(report.transfers.length);
  });
});
