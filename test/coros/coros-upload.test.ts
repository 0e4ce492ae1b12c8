import { beforeEach, describe, expect, it } from 'vitest';
import { RetryableError, describeError } from '../../src/core/errors.ts';
import type { CorosRegionId } from '../../src/platforms/coros/coros-hosts.ts';
import { md5Hex } from '../../src/platforms/coros/storage-signing.ts';
import { corosClient, fitAt, garminSource, leakedSecrets, sandbox, sandboxPerTest, uploadRunAt } from './helpers.ts';

const EMAIL = 'uploader@example.com';
const PASSWORD = 'p@ss word 2026';
const BASE = 1_767_852_621;

sandboxPerTest();

describe.each([
  { regionId: 1 as CorosRegionId, bucket: 'coros-s3', put: 's3:put' },
  { regionId: 2 as CorosRegionId, bucket: 'coros-oss', put: 'oss:put' },
  { regionId: 3 as CorosRegionId, bucket: 'eu-coros', put: 's3:put' },
  { regionId: 4 as CorosRegionId, bucket: 'coros-sg-prod', put: 'oss:put' },
])('COROS upload in region $regionId ($put)', ({ regionId, bucket, put }) => {
  it('uploads with a verified signature, finds the new labelId, dedupes identical bytes', async () => {
    const { userId } = sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId });
    sandbox.knobs.importDelayMs = 30;
    const { platform, log, state } = corosClient(sandbox, EMAIL, PASSWORD);
    const fit = fitAt(BASE);
    const outcome = await platform.uploadFit({ bytes: fit, fileName: 'morning-run.fit', source: garminSource(BASE) });
    const [created] = sandbox.activities(EMAIL);
    expect(outcome).toEqual({ kind: 'created', remoteId: created!.labelId });
    expect(created!.startTime).toBe(BASE);
    expect(sandbox.storedObjects()).toEqual([`${bucket}/fit_zip/${userId}/${md5Hex(fit)}.zip`]);
    expect(sandbox.counters[put]).toBe(1);
    expect(sandbox.storageRejections).toEqual([]);

    const again = await platform.uploadFit({ bytes: fit, fileName: 'morning-run.fit', source: garminSource(BASE) });
    expect(again).toEqual({ kind: 'duplicate', existingId: created!.labelId });
    expect(sandbox.activities(EMAIL)).toHaveLength(1);
    expect(sandbox.counters[put]).toBe(1);
    const output = [...log.lines, ...state.plain.values(), JSON.stringify(outcome)];
    expect(leakedSecrets(output, [PASSWORD, ...sandbox.secretsIssued()])).toEqual([]);
  });
});

describe('COROS import pipeline', () => {
  beforeEach(() => {
    sandbox.addAccount({ email: EMAIL, password: PASSWORD, regionId: 1 });
  });

  it('reports a sport COROS rejects after processing, and does not retry it', async () => {
    sandbox.knobs.rejectedFitSports = ['sailing'];
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    const fit = fitAt(BASE, { sport: 'sailing' });
    const outcome = await platform.uploadFit({
      bytes: fit,
      fileName: 'sail.fit',
      source: garminSource(BASE, { sportId: 'other' }),
    });
    expect(outcome.kind).toBe('rejected');
    expect(sandbox.activities(EMAIL)).toEqual([]);
    const again = await platform.uploadFit({
      bytes: fit,
      fileName: 'sail.fit',
      source: garminSource(BASE, { sportId: 'other' }),
    });
    expect(again.kind).toBe('rejected');
    expect(sandbox.counters['s3:put']).toBe(1);
  });

  it('reports a slow import as pending and resolves it on a later run without uploading again', async () => {
    sandbox.knobs.importNeverFinishes = true;
    const first = corosClient(sandbox, EMAIL, PASSWORD, { importPollTimeoutMs: 40 });
    const fit = fitAt(BASE + 600);
    const outcome = await first.platform.uploadFit({
      bytes: fit,
      fileName: 'slow.fit',
      source: garminSource(BASE + 600),
    });
    expect(outcome.kind).toBe('pending');
    if (outcome.kind !== 'pending') return;

    const still = await corosClient(sandbox, EMAIL, PASSWORD, { state: first.state }).platform.checkPendingUpload(
      outcome.ticket,
      garminSource(BASE + 600),
    );
    expect(still.kind).toBe('pending');

    sandbox.knobs.importNeverFinishes = false;
    const later = corosClient(sandbox, EMAIL, PASSWORD, { state: first.state });
    const resolved = await later.platform.checkPendingUpload(outcome.ticket, garminSource(BASE + 600));
    expect(resolved).toEqual({ kind: 'created', remoteId: sandbox.activities(EMAIL)[0]!.labelId });
    expect(sandbox.counters['s3:put']).toBe(1);
    expect(sandbox.counters.import).toBe(1);
    expect(sandbox.counters.login).toBe(1);
  });

  it('deletes the activity and its import record, so the same file can be uploaded again', async () => {
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    const fit = fitAt(BASE + 1200);
    const first = await platform.uploadFit({ bytes: fit, fileName: 'again.fit', source: garminSource(BASE + 1200) });
    expect(first.kind).toBe('created');
    const [activity] = sandbox.activities(EMAIL);
    await platform.deleteActivity({
      ...garminSource(BASE + 1200),
      platform: 'coros',
      remoteId: activity!.labelId,
      extra: { sportType: activity!.sportType },
    });
    expect(sandbox.activities(EMAIL)).toEqual([]);
    expect(sandbox.importJobs(EMAIL)).toEqual([]);

    const second = await platform.uploadFit({ bytes: fit, fileName: 'again.fit', source: garminSource(BASE + 1200) });
    expect(second.kind).toBe('created');
    expect(sandbox.activities(EMAIL)).toHaveLength(1);
    expect(second).not.toEqual(first);
  });

  it('gets a new STS credential once when storage says the token expired', async () => {
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    await uploadRunAt(platform, BASE + 1800, 'a.fit');
    sandbox.expireStorageCredentials();
    const outcome = await uploadRunAt(platform, BASE + 2400, 'b.fit');
    expect(outcome.kind).toBe('created');
    expect(sandbox.storageRejections).toEqual(['ExpiredToken']);
    expect(sandbox.counters.sts).toBe(2);
  });

  it('falls back to the legacy STS channel, and fails loudly when both are gone', async () => {
    sandbox.knobs.stsProxyOnline = false;
    sandbox.knobs.legacyStsOnline = true;
    const { platform, log } = corosClient(sandbox, EMAIL, PASSWORD);
    expect((await uploadRunAt(platform, BASE + 3000, 'c.fit')).kind).toBe('created');
    expect(log.lines.join('\n')).toMatch(/legacy STS channel/);

    sandbox.knobs.legacyStsOnline = false;
    const fresh = corosClient(sandbox, EMAIL, PASSWORD);
    const error = await uploadRunAt(fresh.platform, BASE + 3600, 'd.fit').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RetryableError);
    expect(describeError(error)).toMatch(/STS\) unavailable/);
  });

  it('re-logs in when the token dies before the import and does not register twice', async () => {
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    await platform.connect();
    sandbox.loginElsewhere(EMAIL);
    const outcome = await uploadRunAt(platform, BASE + 4200, 'e.fit');
    expect(outcome.kind).toBe('created');
    expect(sandbox.counters.login).toBe(2);
    expect(sandbox.importJobs(EMAIL)).toHaveLength(1);
  });

  it('after a 1019 on the import itself, checks the import list before registering again', async () => {
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    sandbox.failNext('kill-token', 1, 'activity/fit/import');
    const outcome = await uploadRunAt(platform, BASE + 5400, 'g.fit');
    expect(outcome.kind).toBe('created');
    expect(sandbox.counters.login).toBe(2);
    expect(sandbox.counters.import).toBe(2);
    expect(sandbox.importJobs(EMAIL)).toHaveLength(1);
    expect(sandbox.activities(EMAIL)).toHaveLength(1);
  });

  it('repeats a delete after a 1019 (COROS deletes are idempotent)', async () => {
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    await uploadRunAt(platform, BASE + 6000, 'h.fit');
    const [activity] = sandbox.activities(EMAIL);
    sandbox.failNext('kill-token', 1, 'activity/delete');
    await platform.deleteActivity({ ...garminSource(BASE + 6000), platform: 'coros', remoteId: activity!.labelId });
    expect(sandbox.activities(EMAIL)).toEqual([]);
    expect(sandbox.importJobs(EMAIL)).toEqual([]);
  });

  it('finds a freshly imported activity although unscoped listings are stale', async () => {
    sandbox.knobs.staleUnscopedMs = 60_000;
    const { platform } = corosClient(sandbox, EMAIL, PASSWORD);
    const outcome = await uploadRunAt(platform, BASE + 4800, 'f.fit');
    expect(outcome).toEqual({ kind: 'created', remoteId: sandbox.activities(EMAIL)[0]!.labelId });
  });
});
