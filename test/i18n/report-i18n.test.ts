import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { renderJobSummary } from '../../src/action/summary.ts';
import { checkForUpdate, isNewer, upstreamRepository } from '../../src/action/update-check.ts';
import { EndpointMap } from '../../src/core/endpoints.ts';
import { registerSecret } from '../../src/core/secrets.ts';
import { renderReportText } from '../../src/decide/report.ts';
import type { SyncReport } from '../../src/decide/report-types.ts';
import { EN, ZH_CN } from '../../src/i18n/catalogue.ts';
import { buildReportView } from '../../src/i18n/report-view.ts';
import { createWeComNotifier } from '../../src/notify/channels/wecom.ts';
import { buildReportMessage } from '../../src/notify/message.ts';
import { renderLines } from '../../src/notify/render.ts';
import { fakeWeCom } from '../notify/fake-channels.ts';
import { startFakeServer, type FakeServer } from '../notify/fake-server.ts';
import { harness } from '../notify/harness.ts';
import { busyReport, counts, quietReport, transfer } from '../notify/report-fixture.ts';

const KEY = '693a91f6-7a0c-4bc4-97a0-0ec25afa5aaa';
const RUN_URL = 'https://github.com/owner/repo/actions/runs/123';
const NOW = new Date('2026-01-08T06:01:00.000Z');
const servers: FakeServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.close();
});
beforeEach(() => registerSecret(KEY));

/** English words of the catalogue that must not appear in a Chinese rendering. */
const ENGLISH = [
  'Uploaded',
  'Platforms',
  'duplicates found',
  'Needs attention',
  'Run log',
  'Warnings',
  'Sign-in',
  'Copied',
];

const routed = (overrides: Partial<SyncReport> = {}): SyncReport =>
  busyReport({
    routing: { routes: [{ from: 'garmin_cn', to: 'coros' }], everyDirection: false, since: '2026-01-01T00:00:00.000Z' },
    ...overrides,
  });

describe('zh-CN from the catalogue', () => {
  it('the text report is Chinese throughout, with routes, the start date and local times', () => {
    const text = renderReportText(routed(), { language: 'zh-CN', timeZone: 'Asia/Shanghai' });
    const lines = text.split('\n');
    expect(lines[0]).toBe(ZH_CN.reportTitle(false));
    expect(lines[1]).toBe(ZH_CN.countsLine(busyReport().counts, false, false));
    expect(text).toContain(
      '同步方向：佳明中国区 → 高驰（SYNC_ROUTES）；只复制 2026-01-01 及之后开始的训练（SYNC_SINCE）',
    );
    expect(text).toContain('时间为 Asia/Shanghai 时区');
    expect(text).toContain('佳明中国区 → 高驰（2 条）：');
    // 1767852000 = 06:00 UTC = 14:00 in Shanghai.
    expect(text).toContain('2026-01-08 14:00');
    for (const word of ENGLISH) expect(text, word).not.toContain(word);
  });

  it('a WeCom message is posted in Chinese: title, sections, the run link, commands in plain backticks', async () => {
    const report = busyReport({
      platforms: [
        {
          id: 'garmin_cn',
          label: 'Garmin CN',
          listed: 0,
          known: 412,
          error: {
            kind: 'auth',
            message: 'token expired',
            nextStep: 'run `npx sports-sync-x login --region cn` and update GARMIN_TOKEN_CN',
          },
        },
      ],
    });
    const h = await harness('qyapi.weixin.qq.com', fakeWeCom({ key: KEY }));
    await createWeComNotifier({ key: KEY, messageType: 'markdown', mentions: [] }, h.deps).send(
      buildReportMessage(report, { runUrl: RUN_URL, now: NOW, language: 'zh-CN', timeZone: 'Asia/Shanghai' }),
    );
    const body = h.server.requests[0]!.json as { markdown: { content: string } };
    const content = body.markdown.content;
    expect(content.split('\n')[0]).toBe(`### ❌ ${ZH_CN.messageTitle(ZH_CN.countsPhrase(report.counts)!, false)}`);
    expect(content).toContain('<font color="info">已复制：3 条训练</font>');
    expect(content).toContain('<font color="warning">需要处理：2 项</font>');
    expect(content).toContain('`npx sports-sync-x login --region cn`');
    expect(content).not.toContain('ˋ');
    expect(content).toContain(`[运行日志](${RUN_URL})`);
    for (const word of ENGLISH) expect(content, word).not.toContain(word);
  });

  it('the job summary is Chinese, with its table headers from the catalogue', () => {
    const markdown = renderJobSummary(routed(), {
      stateMode: 'git',
      stateLines: [],
      repositoryPrivate: false,
      warnings: [],
      language: 'zh-CN',
      timeZone: 'Asia/Shanghai',
      now: NOW,
    });
    expect(markdown).toContain(`| ${ZH_CN.summaryWorkoutHeader('Asia/Shanghai').join(' | ')} |`);
    expect(markdown).toContain('这个仓库是公开的');
    expect(markdown).toContain('同步方向：佳明中国区 → 高驰');
    for (const word of ['Uploaded', 'Platforms', 'This repository is public']) expect(markdown).not.toContain(word);
  });

  it('both catalogues have every entry, and zh-CN differs from en where words are shown', () => {
    expect(Object.keys(ZH_CN).sort()).toEqual(Object.keys(EN).sort());
    const c = counts({ uploaded: 2, failed: 1 });
    expect(ZH_CN.countsLine(c, false, false)).not.toBe(EN.countsLine(c, false, false));
    expect(ZH_CN.attentionHeading(2)).toMatch(/[\u4e00-\u9fff]/);
    expect(ZH_CN.sport('run')).toBe('跑步');
  });
});

describe('counts, rows and columns', () => {
  it('"Needs attention" counts the problems it lists, each once (a failure the engine reported twice is one item)', () => {
    const failedTransfer = transfer({
      sourceId: '5',
      outcome: 'failed',
      message: 'HTTP 500',
      nextStep: 'retried next run',
    });
    const report = quietReport({
      outcome: 'partial',
      platforms: [
        {
          id: 'coros',
          label: 'COROS',
          listed: 0,
          known: 3,
          error: { kind: 'auth', message: 'bad password', nextStep: 'update COROS_PASSWORD' },
        },
      ],
      transfers: [failedTransfer, { ...failedTransfer, to: 'garmin_com' }],
      failures: [
        { scope: 'COROS', kind: 'auth', message: 'bad password', nextStep: 'update COROS_PASSWORD' },
        { scope: 'Garmin CN → COROS 5', kind: 'retryable', message: 'HTTP 500', nextStep: 'retried next run' },
        { scope: 'Garmin CN → Garmin COM 5', kind: 'retryable', message: 'HTTP 500', nextStep: 'retried next run' },
        { scope: 'COROS', kind: 'auth', message: 'bad password', nextStep: 'update COROS_PASSWORD' },
      ],
      counts: counts({ failed: 4 }),
    });
    const message = buildReportMessage(report, { now: NOW });
    const section = message.sections.find((s) => s.heading.startsWith('Needs attention'))!;
    expect(section.heading).toBe(`Needs attention: ${section.items.length}`);
    expect(section.items).toHaveLength(3);
    const markdown = renderJobSummary(report, {
      stateMode: 'none',
      stateLines: [],
      repositoryPrivate: true,
      warnings: [],
    });
    const lines = markdown.split('\n');
    const start = lines.indexOf('### Needs attention: 3');
    expect(start).toBeGreaterThan(0);
    const table = lines
      .slice(start + 2)
      .filter((_line, index, all) => all.slice(0, index + 1).every((l) => l.startsWith('|')));
    expect(table.slice(2)).toHaveLength(3);
  });

  it('a workout copied to two targets is one row in the summary and one line in messages; the Listed column holds a number', () => {
    const report = quietReport({
      platforms: [
        { id: 'garmin_cn', label: 'Garmin CN', listed: 20, known: 412 },
        {
          id: 'coros',
          label: 'COROS',
          listed: 0,
          known: 409,
          error: { kind: 'retryable', message: 'HTTP 503 | busy' },
        },
        { id: 'garmin_com', label: 'Garmin COM', listed: 4, known: 9 },
      ],
      transfers: [transfer(), transfer({ to: 'garmin_com', targetId: '55' })],
      counts: counts({ uploaded: 2 }),
    });
    const markdown = renderJobSummary(report, {
      stateMode: 'none',
      stateLines: [],
      repositoryPrivate: true,
      warnings: [],
    });
    const workoutRows = markdown.split('\n').filter((line) => line.includes('Morning') || line.startsWith('| running'));
    expect(workoutRows).toEqual([
      '| running | 2026-01-08 06:00 | 10.02 km | 52:05 | Garmin CN | COROS: ✅ uploaded<br>Garmin COM: ✅ uploaded |',
    ]);
    expect(markdown).toContain('| COROS | — | 409 | ❌ HTTP 503 \\| busy | — |');
    expect(markdown).toContain('| Garmin CN | 20 | 412 | ✅ | — |');
    const message = buildReportMessage(report, { now: NOW });
    expect(message.sections[0]).toMatchObject({
      heading: 'Copied: 1 workout',
      items: ['2026-01-08 06:00 · running · 10.02 km · 52:05 · “Morning Run” (Garmin CN) → COROS, Garmin COM'],
    });
    const text = renderLines(message, 'plain').join('\n');
    expect(text).not.toContain('Run log');
    expect(renderLines(buildReportMessage(report, { now: NOW, runUrl: RUN_URL }), 'markdown').at(-1)).toBe(
      `[Run log](${RUN_URL})`,
    );
  });

  it('the view is shared: every renderer counts the same attention items', () => {
    const view = buildReportView(busyReport());
    expect(view.attention).toHaveLength(1);
    expect(
      renderReportText(busyReport())
        .split('\n')
        .filter((line) => line.startsWith('  ✗ ')),
    ).toHaveLength(view.attention.length);
  });
});

describe('the newer-release note', () => {
  it('costs one request through the endpoint map, shows the newer release, and never throws', async () => {
    const fake = await startFakeServer((request) =>
      request.path === '/repos/octo/sports-sync-x/releases/latest'
        ? {
            status: 200,
            body: { tag_name: 'v1.4.0', html_url: 'https://github.com/octo/sports-sync-x/releases/tag/v1.4.0' },
          }
        : { status: 404, body: {} },
    );
    servers.push(fake);
    const endpoints = EndpointMap.fromJson(JSON.stringify({ 'api.github.com': fake.baseUrl }));
    const newer = await checkForUpdate({ upstream: 'octo/sports-sync-x', current: '1.2.0', endpoints });
    expect(newer).toEqual({
      status: 'newer',
      latest: 'v1.4.0',
      current: 'v1.2.0',
      url: 'https://github.com/octo/sports-sync-x/releases/tag/v1.4.0',
    });
    expect(fake.requests).toHaveLength(1);
    expect(await checkForUpdate({ upstream: 'octo/sports-sync-x', current: '1.4.0', endpoints })).toEqual({
      status: 'current',
      latest: 'v1.4.0',
    });
    expect((await checkForUpdate({ upstream: 'octo/missing', current: '1.0.0', endpoints })).status).toBe('failed');
    const down = EndpointMap.fromJson(JSON.stringify({ 'api.github.com': 'http://127.0.0.1:9' }));
    expect((await checkForUpdate({ upstream: 'octo/sports-sync-x', current: '1.0.0', endpoints: down })).status).toBe(
      'failed',
    );
    expect((await checkForUpdate({ upstream: undefined, current: '1.0.0', endpoints })).status).toBe('skipped');
    const markdown = renderJobSummary(quietReport(), {
      stateMode: 'none',
      stateLines: [],
      repositoryPrivate: true,
      warnings: [],
      update: newer.status === 'newer' ? newer : undefined,
    });
    expect(markdown).toContain(
      'A newer release of Sports Sync X is out: [v1.4.0](https://github.com/octo/sports-sync-x/releases/tag/v1.4.0) (this run used v1.2.0)',
    );
  });

  it.each([
    ['v1.10.0', '1.9.9', true],
    ['v1.0.0', '1.0.0', false],
    ['v0.9.0', '1.0.0', false],
    ['latest', '1.0.0', false],
  ])('%s newer than %s: %s', (a, b, newer) => {
    expect(isNewer(a, b)).toBe(newer);
  });

  it('finds the upstream from the action that ran, else package.json', () => {
    expect(upstreamRepository('octo/sports-sync-x', undefined)).toBe('octo/sports-sync-x');
    expect(upstreamRepository('', { repository: { url: 'git+https://github.com/octo/ssx.git' } })).toBe('octo/ssx');
    expect(upstreamRepository(undefined, {})).toBeUndefined();
  });
});
