import { describe, expect, it } from 'vitest';
import { buildReportMessage } from '../../src/notify/message.ts';
import { renderLines, type Dialect } from '../../src/notify/render.ts';
import { busyReport } from './report-fixture.ts';

// One report view, every channel's dialect: a change to what people read shows up in review as a
// diff of these files (`vitest -u` rewrites them after a deliberate change).
const DIALECTS: readonly Dialect[] = ['plain', 'wecom-markdown', 'markdown', 'slack', 'telegram-html'];
const OPTIONS = {
  runUrl: 'https://github.com/owner/repo/actions/runs/123',
  now: new Date('2026-01-08T06:01:00.000Z'),
  timeZone: 'Asia/Shanghai',
};

describe('the busy report in every dialect and language', () => {
  for (const language of ['en', 'zh-CN'] as const) {
    it.each(DIALECTS)(`%s (${language})`, async (dialect) => {
      const text = renderLines(buildReportMessage(busyReport(), { ...OPTIONS, language }), dialect).join('\n') + '\n';
      await expect(text).toMatchFileSnapshot(`./__snapshots__/busy-report.${language}.${dialect}.txt`);
    });
  }
});
