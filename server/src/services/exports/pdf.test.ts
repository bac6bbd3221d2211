import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../testing/harness.js';
import { INCIDENT_FIXTURE, seedExportFixture, seedFixtureIncidents, TRICKY_NAMES, type ExportFixture } from '../../testing/exportFixture.js';
import { ranking } from '../rankings.js';
import { institutionReport } from './institutionReport.js';
import { institutionReportHtml, renderInstitutionPdf } from './institutionPdf.js';
import { createPdfRenderer, DEFAULT_CHROMIUM, type PdfRenderer } from './pdfRenderer.js';
import { openRanking } from './rankedRows.js';
import { rankingsReportHtml, renderRankingsPdf } from './rankingsPdf.js';

const ALL = { kind: 'all' } as const;
const dir = mkdtempSync(join(tmpdir(), 'weian-pdf-'));
/** The PDF's text as poppler's pdftotext reads it (layout kept, so a table row stays on one line). */
const pdfText = (pdf: Buffer, name: string) => {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync('/usr/bin/pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
};

describe('PDF reports (one Chromium for the file)', () => {
  let t: TestDb;
  let f: ExportFixture;
  let renderer: PdfRenderer;
  beforeAll(async () => {
    t = await createTestDb('sqlite');
    f = await seedExportFixture(t.deps, t.clock, new Date('2026-11-20T02:00:00Z'));
    await seedFixtureIncidents(t.deps, t.clock);
    renderer = createPdfRenderer({ executablePath: DEFAULT_CHROMIUM });
  });
  afterAll(async () => {
    await renderer.close();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the ranking page escapes every value and carries no script', async () => {
    const { html } = await rankingsReportHtml(t.deps, await openRanking(t.deps, ALL, { regionCode: f.city }));
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('浙江&quot;大学&quot;附属医院');
    expect(html).toContain("default-src 'none'");
    // Charts are inline SVG computed here: distribution, sub-regions, trend.
    expect(html.match(/<svg /g)).toHaveLength(3);
  });

  it('prints the ranking with summary, charts and every institution in rank order', async () => {
    const { pdf, rows } = await renderRankingsPdf(t.deps, await openRanking(t.deps, ALL, { regionCode: f.city }), renderer);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf, 'ranking');
    const expected = (await ranking(t.deps, ALL, { regionCode: f.city })).rows;
    expect(rows).toBe(expected.length);
    expect(text).toContain('杭州市 网络安全评估排名 2026-11');
    for (const heading of ['概况', '图表', '等级分布（机构数）', '下级地区平均得分', '排名', '评估方法']) expect(text).toContain(heading);
    // The script tag is printed as text; rows appear in rank order (by their codes, which never wrap).
    expect(text).toContain(TRICKY_NAMES.script);
    const at = expected.map((r) => text.indexOf(r.code));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    const first = text.split('\n').find((l) => l.includes(expected[0]!.code))!;
    expect(first).toMatch(new RegExp(`^\\s*1\\s+${expected[0]!.code}\\s`));
    expect(first).toContain(expected[0]!.score.toString());
    // Landscape, as asked (a CSS page size once turned it portrait), and headers keep their words whole.
    const [width, height] = /Page size:\s+([\d.]+) x ([\d.]+)/
      .exec(execFileSync('/usr/bin/pdfinfo', [join(dir, 'ranking.pdf')], { encoding: 'utf8' }))!
      .slice(1)
      .map(Number);
    expect(width).toBeGreaterThan(height!);
    for (const header of ['严重不合规', '高危不合规', '中危不合规', '低危不合规', '等保逾期事项', '迟报事件', '缺总结报告']) expect(text).toContain(header);
    // The incident columns are the last two: the institution with a late report and a missing summary ends its row with them.
    expect(text.split('\n').find((l) => l.includes(INCIDENT_FIXTURE.code))).toMatch(new RegExp(`\\s${INCIDENT_FIXTURE.late}\\s+${INCIDENT_FIXTURE.summaryMissing}\\s*$`));
    expect(text.split('\n').find((l) => l.includes('HZ-GS-4'))).toMatch(/\s0\s+0\s*$/);
    // The methodology says how they count (the line may wrap anywhere).
    expect(text.replace(/\s+/g, '')).toContain('两项只计数、列示，不计入得分和名次');
    // The methodology is in the report, in words, not a pointer to a file in the source code.
    expect(text).toContain('评估规则（本地区在用）');
    expect(text).not.toContain('docs/methodology.md');
  });

  it('shares one browser and prints at most two pages at once', async () => {
    const html = institutionReportHtml(await institutionReport(t.deps, ALL, { institutionCode: 'HZ-XH-1' }));
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, renderer.stats().active)), 2);
    const pdfs = await Promise.all([1, 2, 3, 4].map(() => renderer.render(html)));
    clearInterval(watch);
    expect(pdfs.every((p) => p.subarray(0, 5).toString() === '%PDF-')).toBe(true);
    expect(most).toBe(2);
    expect(renderer.stats()).toEqual({ launches: 1, active: 0, waiting: 0 });
  });

  it('prints an institution report: score, findings with articles and remediation, MLPS and governance', async () => {
    const report = await institutionReport(t.deps, ALL, { institutionCode: 'HZ-XH-3' });
    expect(institutionReportHtml(report)).toContain('&lt;script&gt;alert(1)&lt;/script&gt; 网络安全评估报告');
    const text = pdfText(await renderInstitutionPdf(report, renderer), 'institution');
    expect(text).toContain(`${TRICKY_NAMES.script} 网络安全评估报告 2026-11`);
    for (const heading of ['得分构成', '主机得分', '问题项与整改建议', '等保定级对象与期限', '年度管理事项期限', '管理记录']) expect(text).toContain(heading);
    // The exposed SSH port fails HOST-PORT-REMOTE-PUBLIC; its articles and remediation are printed.
    expect(text).toContain('HOST-PORT-REMOTE-PUBLIC');
    const finding = report.findings.find((x) => x.ruleId === 'HOST-PORT-REMOTE-PUBLIC')!;
    // Articles in words (《管理办法》第十一条), not codes (M11).
    expect(finding.articles[0]).toBe('M11');
    expect(text).toContain('第十一条');
    expect(text).not.toContain('M11');
    // Long cells wrap inside the table: the first words of the remediation stand on the finding's line.
    expect(text.split('\n').find((l) => l.includes('HOST-PORT-REMOTE-PUBLIC'))).toContain(finding.remediation.zh.slice(0, 8));
    expect(text).toContain(report.score!.score.toFixed(1));
    // The governance part rebuilds from the weights printed beside it: 100 × earned / possible, half up, is the part shown.
    const [earned, possible] = /管理：加权合规 \/ 应计（生成时）\s+(\d+) \/ (\d+)/.exec(text)!.slice(1).map(Number) as [number, number];
    expect(possible).toBeGreaterThan(0);
    expect(Math.floor((2000 * earned + possible) / (2 * possible)) / 10).toBe(report.score!.governance);
    // Each host's line prints the weights its score is rebuilt from.
    for (const h of report.hosts) expect(text.replace(/\s+/g, '')).toContain(`${h.earned}/${h.possible}`);
  });
});
