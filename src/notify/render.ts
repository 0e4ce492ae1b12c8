import type { SyncReport } from '../decide/report-types.ts';
import {
  buildReportMessage,
  messageCatalogue,
  type BuildMessageOptions,
  type MessageSection,
  type NotificationMessage,
} from './message.ts';
import { packLines, type SizeBudget } from './text-fit.ts';

/**
 * Dialect renderers: each turns the neutral message into lines of one markup dialect, escaping
 * user text (workout names, error messages) so it cannot break the markup. Every line is
 * self-contained (tags open and close on it), so packing whole lines into parts stays valid.
 */
export type Dialect = 'plain' | 'wecom-markdown' | 'markdown' | 'slack' | 'telegram-html';

const SEVERITY_MARK: Record<NotificationMessage['severity'], string> = { ok: '✅', warning: '⚠️', error: '❌' };

export function severityMark(message: NotificationMessage): string {
  return message.kind === 'heartbeat' && message.severity === 'ok' ? '💓' : SEVERITY_MARK[message.severity];
}

/** Escapes CommonMark punctuation that could start markup inside plain text. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]()#~|<>!]/g, (ch) => `\\${ch}`);
}

/**
 * WeCom's markdown has no documented escapes: neutralise what would open a tag or link outside
 * code spans. A balanced `code span` (a command to copy) is kept exactly, with plain backticks.
 */
export function escapeWeComMarkdown(text: string): string {
  const neutral = (part: string) =>
    part.replace(/</g, '‹').replace(/>/g, '›').replace(/\[/g, '［').replace(/\]/g, '］').replace(/\*/g, '∗');
  const pieces = text.split(/(`[^`\n]+`)/);
  return pieces
    .map((piece) =>
      piece.length > 2 && piece.startsWith('`') && piece.endsWith('`') ? piece : neutral(piece).replace(/`/g, "'"),
    )
    .join('');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Slack mrkdwn: only &, < and > need escaping. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const WECOM_COLOR: Record<MessageSection['tone'], string> = { info: 'info', warning: 'warning', comment: 'comment' };

export function renderLines(message: NotificationMessage, dialect: Dialect): string[] {
  const mark = severityMark(message);
  const runLog = messageCatalogue(message).runLog();
  const lines: string[] = [];
  switch (dialect) {
    case 'plain': {
      lines.push(`${mark} ${message.title}`);
      for (const section of message.sections) {
        lines.push('', section.heading);
        for (const item of section.items) lines.push(`• ${item}`);
      }
      if (message.kind === 'heartbeat') lines.push('', message.headline);
      if (message.runUrl) lines.push('', `${runLog}: ${message.runUrl}`);
      break;
    }
    case 'wecom-markdown': {
      lines.push(`### ${mark} ${escapeWeComMarkdown(message.title)}`);
      if (message.kind === 'heartbeat')
        lines.push(`<font color="comment">${escapeWeComMarkdown(message.headline)}</font>`);
      for (const section of message.sections) {
        lines.push(`**<font color="${WECOM_COLOR[section.tone]}">${escapeWeComMarkdown(section.heading)}</font>**`);
        for (const item of section.items) lines.push(`> ${escapeWeComMarkdown(item)}`);
      }
      if (message.runUrl) lines.push(`[${runLog}](${message.runUrl})`);
      break;
    }
    case 'markdown': {
      lines.push(`### ${mark} ${escapeMarkdown(message.title)}`);
      if (message.kind === 'heartbeat') lines.push(escapeMarkdown(message.headline));
      for (const section of message.sections) {
        lines.push('', `**${escapeMarkdown(section.heading)}**`);
        for (const item of section.items) lines.push(`- ${escapeMarkdown(item)}`);
      }
      if (message.runUrl) lines.push('', `[${escapeMarkdown(runLog)}](${message.runUrl})`);
      break;
    }
    case 'slack': {
      lines.push(`${mark} *${escapeSlack(message.title)}*`);
      if (message.kind === 'heartbeat') lines.push(escapeSlack(message.headline));
      for (const section of message.sections) {
        lines.push('', `*${escapeSlack(section.heading)}*`);
        for (const item of section.items) lines.push(`• ${escapeSlack(item)}`);
      }
      if (message.runUrl) lines.push('', `<${message.runUrl}|${escapeSlack(runLog)}>`);
      break;
    }
    case 'telegram-html': {
      lines.push(`${mark} <b>${escapeHtml(message.title)}</b>`);
      if (message.kind === 'heartbeat') lines.push(escapeHtml(message.headline));
      for (const section of message.sections) {
        lines.push('', `<b>${escapeHtml(section.heading)}</b>`);
        for (const item of section.items) lines.push(`• ${escapeHtml(item)}`);
      }
      if (message.runUrl) lines.push('', `<a href="${escapeHtml(message.runUrl)}">${escapeHtml(runLog)}</a>`);
      break;
    }
  }
  return lines;
}

/** Overflow line in the dialect, linking the run when there is one. */
function overflowLine(message: NotificationMessage, dialect: Dialect, dropped: number): string {
  const t = messageCatalogue(message);
  const text = t.overflow(dropped);
  const runLog = t.runLog();
  if (!message.runUrl) return text;
  switch (dialect) {
    case 'wecom-markdown':
    case 'markdown':
      return `${text}: [${runLog}](${message.runUrl})`;
    case 'slack':
      return `${text}: <${message.runUrl}|${runLog}>`;
    case 'telegram-html':
      return `${text}: <a href="${escapeHtml(message.runUrl)}">${escapeHtml(runLog)}</a>`;
    case 'plain':
      return `${text}: ${message.runUrl}`;
  }
}

export interface RenderLimits {
  readonly budget: SizeBudget;
  /** Most messages one notification may take on this channel. */
  readonly maxParts: number;
}

/**
 * The message rendered in `dialect`, split into at most `maxParts` texts that each fit `budget`,
 * never cutting a character; what still does not fit is replaced by a pointer to the run log.
 */
export function renderParts(message: NotificationMessage, dialect: Dialect, limits: RenderLimits): string[] {
  const lines = renderLines(message, dialect);
  return packLines(lines, limits.budget, {
    maxParts: limits.maxParts,
    overflowLine: (dropped) => overflowLine(message, dialect, dropped),
    partLabel: (index, total) => `(${index}/${total})\n`,
  });
}

/** The report as one text in `dialect` (no size limit): for job summaries, logs and previews. */
export function renderReport(report: SyncReport, dialect: Dialect, options: BuildMessageOptions = {}): string {
  return renderLines(buildReportMessage(report, options), dialect).join('\n');
}
