import { chinaDate, GRADES, regionFigures, type RegionPart } from '@weian/shared';
import { regionTrend } from '../../storage/findings.js';
import type { ServiceDeps } from '../deps.js';
import { periodEnd } from '../periods.js';
import { regionPrefix } from '../rankings.js';
import { barChart, lineChart } from './charts.js';
import { gradeLabel, RANKING_COLUMNS } from './columns.js';
import { chinaTime, esc, num1 } from './format.js';
import { gradesText, weightsText } from './methodology.js';
import type { PdfRenderer } from './pdfRenderer.js';
import { regionPartOf, type RankingSource } from './rankedRows.js';
import { kpis, reportPage, tableHead, tableRow } from './reportPage.js';

const GRADE_COLORS: Record<string, string> = { A: '#2e7d32', B: '#3b6fb6', C: '#a35f00', D: '#b00020' };
const TREND_DAYS = 180;

/**
 * The printable ranking: summary figures, charts (grade distribution, sub-regions, trend up to the
 * period's end) and the full table. Rows are read once, in rank order, page by page; the summary is
 * gathered on the way, so it always agrees with the table below it.
 */
export async function rankingsReportHtml(deps: ServiceDeps, source: RankingSource): Promise<{ html: string; rows: number }> {
  const tableRows: string[] = [];
  const parts: RegionPart[] = [];
  const bySub = new Map<string, RegionPart[]>();
  const subOf = new Map(source.subRegions.map((s) => [s.code, s.name]));
  for await (const row of source.rows()) {
    tableRows.push(tableRow(RANKING_COLUMNS, row));
    const part = regionPartOf(row);
    parts.push(part);
    const sub = source.subRegions.find((s) => row.regionCode.startsWith(regionPrefix(s.code)));
    if (sub) {
      if (!bySub.has(sub.code)) bySub.set(sub.code, []);
      bySub.get(sub.code)!.push(part);
    }
  }
  // The region's figures by the one function the overview and the trend use (shared/src/regionFigures.ts).
  const region = regionFigures(parts);
  const { distribution, totals: sum } = region;
  const end = source.live ? chinaDate(new Date(source.generatedAt)) : periodEnd(source.period);
  const since = chinaDate(new Date(Date.parse(`${end}T00:00:00Z`) - TREND_DAYS * 86_400_000));
  const trend = (await regionTrend(deps.db, source.region.code, since)).filter((t) => (source.live ? t.day < end : t.day <= end)).map((t) => ({ day: t.day, value: regionFigures([t.part]).averageScore ?? 0 }));
  // A live ranking's line ends on the average printed above it, as the overview's does.
  if (source.live && region.averageScore !== null) trend.push({ day: end, value: region.averageScore });

  const title = `${source.region.name} 网络安全评估排名 ${source.period}`;
  const charts = [
    barChart(
      '等级分布（机构数）',
      GRADES.map((g) => ({ label: gradeLabel(g.letter), value: distribution[g.letter]!, color: GRADE_COLORS[g.letter]! })),
    ),
    ...(source.subRegions.length
      ? [barChart('下级地区平均得分', source.subRegions.map((s) => ({ label: subOf.get(s.code) ?? s.code, value: regionFigures(bySub.get(s.code) ?? []).averageScore ?? 0 })), { max: 100 })]
      : []),
    lineChart(`地区平均得分趋势（截至 ${end}）`, trend),
  ];
  const body = `
<h1>${esc(title)}</h1>
<div class="meta">地区 ${esc(source.region.name)}（${esc(source.region.code)}） · 期间 ${esc(source.period)}（${source.live ? '本月实时得分' : `${esc(periodEnd(source.period))} 快照`}） · 对比期间 ${esc(source.previousPeriod)} · 生成时间 ${esc(chinaTime(source.generatedAt))}</div>
<h2>概况</h2>
${kpis([
  ['机构数', region.institutions],
  ['平均得分', num1(region.averageScore)],
  ['地区等级', region.grade === null ? '—' : gradeLabel(region.grade)],
  ['上报主机 / 登记主机', `${sum.hostsReporting} / ${sum.hostsRegistered}`],
  ['严重不通过', sum.failingCritical],
  ['高危不通过', sum.failingHigh],
  ['等保逾期事项', sum.overdueMlps],
])}
<h2>图表</h2>
<div class="charts">${charts.join('')}</div>
<h2>排名</h2>
<table>${tableHead(RANKING_COLUMNS)}<tbody>${tableRows.join('')}</tbody></table>
<h2>评估方法</h2>
<p class="note">机构得分 = ${esc(weightsText(source.settings.weights))}（本地区在用权重）。等级：${esc(gradesText())}。排名：得分从高到低；得分相同者严重不通过项少者在前，再比高危不通过项（只计“不通过”，不含“未知”），再按机构名称拼音排序（多音字地名按地名读音），名称相同按机构代码；仅因名称或代码先后的机构并列名次。地区平均分含尚无得分的机构（按 0 分）；各级得分精确计算，每级四舍五入一次。“较上期变化”为与 ${esc(source.previousPeriod)} 月末快照之差，上期无快照为“—”。完整规则与权重见 XLSX 导出的“评估方法”表及 docs/methodology.md。</p>`;
  return { html: reportPage(title, body), rows: region.institutions };
}

export async function renderRankingsPdf(deps: ServiceDeps, source: RankingSource, renderer: PdfRenderer): Promise<{ pdf: Buffer; rows: number }> {
  const { html, rows } = await rankingsReportHtml(deps, source);
  return { pdf: await renderer.render(html, { landscape: true, footer: esc(`${source.region.name} ${source.period} 评估排名`) }), rows };
}
