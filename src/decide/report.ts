import { buildReportView, type ReportViewOptions, type WorkoutRow } from '../i18n/report-view.ts';
import type { SyncReport, TransferOutcome } from './report-types.ts';

const SECTIONS: readonly TransferOutcome[] = [
  'created',
  'planned',
  'duplicate',
  'pending',
  'failed',
  'rejected',
  'no-original',
  'set-aside',
];

const describeRow = (row: WorkoutRow) => `${row.sport} ${row.start} ${row.distance ?? '—'} ${row.duration ?? '—'}`;

/** The human text of a report, for the terminal and logs, in the user's language and time zone. */
export function renderReportText(report: SyncReport, options: ReportViewOptions = {}): string {
  const view = buildReportView(report, options);
  const { t } = view;
  const lines: string[] = [t.reportTitle(view.dryRun), t.countsLine(view.counts, view.dryRun, false)];
  if (view.routingLine) lines.push(view.routingLine);
  lines.push(t.timesIn(view.timeZone), '', t.listHeading(t.platformsHeading()));
  for (const platform of view.platforms) {
    // A failed platform's message and next step are printed once, with what needs attention.
    const status = platform.error
      ? t.platformFailed(platform.error.kind)
      : t.platformListed(platform.listed ?? 0, platform.known);
    const statusWithExpiry = platform.expiry ? t.clauses(status, t.tokenValidUntil(platform.expiry.date)) : status;
    lines.push(`  ${t.labelled(platform.label, statusWithExpiry)}`);
  }

  for (const outcome of SECTIONS) {
    const pairs = [
      ...new Set(
        view.workouts.flatMap((row) =>
          row.targets.filter((target) => target.outcome === outcome).map((target) => `${row.from}>${target.to}`),
        ),
      ),
    ].sort();
    if (pairs.length === 0) continue;
    lines.push('', t.outcomeSection(outcome));
    for (const pair of pairs) {
      const entries = view.workouts.flatMap((row) =>
        row.targets
          .filter((target) => target.outcome === outcome && `${row.from}>${target.to}` === pair)
          .map((target) => ({ row, target })),
      );
      const first = entries[0]!;
      lines.push(`  ${t.directionGroup(t.direction(first.row.fromLabel, first.target.label), entries.length)}`);
      for (const { row, target } of entries) {
        const targetId = target.targetId ? ` → ${t.targetId(target.targetId)}` : '';
        const message = target.message && outcome !== 'created' ? ` — ${target.message}` : '';
        lines.push(`    - ${describeRow(row)}${targetId}${message}`);
        if (target.nextStep && outcome !== 'pending') lines.push(`      → ${target.nextStep}`);
      }
    }
  }

  if (view.duplicates.length) {
    lines.push('', t.listHeading(t.duplicatesSectionTitle()));
    for (const duplicate of view.duplicates) {
      const what = `${duplicate.sport} ${duplicate.start}`;
      const action = duplicate.message ? t.labelled(duplicate.actionText, duplicate.message) : duplicate.actionText;
      lines.push(`  ${t.duplicateLine(duplicate.platform, duplicate.duplicateId, duplicate.keptId, what, action)}`);
      lines.push(`    ${t.duplicateWhy(duplicate.reason)}`);
    }
    if (view.anyDuplicateReported) lines.push(`  → ${t.deleteDuplicatesHint(false)}`);
  }
  if (view.warnings.length) {
    lines.push('', t.listHeading(t.warningsHeading()));
    for (const warning of view.warnings) lines.push(`  ! ${warning}`);
  }
  if (view.attention.length) {
    lines.push('', t.listHeading(t.attentionSectionTitle()));
    for (const item of view.attention) {
      lines.push(`  ✗ ${t.labelled(item.where, item.what)}`);
      if (item.nextStep) lines.push(`    → ${item.nextStep}`);
    }
  }
  if (view.inSync) lines.push('', t.inSync());
  return lines.join('\n');
}
