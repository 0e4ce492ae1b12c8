import { PLATFORM_LABELS } from '../core/activity.ts';
import { formatLocalDate, formatLocalTime } from '../core/time-format.ts';
import { sportById } from '../core/sports.ts';
import type { SyncReport, TransferResult } from './report-types.ts';

/** "10.02 km" or "850 m"; undefined when there is no distance (strength, yoga …). */
export function distanceText(metres: number | null): string | undefined {
  if (metres === null || !Number.isFinite(metres) || metres <= 0) return undefined;
  return metres >= 1000 ? `${(metres / 1000).toFixed(2)} km` : `${Math.round(metres)} m`;
}

/** "1:02:03" or "52:05"; undefined when unknown. */
export function durationText(seconds: number | null): string | undefined {
  if (seconds === null || !Number.isFinite(seconds) || seconds <= 0) return undefined;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}`;
}

export const formatDistance = (metres: number | null): string => distanceText(metres) ?? '—';
export const formatDuration = (seconds: number | null): string => durationText(seconds) ?? '—';

/** "Indoor ride 2026-10-15 20:30 UTC+8 30.00 km 1:00:00": the words people see everywhere. */
export function describeTransfer(transfer: Pick<TransferResult, 'sport' | 'startUtc' | 'distanceM' | 'elapsedSec'>, timeZone = 'UTC'): string {
  const sport = sportById(transfer.sport).label;
  return `${sport} ${formatLocalTime(transfer.startUtc, timeZone)} ${formatDistance(transfer.distanceM)} ${formatDuration(transfer.elapsedSec)}`;
}

/** True when the run changed something or something needs the user's attention. */
export function reportHasChanges(report: SyncReport): boolean {
  return report.counts.uploaded > 0 || report.counts.deleted > 0 || report.failures.length > 0 || report.counts.duplicatesFound > 0 || report.counts.pending > 0;
}

/** The human text of a report, for the terminal and logs. */
export function renderReportText(report: SyncReport, options: { readonly timeZone?: string } = {}): string {
  const timeZone = options.timeZone ?? 'UTC';
  const lines: string[] = [];
  const c = report.counts;
  const title = report.dryRun ? 'Sports Sync X — dry run (nothing was changed)' : 'Sports Sync X — sync report';
  lines.push(title);
  lines.push(
    report.dryRun
      ? `Would upload ${c.planned}, duplicates found ${c.duplicatesFound}, failed ${c.failed}`
      : `Uploaded ${c.uploaded}, duplicates found ${c.duplicatesFound}, deleted ${c.deleted}, pending ${c.pending}, failed ${c.failed}`,
  );
  lines.push('');
  lines.push('Platforms:');
  for (const platform of report.platforms) {
    // A failed platform's message and next step are printed once, under "What needs your attention".
    const status = platform.error ? 'FAILED (see "What needs your attention")' : `listed ${platform.listed}, ${platform.known} known`;
    const expiry = platform.credentialExpiry ? `; token valid until ${formatLocalDate(platform.credentialExpiry, timeZone)}` : '';
    lines.push(`  ${platform.label}: ${status}${expiry}`);
  }

  const groups = new Map<string, TransferResult[]>();
  for (const transfer of report.transfers) {
    const key = `${transfer.outcome}|${transfer.from}|${transfer.to}`;
    groups.set(key, [...(groups.get(key) ?? []), transfer]);
  }
  const section = (outcome: TransferResult['outcome'], heading: string) => {
    const keys = [...groups.keys()].filter((key) => key.startsWith(`${outcome}|`)).sort();
    if (keys.length === 0) return;
    lines.push('');
    lines.push(heading);
    for (const key of keys) {
      const items = groups.get(key)!;
      const first = items[0]!;
      lines.push(`  ${PLATFORM_LABELS[first.from]} → ${PLATFORM_LABELS[first.to]} (${items.length}):`);
      for (const item of items.sort((a, b) => b.startUtc - a.startUtc)) {
        lines.push(`    - ${describeTransfer(item, timeZone)}${item.targetId ? ` → id ${item.targetId}` : ''}${item.message && outcome !== 'created' ? ` — ${item.message}` : ''}`);
        if (item.nextStep && outcome !== 'pending') lines.push(`      → ${item.nextStep}`);
      }
    }
  };
  section('created', 'Uploaded:');
  section('planned', 'Would upload:');
  section('duplicate', 'Already there (the platform reported a duplicate):');
  section('pending', 'Still processing on the target (checked again next run):');
  section('failed', 'Failed (retried on later runs):');
  section('rejected', 'Rejected by the target (not retried):');
  section('no-original', 'No original file (manual entries or GPX/TCX imports; not copied):');
  section('set-aside', 'Set aside (gave up after repeated failures or a rejection):');

  if (report.duplicates.length) {
    lines.push('');
    lines.push('Duplicates inside one platform:');
    for (const duplicate of report.duplicates) {
      lines.push(`  ${PLATFORM_LABELS[duplicate.platform]}: ${duplicate.duplicateId} duplicates ${duplicate.keptId} (${sportById(duplicate.sport).label} ${formatLocalTime(duplicate.startUtc, timeZone)}) — ${duplicate.action}${duplicate.message ? `: ${duplicate.message}` : ''}`);
      lines.push(`    why: ${duplicate.reason}`);
    }
    if (report.duplicates.some((duplicate) => duplicate.action === 'reported')) lines.push('  → Set DELETE_DUPLICATE=1 to delete them (a backup FIT of each is kept first).');
  }
  if (report.warnings.length) {
    lines.push('');
    lines.push('Warnings:');
    for (const warning of report.warnings) lines.push(`  ! ${warning}`);
  }
  if (report.failures.length) {
    lines.push('');
    lines.push('What needs your attention:');
    for (const failure of report.failures) {
      lines.push(`  ✗ ${failure.scope}: ${failure.message}`);
      if (failure.nextStep) lines.push(`    → ${failure.nextStep}`);
    }
  }
  if (!reportHasChanges(report) && report.transfers.every((transfer) => transfer.outcome !== 'planned')) {
    lines.push('');
    lines.push('Everything is in sync. Nothing to upload.');
  }
  return lines.join('\n');
}
