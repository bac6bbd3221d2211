import { failingLabel } from '@weian/shared';
import { chinaTime, esc } from './format.js';
import type { InstitutionReport } from './institutionReport.js';
import { institutionSections, sectionsHtml } from './institutionSections.js';
import type { PdfRenderer } from './pdfRenderer.js';
import { kpis, reportPage } from './reportPage.js';
import { gradeLabel } from './columns.js';

/** What a hospital hands its leadership: the score and its parts, then each section as a table. */
export function institutionReportHtml(r: InstitutionReport): string {
  const title = `${r.institution.name} 网络安全评估报告 ${r.period}`;
  const s = r.score;
  const body = `
<h1>${esc(title)}</h1>
<div class="meta">${esc(r.institution.regionName)} · ${esc(r.institution.code)} · 生成时间 ${esc(chinaTime(r.generatedAt))} · 问题项、定级对象与管理记录为生成时的状态</div>
${kpis([
  ['得分', s ? s.score.toFixed(1) : '—'],
  ['等级', s ? gradeLabel(s.grade.letter) : '—'],
  [failingLabel('critical'), s?.failing.critical ?? '—'],
  [failingLabel('high'), s?.failing.high ?? '—'],
  ['等保逾期事项', s?.overdueMlps ?? '—'],
])}
${sectionsHtml(institutionSections(r))}`;
  return reportPage(title, body);
}

export function renderInstitutionPdf(r: InstitutionReport, renderer: PdfRenderer): Promise<Buffer> {
  return renderer.render(institutionReportHtml(r), { landscape: true, footer: esc(`${r.institution.name} ${r.period}`) });
}
