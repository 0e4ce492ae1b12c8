import { redact } from '../core/secrets.ts';
import type { SyncReport } from '../decide/report-types.ts';
import type { Language } from '../i18n/language.ts';
import { catalogue } from '../i18n/catalogue.ts';
import { buildReportView, type TargetCell } from '../i18n/report-view.ts';

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
  /** SYNC_LANGUAGE; default en. */
  readonly language?: Language;
  /** NOTIFY_TIMEZONE for workout times; default UTC. */
  readonly timeZone?: string;
  /** A newer release than the one running, when the check found one. */
  readonly update?: { readonly latest: string; readonly current: string; readonly url: string };
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** The privacy note for public repositories (what is exposed, and how to avoid it). */
export function privacyNote(
  stateMode: SummaryContext['stateMode'],
  repositoryPrivate: boolean | undefined,
  artifact: boolean,
  language: Language = 'en',
): string | undefined {
  if (repositoryPrivate !== false) return undefined;
  return catalogue(language).privacyNote(stateMode, artifact);
}

/** The job summary: what happened, in tables, with the next step for every failure. */
export function renderJobSummary(report: SyncReport, context: SummaryContext): string {
  const view = buildReportView(report, {
    ...(context.language ? { language: context.language } : {}),
    timeZone: context.timeZone ?? 'UTC',
    now: context.now ?? new Date(),
    expiryWarningDays: context.expiryWarningDays ?? 14,
  });
  const { t } = view;
  const warnDays = context.expiryWarningDays ?? 14;
  const out: string[] = [];
  const icon = report.outcome === 'ok' ? '✅' : report.outcome === 'partial' ? '⚠️' : '❌';
  out.push(`## ${icon} ${t.summaryTitle(view.dryRun)}`, '', t.countsLine(view.counts, view.dryRun, true));
  if (view.routingLine) out.push('', view.routingLine);
  if (context.update)
    out.push(
      '',
      `> [!NOTE]\n> ${t.updateAvailable(context.update.latest, context.update.current, context.update.url)}`,
    );

  const privacy = privacyNote(
    context.stateMode,
    context.repositoryPrivate,
    context.artifactLine?.startsWith('Uploaded') ?? false,
    t.language,
  );
  if (privacy) out.push('', privacy);

  const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const [platformHead, listedHead, knownHead, statusHead, expiryHead] = t.summaryPlatformHeader();
  out.push(
    '',
    `### ${t.platformsHeading()}`,
    '',
    row([platformHead, listedHead, knownHead, statusHead, expiryHead]),
    '|---|---:|---:|---|---|',
  );
  for (const platform of view.platforms) {
    const expiry = platform.expiry
      ? t.expiryCell(platform.expiry.date, platform.expiry.daysLeft, platform.expiry.daysLeft <= warnDays)
      : '—';
    // Numbers in the numeric columns; what went wrong in the status column.
    const status = platform.error ? `❌ ${cell(platform.error.message)}` : '✅';
    out.push(
      row([
        platform.label,
        platform.listed === null ? '—' : String(platform.listed),
        String(platform.known),
        status,
        expiry,
      ]),
    );
  }

  // Set-aside items are listed every run until the user acts: nothing is set aside silently.
  const shown = view.workouts
    .map((workout) => ({ workout, targets: workout.targets }))
    .filter((entry) => entry.targets.length > 0);
  if (shown.length) {
    out.push(
      '',
      `### ${t.workoutsHeading()}`,
      '',
      row(t.summaryWorkoutHeader(view.timeZone)),
      '|---|---|---:|---:|---|---|',
    );
    const targetText = (target: TargetCell) => {
      const icon = t.outcomeIcon(target.outcome);
      const message = target.outcome !== 'created' && target.message ? ` — ${cell(target.message)}` : '';
      return t.labelled(target.label, `${icon}${message}`);
    };
    for (const { workout, targets } of shown) {
      out.push(
        row([
          workout.sport,
          workout.start,
          workout.distance ?? '—',
          workout.duration ?? '—',
          workout.fromLabel,
          targets.map(targetText).join('<br>'),
        ]),
      );
    }
  }

  if (view.duplicates.length) {
    out.push(
      '',
      `### ${t.duplicatesSectionTitle()}`,
      '',
      row(t.summaryDuplicateHeader(view.timeZone)),
      '|---|---|---|---|---|---|',
    );
    for (const duplicate of view.duplicates) {
      out.push(
        row([
          duplicate.platform,
          duplicate.duplicateId,
          duplicate.keptId,
          `${duplicate.sport}, ${duplicate.start}`,
          duplicate.message ? t.labelled(duplicate.actionText, cell(duplicate.message)) : duplicate.actionText,
          cell(duplicate.reason),
        ]),
      );
    }
    if (view.anyDuplicateReported) out.push('', t.deleteDuplicatesHint(true));
  }

  if (view.suspects.length) {
    out.push('', `### ${t.suspectsHeading(view.suspects.length)}`, '', row(t.summarySuspectHeader()), '|---|---|---|');
    for (const suspect of view.suspects) out.push(row([suspect.a, suspect.b, cell(suspect.reason)]));
  }

  if (view.attention.length) {
    out.push(
      '',
      `### ${t.attentionHeading(view.attention.length)}`,
      '',
      row(t.summaryAttentionHeader()),
      '|---|---|---|',
    );
    for (const item of view.attention)
      out.push(row([cell(item.where), cell(item.what), cell(item.nextStep ?? t.retriedNextRun())]));
  }

  const warnings = [...new Set([...view.warnings, ...context.warnings])];
  if (warnings.length) {
    out.push('', `### ${t.warningsHeading()}`, '');
    for (const warning of warnings) out.push(`- ${cell(warning)}`);
  }

  out.push('', `### ${t.summaryStateHeading()}`, '');
  for (const line of context.stateLines) out.push(`- ${line}`);
  if (context.artifactLine) out.push(`- ${context.artifactLine}`);
  if (view.inSync && !report.dryRun) out.push('', t.inSyncShort());
  const footer = t.summaryRunFooter(report.runId, report.startedAt, report.finishedAt);
  const logsLink = context.runUrl ? ` · [${t.logsLink()}](${context.runUrl})` : '';
  out.push('', `<sub>${footer}${logsLink}</sub>`, '');
  return redact(out.join('\n'));
}
