import { readText } from '../config/read-values.ts';
import { existsSync } from 'node:fs';
import { PLATFORM_IDS, PLATFORM_LABELS, type PlatformId } from '../core/activity.ts';
import { redact } from '../core/secrets.ts';
import { sportById } from '../core/sports.ts';
import { formatLocalDate, formatLocalTime, readTimeZone } from '../core/time-format.ts';
import type { Lookup } from '../config/read-values.ts';
import type { FlagValues } from './args.ts';
import type { CliIo } from './io.ts';
import { checkDatabase, databasePath, LOCAL_LOGIN_STATE, type LocalLoginMarker } from './settings.ts';
import { StoreReader, type TransferSummaryRow } from './store-reader.ts';
import { describeRoutingSetting } from '../i18n/routing-setting.ts';
import { KEY_EXPIRY_FOR_STATUS, personalKeyExpiryLine } from '../platforms/garmin/personal-api-platform.ts';

/** Plain words for the ledger's outcomes: what the report says. */
const OUTCOME_WORDS: Readonly<Record<string, string>> = {
  created: 'uploaded',
  duplicate: 'already there',
  pending: 'still processing on the target',
  sending: 'interrupted during upload (checked against the target next run)',
  'in-flight': 'interrupted during upload (checked again next run)',
  failed: 'failed (retried next run)',
  rejected: 'refused by the target',
};

const COUNT_WORDS: Readonly<Record<string, string>> = {
  uploaded: 'uploaded',
  duplicatesFound: 'duplicates found',
  deleted: 'deleted',
  pending: 'still processing',
  failed: 'failed',
  planned: 'would upload',
  alreadyThere: 'already there',
  setAside: 'set aside (need you)',
  noOriginal: 'without an original file',
  remaining: 'left for the next run',
};

export interface StatusDocument {
  readonly database: string;
  readonly schema: number;
  readonly timeZone: string;
  readonly platforms: Array<{
    id: PlatformId;
    label: string;
    activities: number;
    listedBackTo: string | null;
    wholeHistory: boolean;
    localLoginValidUntil: string | null;
    loginPausedUntil: string | null;
    loginPauseReason: string | null;
    personalKeyExpiry: string | null;
  }>;
  readonly transfers: Record<string, number>;
  readonly needsAttention: Array<{
    from: string;
    to: string;
    workout: string;
    state: string;
    reason: string | null;
    nextStep: string;
    updatedAt: string;
  }>;
  readonly lastRuns: Array<{
    id: number;
    startedAt: string;
    finishedAt: string | null;
    dryRun: boolean;
    outcome: string;
    counts: Record<string, number> | null;
  }>;
}

function workoutWords(row: TransferSummaryRow, zone: string): string {
  const sport = row.sportId ? sportById(row.sportId).label : 'Workout';
  return row.startUtc !== null ? `${sport} ${formatLocalTime(row.startUtc, zone)}` : `${sport} (id ${row.sourceId})`;
}

function nextStepFor(row: TransferSummaryRow, maxAttempts: number): string | undefined {
  const to = PLATFORM_LABELS[row.targetPlatform];
  if (row.outcome === 'rejected')
    return `${to} refused this file; it is not retried. Upload it by hand if you want it there.`;
  if (row.outcome === 'failed' && row.attempts >= maxAttempts)
    return `Gave up after ${row.attempts} attempts. Upload it by hand, or raise MAX_UPLOAD_ATTEMPTS to try again.`;
  if (row.outcome === 'failed')
    return `Tried ${row.attempts} time(s); the next run tries again (up to MAX_UPLOAD_ATTEMPTS=${maxAttempts}).`;
  if (row.outcome === 'in-flight' || row.outcome === 'sending')
    return 'The run stopped during this upload; the next run checks the target before uploading again.';
  if (row.outcome === 'pending') return `${to} is still processing it; the next run checks without uploading again.`;
  return undefined;
}

/** Reads the database without writing: what a person needs to decide what to do. */
export function buildStatus(dbPath: string, zone: string, maxAttempts: number): StatusDocument {
  const reader = StoreReader.open(dbPath);
  try {
    const platforms: StatusDocument['platforms'] = [];
    for (const id of PLATFORM_IDS) {
      const count = reader.activityCount(id);
      const marker = reader.plainState(id, LOCAL_LOGIN_STATE);
      const paused = reader.plainState(id, 'login_paused_until');
      const pausedUntil = paused && Date.parse(paused) > Date.now() ? paused : null;
      if (count === 0 && !marker && !pausedUntil && !reader.plainState(id, KEY_EXPIRY_FOR_STATUS)) continue;
      let localLoginValidUntil: string | null = null;
      try {
        localLoginValidUntil = marker ? (JSON.parse(marker) as LocalLoginMarker).validUntil : null;
      } catch {
        localLoginValidUntil = null;
      }
      const listing = reader.listedBackTo(id);
      platforms.push({
        id,
        label: PLATFORM_LABELS[id],
        activities: count,
        listedBackTo: listing.coveredFromUtc !== null ? new Date(listing.coveredFromUtc * 1000).toISOString() : null,
        wholeHistory: listing.complete,
        localLoginValidUntil,
        loginPausedUntil: pausedUntil,
        loginPauseReason: pausedUntil ? (reader.plainState(id, 'login_paused_reason') ?? null) : null,
        // Written by the last run that read through a Personal API key (plain state).
        personalKeyExpiry: id === 'coros' ? null : (reader.plainState(id, KEY_EXPIRY_FOR_STATUS) ?? null),
      });
    }
    const transfers: Record<string, number> = {};
    const needsAttention: StatusDocument['needsAttention'] = [];
    for (const row of reader.transfers()) {
      const word = OUTCOME_WORDS[row.outcome] ?? row.outcome;
      transfers[word] = (transfers[word] ?? 0) + 1;
      const nextStep = nextStepFor(row, maxAttempts);
      if (!nextStep) continue;
      needsAttention.push({
        from: PLATFORM_LABELS[row.sourcePlatform],
        to: PLATFORM_LABELS[row.targetPlatform],
        workout: workoutWords(row, zone),
        state: word,
        reason: row.lastError ? redact(row.lastError) : null,
        nextStep,
        updatedAt: row.updatedAt,
      });
    }
    for (const problem of reader.sourceProblems()) {
      if (problem.problem === 'no-original' || problem.attempts < maxAttempts) continue;
      const what = problem.problem === 'broken-file' ? 'gives a broken file' : 'could not be downloaded';
      needsAttention.push({
        from: PLATFORM_LABELS[problem.platform],
        to: 'the other platforms',
        workout: `record ${problem.remoteId}`,
        state: `the source ${what} (${problem.attempts} times)`,
        reason: problem.lastError ? redact(problem.lastError) : null,
        nextStep: `Download it from ${PLATFORM_LABELS[problem.platform]} by hand and upload it where it is missing.`,
        updatedAt: problem.updatedAt,
      });
    }
    const lastRuns = reader.runs(5).map((run) => ({
      id: run.id,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      dryRun: run.dryRun,
      outcome: run.outcome ?? 'unfinished',
      counts: run.counts,
    }));
    return {
      database: dbPath,
      schema: reader.schemaVersion(),
      timeZone: zone,
      platforms,
      transfers,
      needsAttention,
      lastRuns,
    };
  } finally {
    reader.close();
  }
}

const RUN_WORDS: Readonly<Record<string, string>> = {
  ok: 'everything worked',
  partial: 'some things failed',
  failed: 'nothing could be done',
  unfinished: 'did not finish (stopped or killed)',
};

export function renderStatus(status: StatusDocument): string[] {
  const zone = status.timeZone;
  const lines = [`Database ${status.database}`];
  if (status.platforms.length === 0) lines.push('  No platform has been synced yet.');
  for (const platform of status.platforms) {
    const wholeHistory = platform.wholeHistory ? ' (whole history)' : '';
    const listed = platform.listedBackTo
      ? `, listed back to ${formatLocalDate(platform.listedBackTo, zone)}${wholeHistory}`
      : '';
    lines.push(`  ${platform.label}: ${platform.activities} activities known${listed}`);
    if (platform.localLoginValidUntil) {
      const expired = Date.parse(platform.localLoginValidUntil) <= Date.now();
      const validity = expired ? 'expired on' : 'valid until';
      const regionFlag = platform.id === 'garmin_cn' ? ' --region cn' : '';
      const fix = expired ? ` → run \`node cli.js login --for local${regionFlag}\`` : '';
      lines.push(
        `    sign-in for local runs ${validity} ${formatLocalDate(platform.localLoginValidUntil, zone)}${fix}`,
      );
    }
    if (platform.personalKeyExpiry && platform.id !== 'coros')
      lines.push(`    ${personalKeyExpiryLine(platform.id, platform.personalKeyExpiry, Date.now())}`);
    if (platform.loginPausedUntil)
      lines.push(
        `    logins paused until ${formatLocalTime(platform.loginPausedUntil, zone)} (Garmin answered ` +
          `${platform.loginPauseReason ?? 'with a block'}) → wait, or \`node cli.js login --force\``,
      );
  }
  const totals = Object.entries(status.transfers);
  lines.push(`  Transfers: ${totals.length ? totals.map(([word, n]) => `${n} ${word}`).join(', ') : 'none yet'}`);
  if (status.needsAttention.length) {
    lines.push('Needs attention:');
    for (const item of status.needsAttention) {
      lines.push(
        `  ${item.workout}, ${item.from} → ${item.to}: ${item.state}${item.reason ? ` — ${item.reason}` : ''}`,
      );
      lines.push(`    → ${item.nextStep}`);
    }
  }
  lines.push(status.lastRuns.length ? 'Last runs:' : 'No runs yet.');
  for (const run of status.lastRuns) {
    const counts = run.counts
      ? Object.entries(run.counts)
          .filter(([, n]) => n > 0)
          .map(([key, n]) => `${n} ${COUNT_WORDS[key] ?? key}`)
          .join(', ') || 'nothing to do'
      : '';
    lines.push(
      `  ${formatLocalTime(run.startedAt, zone)}${run.dryRun ? ' (dry run)' : ''}: ` +
        `${RUN_WORDS[run.outcome] ?? run.outcome}${counts ? `; ${counts}` : ''}`,
    );
  }
  return lines;
}

export function runStatus(flags: FlagValues, io: CliIo, lookup: Lookup, json: boolean): number {
  const routing = describeRoutingSetting(lookup);
  const state = checkDatabase(lookup, flags);
  const dbPath = databasePath(lookup);
  if (state.kind === 'absent' || !existsSync(dbPath)) {
    const message = `no database at ${dbPath} yet; run a sync first, or point --db at one`;
    io.err(`error: ${message}`);
    if (json) io.out(JSON.stringify({ ok: false, exitCode: 2, error: message }));
    return 2;
  }
  const zone = readTimeZone(lookup);
  const maxAttempts = Number(lookup('MAX_UPLOAD_ATTEMPTS') ?? 3) || 3;
  const status = buildStatus(dbPath, zone, maxAttempts);
  if (json) io.out(redact(JSON.stringify({ ok: true, exitCode: 0, ...status })));
  else {
    // Without SYNC_PLATFORM in the settings there is no route to show.
    const routes = readText(lookup, 'SYNC_PLATFORM') || readText(lookup, 'SYNC_ROUTES') ? [`  ${routing}`] : [];
    for (const line of [...renderStatus(status), ...routes]) io.out(redact(line));
  }
  return 0;
}
