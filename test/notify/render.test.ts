import { describe, expect, it } from 'vitest';
import { buildHeartbeatMessage, buildReportMessage, credentialExpiryWarnings } from '../../src/notify/message.ts';
import { renderLines, renderParts } from '../../src/notify/render.ts';
import { utf8ByteLength } from '../../src/notify/text-fit.ts';
import { busyReport, counts, hugeCjkReport, quietReport } from './report-fixture.ts';
import { parseTelegramHtml } from './fake-channels.ts';

const RUN_URL = 'https://github.com/owner/repo/actions/runs/123';
const NOW = new Date('2026-01-08T06:01:00.000Z');

describe('buildReportMessage', () => {
  it('summarises uploads one line per workout with its targets, duplicates, failures with next steps, expiry and the run link', () => {
    const message = buildReportMessage(busyReport(), { runUrl: RUN_URL, now: NOW, timeZone: 'Asia/Shanghai' });
    expect(message.severity).toBe('error');
    expect(message.title).toBe('Sports Sync X: 3 uploaded, 1 duplicate deleted, 1 failed');
    const headings = message.sections.map((section) => section.heading);
    expect(headings).toEqual([
      'Copied: 3 workouts',
      'Duplicates: 1',
      'Needs attention: 1',
      'Sign-in expiring',
      'Warnings',
    ]);
    const all = message.sections.flatMap((section) => section.items).join('\n');
    // 1767852000 = 2026-01-08 06:00 UTC = 14:00 in Shanghai.
    expect(all).toContain('2026-01-08 14:00 · running · 10.02 km · 52:05 · “Morning Run” (Garmin CN) → COROS');
    expect(all).toContain('→ nothing to do: the next run retries it');
    expect(all).toContain('Garmin CN: saved sign-in expires in 4 days (2026-01-13)');
    expect(all).not.toContain('COROS: saved sign-in');
    expect(message.runUrl).toBe(RUN_URL);
  });

  it('reports an all-quiet run as in sync with no sections', () => {
    const message = buildReportMessage(quietReport(), { now: NOW });
    expect(message.severity).toBe('ok');
    expect(message.title).toBe('Sports Sync X: all in sync');
    expect(message.sections).toEqual([]);
  });

  it('marks dry runs and counts planned uploads', () => {
    const report = quietReport({ dryRun: true, counts: counts({ planned: 2 }) });
    expect(buildReportMessage(report, { now: NOW }).title).toBe('Sports Sync X (dry run): 2 planned');
  });

  it('finds expired and soon-expiring credentials only within the window', () => {
    const report = quietReport({
      platforms: [
        { id: 'garmin_com', label: 'Garmin COM', listed: 1, known: 1, credentialExpiry: '2026-01-01T00:00:00Z' },
        { id: 'garmin_cn', label: 'Garmin CN', listed: 1, known: 1, credentialExpiry: '2026-01-20T00:00:00Z' },
        { id: 'coros', label: 'COROS', listed: 1, known: 1, credentialExpiry: '2026-03-01T00:00:00Z' },
      ],
    });
    const warnings = credentialExpiryWarnings(report, NOW, 14);
    expect(warnings.map((w) => [w.platform, w.daysLeft])).toEqual([
      ['garmin_com', -8],
      ['garmin_cn', 11],
    ]);
    const message = buildReportMessage(report, { now: NOW });
    expect(message.severity).toBe('warning');
    expect(message.sections.at(-1)?.items[0]).toContain('expired on 2026-01-01');
  });

  it('builds a heartbeat with platform totals', () => {
    const message = buildHeartbeatMessage(quietReport(), { now: NOW });
    expect(message.kind).toBe('heartbeat');
    expect(message.headline).toBe('Scheduled sync is running; last run found nothing new');
    expect(message.sections[0]?.items).toEqual(['Garmin CN: 412 workouts known', 'COROS: 409 workouts known']);
  });
});

describe('dialects', () => {
  const message = buildReportMessage(busyReport(), { runUrl: RUN_URL, now: NOW });

  it('WeCom markdown uses font colours and neutralises markup in user text', () => {
    const text = renderLines(message, 'wecom-markdown').join('\n');
    expect(text).toContain('**<font color="info">Copied: 3 workouts</font>**');
    expect(text).toContain('**<font color="warning">Needs attention: 1</font>**');
    expect(text).toContain('晨跑 ‹b›&');
    expect(text).toContain('Pool ∗swim∗ ［test］');
    expect(text).toContain(`[Run log](${RUN_URL})`);
  });

  it('Telegram HTML escapes user text and parses cleanly', () => {
    const text = renderLines(message, 'telegram-html').join('\n');
    expect(text).toContain('晨跑 &lt;b&gt;&amp;');
    const parsed = parseTelegramHtml(text);
    expect('text' in parsed && parsed.text).toContain('晨跑 <b>&');
  });

  it('CommonMark escapes emphasis and links in user text', () => {
    const text = renderLines(message, 'markdown').join('\n');
    expect(text).toContain('Pool \\*swim\\* \\[test\\]');
  });

  it('Slack mrkdwn escapes &, < and > and links the run', () => {
    const text = renderLines(message, 'slack').join('\n');
    expect(text).toContain('晨跑 &lt;b&gt;&amp;');
    expect(text).toContain(`<${RUN_URL}|Run log>`);
  });

  it('a huge CJK report splits into at most 3 WeCom-sized parts by bytes and points at the run log', () => {
    const huge = buildReportMessage(hugeCjkReport(), { runUrl: RUN_URL, now: NOW, maxItemsPerSection: 1000 });
    const parts = renderParts(huge, 'wecom-markdown', { budget: { unit: 'utf8-bytes', max: 4096 }, maxParts: 3 });
    expect(parts).toHaveLength(3);
    for (const part of parts) {
      expect(utf8ByteLength(part)).toBeLessThanOrEqual(4096);
      expect(new TextDecoder('utf-8', { fatal: true }).decode(new TextEncoder().encode(part))).toBe(part);
    }
    expect(parts[2]).toMatch(
      /… \d+ more lines in the run log: \[Run log\]\(https:\/\/github\.com\/owner\/repo\/actions\/runs\/123\)$/,
    );
    expect(parts[0]?.startsWith('(1/3)\n### ❌ Sports Sync X')).toBe(true);
  });
});

describe('renderReport', () => {
  it('renders a whole report as one text for job summaries', async () => {
    const { renderReport } = await import('../../src/notify/render.ts');
    const text = renderReport(busyReport(), 'markdown', { runUrl: RUN_URL, now: NOW });
    expect(text.split('\n')[0]).toBe('### ❌ Sports Sync X: 3 uploaded, 1 duplicate deleted, 1 failed');
    expect(text).toContain(
      '- 2026-01-08 06:00 · Pool swim · 1.50 km · 52:05 · “Pool \\*swim\\* \\[test\\]” \\(COROS\\) → Garmin CN',
    );
    expect(text.endsWith(`[Run log](${RUN_URL})`)).toBe(true);
  });
});
