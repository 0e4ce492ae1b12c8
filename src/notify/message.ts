import type { PlatformId } from '../core/activity.ts';
import type { SyncReport } from '../decide/report-types.ts';
import { catalogue } from '../i18n/catalogue.ts';
import type { Language } from '../i18n/language.ts';
import {
  buildReportView,
  OUTCOME_GROUP,
  type ReportView,
  type ReportViewOptions,
  type TargetCell,
  type WorkoutRow,
} from '../i18n/report-view.ts';
import { truncateChars } from './text-fit.ts';

/**
 * A notification in neutral form: plain-text pieces that every channel's dialect renderer
 * (WeCom markdown, Telegram HTML, Slack mrkdwn, …) escapes and lays out its own way.
 */
export interface NotificationMessage {
  readonly kind: 'report' | 'heartbeat';
  /** ok: nothing needs attention; warning: something to look at soon; error: something failed. */
  readonly severity: 'ok' | 'warning' | 'error';
  /** Short title, e.g. "Sports Sync X: 3 uploaded, 1 failed". */
  readonly title: string;
  /** One line that says it all, for channels that show a single line (push notifications). */
  readonly headline: string;
  readonly sections: readonly MessageSection[];
  readonly runUrl?: string;
  /** The report itself, for channels that forward structured data (the generic JSON webhook). */
  readonly report?: SyncReport;
  /** The language of the texts (renderers take their own words, e.g. "Run log", from it). */
  readonly language?: Language;
}

export interface MessageSection {
  readonly heading: string;
  /** info: good news (green on WeCom); warning: needs action (orange); comment: neutral (grey). */
  readonly tone: 'info' | 'warning' | 'comment';
  /** Plain text, no markup: renderers escape it for their dialect. */
  readonly items: readonly string[];
}

export const PRODUCT_NAME = 'Sports Sync X';

/** The report view's options (language, time zone, clock, expiry warnings) and what only messages need. */
export interface BuildMessageOptions extends ReportViewOptions {
  readonly runUrl?: string;
  /** Most workouts listed per section and most entries per section before "… and N more". */
  readonly maxItemsPerSection?: number;
}

/** Longest single item; a runaway error message must not crowd out the rest of the summary. */
const MAX_ITEM_CHARS = 300;

function clip(text: string): string {
  return truncateChars(text.replace(/\s+/g, ' ').trim(), MAX_ITEM_CHARS);
}

/** The first `max` items, then one "… and N more" line (so the heading's count is what is listed). */
function capped(view: ReportView, items: readonly string[], max: number): string[] {
  if (items.length <= max) return [...items];
  return [...items.slice(0, max), view.t.moreItems(items.length - max)];
}

export interface ExpiryWarning {
  readonly platform: PlatformId;
  readonly label: string;
  readonly expiresAt: string;
  readonly daysLeft: number;
}

/** Platforms whose stored credentials stop working within `withinDays` (or already have). */
export function credentialExpiryWarnings(report: SyncReport, now: Date, withinDays: number): ExpiryWarning[] {
  return buildReportView(report, { now, expiryWarningDays: withinDays }).expiry.map(
    ({ platform, label, expiresAt, daysLeft }) => ({ platform, label, expiresAt, daysLeft }),
  );
}

/** Whether the report has anything a user must act on. */
export function reportHasFailures(report: SyncReport): boolean {
  return (
    report.outcome !== 'ok' ||
    report.counts.failed > 0 ||
    report.failures.length > 0 ||
    report.platforms.some((platform) => platform.error !== undefined)
  );
}

function describeWorkout(row: WorkoutRow): string {
  const pieces = [row.start, row.sport, row.distance, row.duration];
  if (row.name) pieces.push(`“${row.name}”`);
  return pieces.filter((piece): piece is string => piece !== undefined && piece !== '').join(' · ');
}

/** One line per workout with a target in `group`, naming those targets as `describe` says. */
function workoutItems(
  view: ReportView,
  group: (typeof OUTCOME_GROUP)[keyof typeof OUTCOME_GROUP],
  describe: (target: TargetCell) => string,
): string[] {
  const { t } = view;
  return view.workouts.flatMap((row) => {
    const targets = row.targets.filter((target) => OUTCOME_GROUP[target.outcome] === group);
    if (targets.length === 0) return [];
    return [clip(t.workoutItem(t.fromPlatform(describeWorkout(row), row.fromLabel), targets.map(describe)))];
  });
}

/** Credentials that stop working soon: in reports and heartbeats alike, never capped. */
function expirySection(view: ReportView): MessageSection[] {
  if (view.expiry.length === 0) return [];
  return [{ heading: view.t.expiryHeading(), tone: 'warning', items: view.expiry.map((item) => item.line) }];
}

/** The neutral message for one run's report. Pure: same report and options, same message. */
export function buildReportMessage(report: SyncReport, options: BuildMessageOptions = {}): NotificationMessage {
  const view = buildReportView(report, { ...options, timeZone: options.timeZone ?? 'UTC' });
  const { t } = view;
  const maxItems = options.maxItemsPerSection ?? 10;
  const failed = reportHasFailures(report);

  const summary = view.countsPhrase ?? view.outcomePhrase;
  const title = t.messageTitle(summary, report.dryRun);
  const headline =
    view.countsPhrase !== undefined && report.outcome !== 'ok'
      ? t.headline(view.countsPhrase, view.outcomePhrase)
      : summary;

  const sections: MessageSection[] = [];
  /** A section only when it has items; capped, so the heading counts what the section lists. */
  const add = (
    tone: MessageSection['tone'],
    items: readonly string[],
    heading: (count: number) => string,
    max = maxItems,
  ): void => {
    if (items.length > 0) sections.push({ heading: heading(items.length), tone, items: capped(view, items, max) });
  };
  // One line per workout, with every target it was copied to.
  add(
    'info',
    workoutItems(view, 'moved', (target) => target.label),
    (count) => t.copiedHeading(count, report.dryRun),
  );
  add(
    'comment',
    workoutItems(view, 'other', (target) => t.targetWithOutcome(target.label, t.outcome(target.outcome))),
    (count) => t.otherResultsHeading(count),
  );
  // Counted in workouts; the items are counts per platform, never capped.
  if (view.duplicates.length > 0)
    sections.push({
      heading: t.duplicatesHeading(view.duplicates.length),
      tone: view.anyDuplicateDeleteFailed ? 'warning' : 'comment',
      items: [...view.duplicateCounts],
    });
  // Counted after de-duplication: the heading says how many problems are listed.
  add(
    'warning',
    view.attention.map((item) =>
      clip(`${t.labelled(item.where, item.what)}${item.nextStep ? ` → ${item.nextStep}` : ''}`),
    ),
    (count) => t.attentionHeading(count),
  );
  sections.push(...expirySection(view));
  add(
    'comment',
    view.suspects.map((suspect) => clip(suspect.line)),
    (count) => t.suspectsHeading(count),
  );
  add('comment', [...new Set(view.warnings.map(clip))], () => t.warningsHeading(), Math.min(maxItems, 5));

  const severity = failed ? 'error' : view.expiry.length > 0 || view.anyDuplicateDeleteFailed ? 'warning' : 'ok';
  return {
    kind: 'report',
    severity,
    title,
    headline,
    sections,
    report,
    language: t.language,
    ...(options.runUrl ? { runUrl: options.runUrl } : {}),
  };
}

/** The weekly "still alive" message, carrying this run's state in brief. */
export function buildHeartbeatMessage(report: SyncReport, options: BuildMessageOptions = {}): NotificationMessage {
  const view = buildReportView(report, { ...options, timeZone: options.timeZone ?? 'UTC' });
  const { t } = view;
  const sections: MessageSection[] = [
    {
      heading: t.platformsHeading(),
      tone: 'comment',
      items: view.platforms.map((platform) =>
        t.heartbeatPlatform(platform.label, platform.known, platform.error ? clip(platform.error.message) : undefined),
      ),
    },
  ];
  sections.push(...expirySection(view));
  const severity = reportHasFailures(report) ? 'error' : view.expiry.length > 0 ? 'warning' : 'ok';
  return {
    kind: 'heartbeat',
    severity,
    title: t.heartbeatTitle(),
    headline: t.heartbeatHeadline(view.countsPhrase),
    sections,
    report,
    language: t.language,
    ...(options.runUrl ? { runUrl: options.runUrl } : {}),
  };
}

/** The catalogue a rendered message takes its own words from. */
export function messageCatalogue(message: NotificationMessage) {
  return catalogue(message.language ?? 'en');
}
