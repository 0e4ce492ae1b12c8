import { formatLocalClock } from '../core/time-format.ts';
import type { PlatformId } from '../core/activity.ts';
import type {
  DuplicateAction,
  DuplicateResult,
  PlatformSummary,
  ReportRouting,
  SyncReport,
  TransferOutcome,
  TransferResult,
} from '../decide/report-types.ts';
import { catalogue, type Catalogue } from './catalogue.ts';
import type { Language } from './language.ts';

/**
 * One view of a run's report, shared by the text report, the job summary and the notifications:
 * what to show, already in the user's language and time zone. Renderers only lay it out, so the
 * three never disagree (a count is the number of items listed).
 */
export interface ReportView extends Pick<SyncReport, 'outcome' | 'dryRun' | 'counts' | 'warnings'> {
  readonly t: Catalogue;
  readonly timeZone: string;
  /** "3 uploaded, 1 duplicate deleted, 1 failed", or undefined when nothing happened. */
  readonly countsPhrase: string | undefined;
  readonly outcomePhrase: string;
  /** SYNC_ROUTES / SYNC_SINCE in one line; undefined for old reports without routing. */
  readonly routingLine: string | undefined;
  readonly platforms: readonly PlatformRow[];
  /** One row per workout copied (or tried) from one source, with every target it went to. */
  readonly workouts: readonly WorkoutRow[];
  /** Per direction: what happened, counted. */
  readonly directions: readonly DirectionRow[];
  readonly duplicates: readonly DuplicateRow[];
  readonly duplicateCounts: readonly string[];
  readonly anyDuplicateReported: boolean;
  readonly anyDuplicateDeleteFailed: boolean;
  /** Everything the user must act on, each problem once. */
  readonly attention: readonly AttentionItem[];
  readonly expiry: readonly ExpiryItem[];
  readonly suspects: readonly SuspectRow[];
  /** Nothing changed and nothing needs the user. */
  readonly inSync: boolean;
}

export interface PlatformRow {
  readonly id: PlatformId;
  readonly label: string;
  /** null when the listing failed (the status says why). */
  readonly listed: number | null;
  readonly known: number;
  readonly error?: PlatformSummary['error'];
  /** YYYY-MM-DD and days left, when the saved sign-in's expiry is known. */
  readonly expiry?: { readonly date: string; readonly daysLeft: number };
}

export interface TargetCell {
  readonly to: PlatformId;
  readonly label: string;
  readonly outcome: TransferOutcome;
  readonly message?: string;
  readonly nextStep?: string;
  readonly targetId?: string;
}

export interface WorkoutRow {
  readonly from: PlatformId;
  readonly fromLabel: string;
  readonly sourceId: string;
  readonly startUtc: number;
  /** Start in the view's time zone, "YYYY-MM-DD HH:MM". */
  readonly start: string;
  readonly sport: string;
  readonly distance: string | undefined;
  readonly duration: string | undefined;
  readonly name: string | null;
  readonly targets: readonly TargetCell[];
}

export interface DirectionRow {
  readonly from: PlatformId;
  readonly to: PlatformId;
  /** "Garmin CN → COROS: 2 uploaded, 1 failed". */
  readonly heading: string;
  readonly tone: 'info' | 'warning' | 'comment';
  readonly counts: ReadonlyMap<TransferOutcome, number>;
  /** Workouts uploaded (or planned) in this direction. */
  readonly moved: readonly WorkoutRow[];
}

export interface DuplicateRow {
  readonly platform: string;
  readonly duplicateId: string;
  readonly keptId: string;
  readonly sport: string;
  readonly start: string;
  readonly action: DuplicateAction;
  readonly actionText: string;
  readonly message?: string;
  readonly reason: string;
}

export interface AttentionItem {
  readonly where: string;
  readonly what: string;
  readonly nextStep?: string;
}

export interface ExpiryItem {
  readonly platform: PlatformId;
  readonly label: string;
  readonly expiresAt: string;
  readonly daysLeft: number;
  readonly line: string;
}

export interface SuspectRow {
  readonly a: string;
  readonly b: string;
  readonly reason: string;
  readonly line: string;
}

export interface ReportViewOptions {
  readonly language?: Language;
  /** IANA time zone for times; default UTC. */
  readonly timeZone?: string;
  readonly now?: Date;
  /** Expiry within this many days is a warning; default 14. */
  readonly expiryWarningDays?: number;
}

const DAY_MS = 86_400_000;

/** "10.02 km" or "850 m"; undefined when there is no distance (strength, yoga …). */
/**
 * How every channel groups a transfer's outcome: copied (or would be), a problem to look at, or
 * nothing to do. A Record, so a new outcome cannot be added without deciding where it goes.
 */
export const OUTCOME_GROUP: Readonly<Record<TransferOutcome, 'moved' | 'problem' | 'other'>> = {
  created: 'moved',
  planned: 'moved',
  duplicate: 'other',
  pending: 'other',
  'no-original': 'other',
  failed: 'problem',
  rejected: 'problem',
  'set-aside': 'problem',
};

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
  return h > 0
    ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`
    : `${m}:${String(s).padStart(2, '0')}`;
}

/** "YYYY-MM-DD HH:MM" of an epoch-seconds time in `timeZone` (the zone is named in the headings). */
export function formatLocal(startUtc: number, timeZone: string): string {
  return formatLocalClock(startUtc, timeZone);
}

/** A sport's name in the catalogue's language; unknown ids are shown as they are. */
export function sportName(t: Catalogue, sport: string): string {
  return t.sport(sport) ?? sport.replace(/_/g, ' ');
}

function countBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, number> {
  const counts = new Map<K, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function workoutRows(t: Catalogue, transfers: readonly TransferResult[], timeZone: string): WorkoutRow[] {
  const rows = new Map<string, { row: WorkoutRow; targets: TargetCell[] }>();
  for (const transfer of transfers) {
    const key = `${transfer.from}:${transfer.sourceId}`;
    let entry = rows.get(key);
    if (!entry) {
      const targets: TargetCell[] = [];
      entry = {
        targets,
        row: {
          from: transfer.from,
          fromLabel: t.platform(transfer.from),
          sourceId: transfer.sourceId,
          startUtc: transfer.startUtc,
          start: formatLocal(transfer.startUtc, timeZone),
          sport: sportName(t, transfer.sport),
          distance: distanceText(transfer.distanceM),
          duration: durationText(transfer.elapsedSec),
          name: transfer.name,
          targets,
        },
      };
      rows.set(key, entry);
    }
    entry.targets.push({
      to: transfer.to,
      label: t.platform(transfer.to),
      outcome: transfer.outcome,
      ...(transfer.message ? { message: transfer.message } : {}),
      ...(transfer.nextStep ? { nextStep: transfer.nextStep } : {}),
      ...(transfer.targetId ? { targetId: transfer.targetId } : {}),
    });
  }
  return [...rows.values()]
    .map((entry) => entry.row)
    .sort((a, b) => b.startUtc - a.startUtc || a.from.localeCompare(b.from));
}

function attentionItems(t: Catalogue, report: SyncReport, timeZone: string): AttentionItem[] {
  const items: AttentionItem[] = [];
  const seen = new Set<string>();
  const add = (item: AttentionItem) => {
    const key = `${item.where}|${item.what}|${item.nextStep ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    items.push(item);
  };
  const platformLabels = new Set<string>();
  for (const platform of report.platforms) {
    if (!platform.error) continue;
    const label = t.platform(platform.id);
    platformLabels.add(platform.label);
    add({
      where: label,
      what: platform.error.message,
      ...(platform.error.nextStep ? { nextStep: platform.error.nextStep } : {}),
    });
  }
  const failedTransfers = report.transfers.filter(
    (transfer) => transfer.outcome === 'failed' || transfer.outcome === 'rejected',
  );
  const transferMessages = new Set(failedTransfers.map((transfer) => transfer.message));
  for (const failure of report.failures) {
    // The engine lists a failed transfer and a failed platform both ways: the specific line wins.
    if (transferMessages.has(failure.message) || platformLabels.has(failure.scope)) continue;
    add({ where: failure.scope, what: failure.message, ...(failure.nextStep ? { nextStep: failure.nextStep } : {}) });
  }
  for (const transfer of failedTransfers) {
    const where =
      `${t.direction(t.platform(transfer.from), t.platform(transfer.to))} ` +
      `${formatLocal(transfer.startUtc, timeZone)} ${sportName(t, transfer.sport)}`;
    add({
      where,
      what: transfer.message ?? t.outcome(transfer.outcome),
      ...(transfer.nextStep ? { nextStep: transfer.nextStep } : {}),
    });
  }
  return items;
}

function expiryItems(t: Catalogue, report: SyncReport, now: Date, withinDays: number): ExpiryItem[] {
  const items: ExpiryItem[] = [];
  for (const platform of report.platforms) {
    if (!platform.credentialExpiry) continue;
    const expiresMs = Date.parse(platform.credentialExpiry);
    if (Number.isNaN(expiresMs)) continue;
    const leftMs = expiresMs - now.getTime();
    if (leftMs > withinDays * DAY_MS) continue;
    const daysLeft = Math.floor(leftMs / DAY_MS);
    const label = t.platform(platform.id);
    items.push({
      platform: platform.id,
      label,
      expiresAt: platform.credentialExpiry,
      daysLeft,
      line: t.expiryLine(label, platform.credentialExpiry.slice(0, 10), daysLeft),
    });
  }
  return items;
}

/** SYNC_ROUTES and SYNC_SINCE in one line of the catalogue's language. */
export function routingText(t: Catalogue, platforms: readonly PlatformId[], routing: ReportRouting): string {
  const routes = routing.everyDirection
    ? t.routesEvery(platforms.map((id) => t.platform(id)))
    : t.routesListed(routing.routes.map((route) => t.direction(t.platform(route.from), t.platform(route.to))));
  return routing.since ? t.routesWithSince(routes, routing.since.slice(0, 10)) : routes;
}

function routingLine(t: Catalogue, report: SyncReport): string | undefined {
  return report.routing
    ? routingText(
        t,
        report.platforms.map((platform) => platform.id),
        report.routing,
      )
    : undefined;
}

function duplicateRow(t: Catalogue, duplicate: DuplicateResult, timeZone: string): DuplicateRow {
  return {
    platform: t.platform(duplicate.platform),
    duplicateId: duplicate.duplicateId,
    keptId: duplicate.keptId,
    sport: sportName(t, duplicate.sport),
    start: formatLocal(duplicate.startUtc, timeZone),
    action: duplicate.action,
    actionText: t.duplicateAction(duplicate.action),
    ...(duplicate.message ? { message: duplicate.message } : {}),
    reason: duplicate.reason,
  };
}

/** The report as the user sees it, in `language` and `timeZone`. Pure. */
export function buildReportView(report: SyncReport, options: ReportViewOptions = {}): ReportView {
  const t = catalogue(options.language ?? 'en');
  const timeZone = options.timeZone ?? 'UTC';
  const now = options.now ?? new Date(report.finishedAt);
  const workouts = workoutRows(t, report.transfers, timeZone);

  const directions: DirectionRow[] = [];
  const directional = report.transfers.filter((transfer) => transfer.outcome !== 'duplicate');
  const keys = [...new Set(directional.map((transfer) => `${transfer.from}>${transfer.to}`))];
  for (const key of keys) {
    const [from, to] = key.split('>') as [PlatformId, PlatformId];
    const transfers = directional.filter((transfer) => transfer.from === from && transfer.to === to);
    const counts = countBy(transfers, (transfer) => transfer.outcome);
    const movedIds = new Set(
      transfers
        .filter((transfer) => transfer.outcome === 'created' || transfer.outcome === 'planned')
        .map((transfer) => transfer.sourceId),
    );
    const moved = workouts.filter((row) => row.from === from && movedIds.has(row.sourceId));
    const problems = (counts.get('failed') ?? 0) + (counts.get('rejected') ?? 0);
    directions.push({
      from,
      to,
      counts,
      moved,
      heading: t.directionCounts(t.direction(t.platform(from), t.platform(to)), counts),
      tone: problems > 0 ? 'warning' : moved.length > 0 ? 'info' : 'comment',
    });
  }

  const byPlatform = new Map<PlatformId, DuplicateResult[]>();
  for (const duplicate of report.duplicates)
    byPlatform.set(duplicate.platform, [...(byPlatform.get(duplicate.platform) ?? []), duplicate]);
  const duplicateCounts = [...byPlatform].map(([platform, list]) =>
    t.duplicateCounts(
      t.platform(platform),
      countBy(list, (duplicate) => duplicate.action),
    ),
  );

  const attention = attentionItems(t, report, timeZone);
  const c = report.counts;
  return {
    t,
    timeZone,
    outcome: report.outcome,
    dryRun: report.dryRun,
    counts: c,
    countsPhrase: t.countsPhrase(c),
    outcomePhrase: t.outcomePhrase(report.outcome),
    routingLine: routingLine(t, report),
    platforms: report.platforms.map((platform) => ({
      id: platform.id,
      label: t.platform(platform.id),
      listed: platform.error ? null : platform.listed,
      known: platform.known,
      ...(platform.error ? { error: platform.error } : {}),
      ...(platform.credentialExpiry && !Number.isNaN(Date.parse(platform.credentialExpiry))
        ? {
            expiry: {
              date: platform.credentialExpiry.slice(0, 10),
              daysLeft: Math.floor((Date.parse(platform.credentialExpiry) - now.getTime()) / DAY_MS),
            },
          }
        : {}),
    })),
    workouts,
    directions,
    duplicates: report.duplicates.map((duplicate) => duplicateRow(t, duplicate, timeZone)),
    duplicateCounts,
    anyDuplicateReported: report.duplicates.some((duplicate) => duplicate.action === 'reported'),
    anyDuplicateDeleteFailed: report.duplicates.some((duplicate) => duplicate.action === 'delete-failed'),
    attention,
    expiry: expiryItems(t, report, now, options.expiryWarningDays ?? 14),
    suspects: report.timezoneSuspects.map((suspect) => {
      const recordA = `${t.platform(suspect.a.platform)} ${suspect.a.remoteId}`;
      const recordB = `${t.platform(suspect.b.platform)} ${suspect.b.remoteId}`;
      return {
        a: `${recordA} (${formatLocal(suspect.a.startUtc, timeZone)})`,
        b: `${recordB} (${formatLocal(suspect.b.startUtc, timeZone)})`,
        reason: suspect.reason,
        line: t.suspectLine(recordA, recordB, suspect.reason),
      };
    }),
    warnings: [...new Set(report.warnings)],
    inSync:
      c.uploaded === 0 &&
      c.deleted === 0 &&
      c.duplicatesFound === 0 &&
      c.pending === 0 &&
      attention.length === 0 &&
      report.failures.length === 0 &&
      report.transfers.every((transfer) => transfer.outcome !== 'planned'),
  };
}
