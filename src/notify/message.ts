import { PLATFORM_LABELS, type PlatformId } from '../core/activity.ts';
import { distanceText, durationText } from '../engine/report.ts';
import type { DuplicateAction, SyncReport, TransferOutcome, TransferResult } from '../engine/report-types.ts';
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
}

export interface MessageSection {
  readonly heading: string;
  /** info: good news (green on WeCom); warning: needs action (orange); comment: neutral (grey). */
  readonly tone: 'info' | 'warning' | 'comment';
  /** Plain text, no markup: renderers escape it for their dialect. */
  readonly items: readonly string[];
}

export const PRODUCT_NAME = 'Sports Sync X';

export interface BuildMessageOptions {
  readonly runUrl?: string;
  /** IANA time zone for workout times; default UTC. */
  readonly timeZone?: string;
  /** Warn about credentials that stop working within this many days; default 14. */
  readonly expiryWarningDays?: number;
  readonly now?: Date;
  /** Most workouts listed per direction and most entries per section before "… and N more". */
  readonly maxItemsPerSection?: number;
}

/** Longest single item; a runaway error message must not crowd out the rest of the summary. */
const MAX_ITEM_CHARS = 300;
const DAY_MS = 86_400_000;

function label(platform: PlatformId): string {
  return PLATFORM_LABELS[platform] ?? platform;
}

function plural(count: number, word: string, pluralWord = `${word}s`): string {
  return `${count} ${count === 1 ? word : pluralWord}`;
}

function formatTime(startUtc: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(startUtc * 1000));
  const get = (type: string): string => parts.find((part) => part.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

function describeWorkout(transfer: TransferResult, timeZone: string): string {
  const pieces = [formatTime(transfer.startUtc, timeZone), sportName(transfer.sport), distanceText(transfer.distanceM), durationText(transfer.elapsedSec)];
  if (transfer.name) pieces.push(`“${transfer.name}”`);
  return pieces.filter((piece): piece is string => piece !== undefined && piece !== '').join(' · ');
}

function sportName(sport: string): string {
  return sport.replace(/_/g, ' ');
}

function clip(text: string): string {
  return truncateChars(text.replace(/\s+/g, ' ').trim(), MAX_ITEM_CHARS);
}

function capped(items: string[], max: number, what: string): string[] {
  if (items.length <= max) return items;
  return [...items.slice(0, max), `… and ${items.length - max} more ${what} (see the run log)`];
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const DIRECTION_VERBS: Partial<Record<TransferOutcome, string>> = {
  created: 'uploaded',
  planned: 'would upload',
  pending: 'pending',
  duplicate: 'already there',
  failed: 'failed',
  rejected: 'rejected',
  'set-aside': 'set aside',
  'no-original': 'no original file',
};

const DUPLICATE_VERBS: Record<DuplicateAction, string> = {
  reported: 'reported',
  deleted: 'deleted',
  'would-delete': 'would delete',
  'delete-failed': 'delete failed',
  'kept-safe': 'kept (unsafe to delete)',
};

export interface ExpiryWarning {
  readonly platform: PlatformId;
  readonly label: string;
  readonly expiresAt: string;
  readonly daysLeft: number;
}

/** Platforms whose stored credentials stop working within `withinDays` (or already have). */
export function credentialExpiryWarnings(report: SyncReport, now: Date, withinDays: number): ExpiryWarning[] {
  const warnings: ExpiryWarning[] = [];
  for (const platform of report.platforms) {
    if (!platform.credentialExpiry) continue;
    const expiresMs = Date.parse(platform.credentialExpiry);
    if (Number.isNaN(expiresMs)) continue;
    const leftMs = expiresMs - now.getTime();
    if (leftMs > withinDays * DAY_MS) continue;
    warnings.push({ platform: platform.id, label: platform.label || label(platform.id), expiresAt: platform.credentialExpiry, daysLeft: Math.floor(leftMs / DAY_MS) });
  }
  return warnings;
}

function expiryLine(warning: ExpiryWarning): string {
  const date = warning.expiresAt.slice(0, 10);
  if (warning.daysLeft < 0) return `${warning.label}: saved sign-in expired on ${date}; sign in again (node cli.js login --for action) and update the stored token`;
  const when = warning.daysLeft === 0 ? 'today' : `in ${plural(warning.daysLeft, 'day')}`;
  return `${warning.label}: saved sign-in expires ${when} (${date}); sign in again (node cli.js login --for action) and update the stored token before then`;
}

/** Whether the report has anything a user must act on. */
export function reportHasFailures(report: SyncReport): boolean {
  return report.outcome !== 'ok' || report.counts.failed > 0 || report.failures.length > 0 || report.platforms.some((platform) => platform.error !== undefined);
}

function summaryPhrases(report: SyncReport): string[] {
  const c = report.counts;
  const phrases: string[] = [];
  if (c.uploaded > 0) phrases.push(`${c.uploaded} uploaded`);
  if (c.planned > 0) phrases.push(`${c.planned} planned`);
  if (c.deleted > 0) phrases.push(`${c.deleted} duplicate${c.deleted === 1 ? '' : 's'} deleted`);
  else if (c.duplicatesFound > 0) phrases.push(`${plural(c.duplicatesFound, 'duplicate')} found`);
  if (c.failed > 0) phrases.push(`${c.failed} failed`);
  if (c.pending > 0) phrases.push(`${c.pending} pending`);
  return phrases;
}

/** The neutral message for one run's report. Pure: same report and options, same message. */
export function buildReportMessage(report: SyncReport, options: BuildMessageOptions = {}): NotificationMessage {
  const timeZone = options.timeZone ?? 'UTC';
  const now = options.now ?? new Date(report.finishedAt);
  const maxItems = options.maxItemsPerSection ?? 10;
  const failed = reportHasFailures(report);
  const expiry = credentialExpiryWarnings(report, now, options.expiryWarningDays ?? 14);

  const phrases = summaryPhrases(report);
  const dry = report.dryRun ? ' (dry run)' : '';
  const outcomeWord = report.outcome === 'failed' ? 'run failed' : report.outcome === 'partial' ? 'partly failed' : 'all in sync';
  const summary = phrases.length > 0 ? phrases.join(', ') : outcomeWord;
  const title = `${PRODUCT_NAME}${dry}: ${summary}`;
  const headline = phrases.length > 0 && report.outcome !== 'ok' ? `${summary} — ${outcomeWord}` : summary;

  const sections: MessageSection[] = [];

  // Transfers per direction: what moved where, then the workouts that moved.
  const directional = report.transfers.filter((transfer) => transfer.outcome !== 'duplicate');
  const byDirection = groupBy(directional, (transfer) => `${transfer.from}>${transfer.to}`);
  for (const transfers of byDirection.values()) {
    const first = transfers[0];
    if (!first) continue;
    const byOutcome = groupBy(transfers, (transfer) => transfer.outcome);
    const counts = [...byOutcome.entries()].map(([outcome, list]) => `${list.length} ${DIRECTION_VERBS[outcome as TransferOutcome] ?? outcome}`);
    const moved = transfers.filter((transfer) => transfer.outcome === 'created' || transfer.outcome === 'planned');
    const problems = transfers.filter((transfer) => transfer.outcome === 'failed' || transfer.outcome === 'rejected');
    const tone = problems.length > 0 ? 'warning' : moved.length > 0 ? 'info' : 'comment';
    sections.push({
      heading: `${label(first.from)} → ${label(first.to)}: ${counts.join(', ')}`,
      tone,
      items: capped(moved.map((transfer) => clip(describeWorkout(transfer, timeZone))), maxItems, 'workouts'),
    });
  }

  if (report.duplicates.length > 0) {
    const byPlatform = groupBy(report.duplicates, (duplicate) => duplicate.platform);
    const items: string[] = [];
    for (const [platform, duplicates] of byPlatform) {
      const byAction = groupBy(duplicates, (duplicate) => duplicate.action);
      const counts = [...byAction.entries()].map(([action, list]) => `${list.length} ${DUPLICATE_VERBS[action as DuplicateAction] ?? action}`);
      items.push(`${label(platform as PlatformId)}: ${counts.join(', ')}`);
    }
    const troubled = report.duplicates.some((duplicate) => duplicate.action === 'delete-failed');
    sections.push({ heading: `Duplicates: ${report.duplicates.length}`, tone: troubled ? 'warning' : 'comment', items });
  }

  const failureItems: string[] = [];
  for (const platform of report.platforms) {
    if (!platform.error) continue;
    failureItems.push(clip(`${platform.label || label(platform.id)}: ${platform.error.message}${platform.error.nextStep ? ` → ${platform.error.nextStep}` : ''}`));
  }
  const transferMessages = new Set(report.transfers.filter((t) => t.outcome === 'failed' || t.outcome === 'rejected').map((t) => t.message));
  for (const failure of report.failures) {
    // The engine may list a failed transfer both ways: the transfer line is the more specific one.
    if (transferMessages.has(failure.message)) continue;
    failureItems.push(clip(`${failure.scope}: ${failure.message}${failure.nextStep ? ` → ${failure.nextStep}` : ''}`));
  }
  for (const transfer of report.transfers) {
    if (transfer.outcome !== 'failed' && transfer.outcome !== 'rejected') continue;
    const what = `${label(transfer.from)} → ${label(transfer.to)} ${formatTime(transfer.startUtc, timeZone)} ${sportName(transfer.sport)}`;
    failureItems.push(clip(`${what}: ${transfer.message ?? transfer.outcome}${transfer.nextStep ? ` → ${transfer.nextStep}` : ''}`));
  }
  if (failureItems.length > 0) sections.push({ heading: `Needs attention: ${failureItems.length}`, tone: 'warning', items: capped(dedupe(failureItems), maxItems, 'problems') });

  if (expiry.length > 0) sections.push({ heading: 'Sign-in expiring', tone: 'warning', items: expiry.map(expiryLine) });

  if (report.timezoneSuspects.length > 0) {
    sections.push({
      heading: `Possible time-zone mismatches: ${report.timezoneSuspects.length}`,
      tone: 'comment',
      items: capped(report.timezoneSuspects.map((suspect) => clip(`${label(suspect.a.platform)} ${suspect.a.remoteId} ↔ ${label(suspect.b.platform)} ${suspect.b.remoteId}: ${suspect.reason}`)), maxItems, 'suspects'),
    });
  }

  if (report.warnings.length > 0) sections.push({ heading: 'Warnings', tone: 'comment', items: capped(dedupe(report.warnings.map(clip)), Math.min(maxItems, 5), 'warnings') });

  const severity = failed ? 'error' : expiry.length > 0 || report.duplicates.some((d) => d.action === 'delete-failed') ? 'warning' : 'ok';
  return { kind: 'report', severity, title, headline, sections, report, ...(options.runUrl ? { runUrl: options.runUrl } : {}) };
}

/** The weekly "still alive" message, carrying this run's state in brief. */
export function buildHeartbeatMessage(report: SyncReport, options: BuildMessageOptions = {}): NotificationMessage {
  const now = options.now ?? new Date(report.finishedAt);
  const expiry = credentialExpiryWarnings(report, now, options.expiryWarningDays ?? 14);
  const phrases = summaryPhrases(report);
  const headline = `Scheduled sync is running; last run ${phrases.length > 0 ? phrases.join(', ') : 'found nothing new'}`;
  const sections: MessageSection[] = [
    {
      heading: 'Platforms',
      tone: 'comment',
      items: report.platforms.map((platform) => `${platform.label || label(platform.id)}: ${plural(platform.known, 'workout')} known${platform.error ? ` (error: ${clip(platform.error.message)})` : ''}`),
    },
  ];
  if (expiry.length > 0) sections.push({ heading: 'Sign-in expiring', tone: 'warning', items: expiry.map(expiryLine) });
  const severity = reportHasFailures(report) ? 'error' : expiry.length > 0 ? 'warning' : 'ok';
  return { kind: 'heartbeat', severity, title: `${PRODUCT_NAME}: weekly heartbeat`, headline, sections, report, ...(options.runUrl ? { runUrl: options.runUrl } : {}) };
}

function dedupe(items: readonly string[]): string[] {
  return [...new Set(items)];
}
