import { PLATFORM_LABELS, formatUtc } from '../core/activity.ts';
import { redact } from '../core/secrets.ts';
import { sportById } from '../core/sports.ts';
import { formatDistance, formatDuration } from '../engine/report.ts';
import type { SyncReport, TransferResult } from '../engine/report-types.ts';

/** What the Action did around the sync, for the job summary. */
export interface SummaryContext {
  readonly stateMode: 'git' | 'cache' | 'none';
  /** One line on how the state was restored and saved. */
  readonly stateLines: readonly string[];
  /** One line on the FIT artifact (uploaded, skipped, failed). */
  readonly artifactLine?: string;
  /** true / false when the event payload says; undefined when unknown. */
  readonly repositoryPrivate: boolean | undefined;
  /** Warnings from notifications, keepalive, state handling. */
  readonly warnings: readonly string[];
  readonly runUrl?: string;
  /** Days before a saved sign-in expires that the summary starts warning. */
  readonly expiryWarningDays?: number;
  readonly now?: Date;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

const OUTCOME_TEXT: Record<TransferResult['outcome'], string> = {
  created: '✅ uploaded',
  planned: '🔍 would upload',
  duplicate: '➖ already there',
  pending: '⏳ processing',
  failed: '❌ failed, retried next run',
  rejected: '⛔ rejected',
  'set-aside': '⏸ set aside',
  'no-original': '➖ no original file',
};

/** The privacy note for public repositories (what is exposed, and how to avoid it). */
export function privacyNote(stateMode: SummaryContext['stateMode'], repositoryPrivate: boolean | undefined, artifact: boolean): string | undefined {
  if (repositoryPrivate !== false) return undefined;
  const exposed: string[] = [];
  if (stateMode === 'git') exposed.push('the database committed to this repository (every workout\'s date, sport, distance and the sync history, readable by anyone, forever in the git history; saved sign-in tokens are encrypted, but only as strong as STATE_SECRET)');
  if (stateMode === 'cache') exposed.push('the state cache (readable through pull requests from forks)');
  if (artifact) exposed.push('the FIT artifact (downloadable by any signed-in GitHub user while it is kept; FIT files contain your GPS tracks)');
  exposed.push('this summary and the logs (workout dates and sports; credentials are masked)');
  return [
    '> [!WARNING]',
    '> **This repository is public.** Exposed: ' + exposed.join('; ') + '.',
    '> To keep it private: create your own **private** repository with "Use this template" (a fork of a public repository cannot be made private), or at least use `state: cache` and `fit-artifact: false`.',
  ].join('\n');
}

/** The job summary: what happened, in tables, with the next step for every failure. */
export function renderJobSummary(report: SyncReport, context: SummaryContext): string {
  const out: string[] = [];
  const c = report.counts;
  const icon = report.outcome === 'ok' ? '✅' : report.outcome === 'partial' ? '⚠️' : '❌';
  out.push(`## ${icon} Sports Sync X${report.dryRun ? ' — dry run (nothing was changed)' : ''}`);
  out.push('');
  out.push(
    report.dryRun
      ? `Would upload **${c.planned}** · duplicates found **${c.duplicatesFound}** · failed **${c.failed}**`
      : `Uploaded **${c.uploaded}** · duplicates found **${c.duplicatesFound}** · deleted **${c.deleted}** · pending **${c.pending}** · failed **${c.failed}**`,
  );

  const privacy = privacyNote(context.stateMode, context.repositoryPrivate, context.artifactLine?.startsWith('Uploaded') ?? false);
  if (privacy) out.push('', privacy);

  out.push('', '### Platforms', '', '| Platform | Listed | Known | Saved sign-in valid until |', '|---|---:|---:|---|');
  const now = context.now ?? new Date();
  const warnDays = context.expiryWarningDays ?? 14;
  for (const platform of report.platforms) {
    let expiry = '—';
    if (platform.credentialExpiry) {
      const days = Math.floor((Date.parse(platform.credentialExpiry) - now.getTime()) / 86_400_000);
      expiry = `${platform.credentialExpiry.slice(0, 10)}${days < 0 ? ' ❌ expired' : days <= warnDays ? ` ⚠️ in ${days} day(s): run \`node cli.js login --for action\` and update the secret` : ''}`;
    }
    const listed = platform.error ? `❌ ${cell(platform.error.message)}` : String(platform.listed);
    out.push(`| ${platform.label} | ${listed} | ${platform.known} | ${expiry} |`);
  }

  const shown = report.transfers.filter((transfer) => transfer.outcome !== 'set-aside');
  if (shown.length) {
    out.push('', '### Transfers', '', '| Direction | Sport | Start (UTC) | Distance | Duration | Result |', '|---|---|---|---:|---:|---|');
    const ordered = [...shown].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || b.startUtc - a.startUtc);
    for (const transfer of ordered) {
      const result = OUTCOME_TEXT[transfer.outcome] + (transfer.outcome !== 'created' && transfer.message ? `: ${cell(transfer.message)}` : '');
      out.push(`| ${PLATFORM_LABELS[transfer.from]} → ${PLATFORM_LABELS[transfer.to]} | ${sportById(transfer.sport).label} | ${formatUtc(transfer.startUtc)} | ${formatDistance(transfer.distanceM)} | ${formatDuration(transfer.elapsedSec)} | ${result} |`);
    }
  }

  if (report.duplicates.length) {
    out.push('', '### Duplicates inside one platform', '', '| Platform | Duplicate | Kept | Sport, start (UTC) | Action | Why |', '|---|---|---|---|---|---|');
    for (const duplicate of report.duplicates) {
      out.push(`| ${PLATFORM_LABELS[duplicate.platform]} | ${duplicate.duplicateId} | ${duplicate.keptId} | ${sportById(duplicate.sport).label}, ${formatUtc(duplicate.startUtc)} | ${duplicate.action}${duplicate.message ? `: ${cell(duplicate.message)}` : ''} | ${cell(duplicate.reason)} |`);
    }
    if (report.duplicates.some((duplicate) => duplicate.action === 'reported')) out.push('', 'Set `delete-duplicate: true` (or `DELETE_DUPLICATE=1`) to delete them; a backup FIT of each goes into the artifact first.');
  }

  if (report.timezoneSuspects.length) {
    out.push('', '### Possible time-zone errors', '', '| Record | Record | Why |', '|---|---|---|');
    for (const suspect of report.timezoneSuspects) {
      out.push(`| ${PLATFORM_LABELS[suspect.a.platform]} ${suspect.a.remoteId} (${formatUtc(suspect.a.startUtc)}) | ${PLATFORM_LABELS[suspect.b.platform]} ${suspect.b.remoteId} (${formatUtc(suspect.b.startUtc)}) | ${cell(suspect.reason)} |`);
    }
  }

  if (report.failures.length) {
    out.push('', '### What needs your attention', '', '| Where | What happened | Next step |', '|---|---|---|');
    for (const failure of report.failures) out.push(`| ${cell(failure.scope)} | ${cell(failure.message)} | ${cell(failure.nextStep ?? 'It is retried on the next run.')} |`);
  }

  const warnings = [...report.warnings, ...context.warnings];
  if (warnings.length) {
    out.push('', '### Warnings', '');
    for (const warning of warnings) out.push(`- ${cell(warning)}`);
  }

  out.push('', '### State and files', '');
  for (const line of context.stateLines) out.push(`- ${line}`);
  if (context.artifactLine) out.push(`- ${context.artifactLine}`);
  if (c.uploaded === 0 && c.deleted === 0 && report.failures.length === 0 && !report.dryRun) out.push('', 'Everything is in sync.');
  out.push('', `<sub>Run ${report.runId}, ${report.startedAt} → ${report.finishedAt}${context.runUrl ? ` · [logs](${context.runUrl})` : ''}</sub>`, '');
  return redact(out.join('\n'));
}
