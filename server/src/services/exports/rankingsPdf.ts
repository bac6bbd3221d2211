import { chinaDate, failingLabel, GRADES, incidentColumnMethod, LEVEL3_HOST_WEIGHT, regionFigures, regionWithin, type RegionPart } from '@weian/shared';
import { regionTrend } from '../../storage/scoreHistory.js';
import type { ServiceDeps } from '../deps.js';
import { periodEnd } from '../periods.js';
import { barChart, lineChart } from './charts.js';
import { gradeLabel, RANKING_COLUMNS } from './columns.js';
import { chinaTime, esc, num1 } from './format.js';
import { rulesInForce } from './methodology.js';
import type { PdfRenderer } from './pdfRenderer.js';
import { regionPartOf, type RankingSource } from './rankedRows.js';
import { kpis, reportPage, table, tableHead, tableRow, type HtmlColumn } from './reportPage.js';

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
    const sub = source.subRegions.find((s) => regionWithin(row.regionCode, s.code));
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
  const trend = (await regionTrend(deps.db, source.region.code, since))
    .filter((t) => (source.live ? t.day < end : t.day <= end))
    .map((t) => ({ day: t.day, value: regionFigures([t.part]).averageScore ?? 0 }));
  // A live ranking's line ends on the average printed above it, as the overview's does.
  if (source.live && region.averageScore !== null) trend.push({ day: end, value: region.averageScore });

  const title = `${source.region.name} 网络安全评估排名 ${source.period}`;
  const charts = [
    barChart(
      '等级分布（机构数）',
      GRADES.map((g) => ({ label: gradeLabel(g.letter), value: distribution[g.letter]!, color: GRADE_COLORS[g.letter]! })),
    ),
    ...(source.subRegions.length
      ? [
          barChart(
            '下级地区平均得分',
            source.subRegions.map((s) => ({ label: subOf.get(s.code) ?? s.code, value: regionFigures(bySub.get(s.code) ?? []).averageScore ?? 0 })),
            { max: 100 },
          ),
        ]
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
  [failingLabel('critical'), sum.failingCritical],
  [failingLabel('high'), sum.failingHigh],
  ['等保逾期事项', sum.overdueMlps],
])}
<h2>图表</h2>
<div class="charts">${charts.join('')}</div>
<h2>排名</h2>
<table>${tableHead(RANKING_COLUMNS)}<tbody>${tableRows.join('')}</tbody></table>
${methodologyHtml(source)}`;
  return { html: reportPage(title, body), rows: region.institutions };
}

type Cell = string | number;

/**
 * How the scores are made, in the report itself: a bureau hands the PDF on and cannot point its
 * reader at a file in the source code. The weights and rules are those in force for the region.
 */
function methodologyHtml(source: RankingSource): string {
  const rows = rulesInForce(source.settings);
  const blank = rows.findIndex((r) => r.length === 0);
  const [head, ...rules] = rows.slice(blank + 1);
  // Widths (in XLSX characters) so that names and articles, not the ids, get the room.
  const widths = [0, 26, 6, 8, 8, 24, 36];
  const columns = head!.map((h, i): HtmlColumn<Cell[]> => ({ header: String(h), value: (r) => r[i] ?? null, nowrap: i === 0 || i === 2 || i === 3, width: widths[i] || undefined }));
  return `<h2>评估方法</h2>
<ul class="note">
<li>主机得分 = 适用规则的加权合规率 × 100；无法判断（数据缺失）按不合规计，不适用的规则不计，有效的风险接受所覆盖的结果在到期前不计。</li>
${rows
  .slice(0, blank)
  .map(([k, v]) => `<li>${esc(k)}：${esc(v ?? '')}</li>`)
  .join('\n')}
<li>机构得分由技术（有得分的主机得分的加权平均，三级及以上定级对象的主机权重为 ${LEVEL3_HOST_WEIGHT}）、管理（机构规则的加权合规率）、覆盖（在 HOST-AGENT-SILENT 的最长静默时间内上报的主机占登记主机的比例）三部分按上述权重相加；地区得分为辖区内全部机构得分的算术平均，尚无得分的机构按 0 分计入。各级得分精确计算，每级四舍五入一次。</li>
<li>排名：得分从高到低；得分相同者严重不合规项少者在前，再比高危不合规项（只计“不合规”，不含“无法判断”），再按机构名称拼音排序（多音字地名按地名读音），名称相同按机构代码；仅因名称或代码先后的机构并列名次。“较上期变化”为与 ${esc(source.previousPeriod)} 月末快照之差，上期无快照为“—”。</li>
<li>${esc(incidentColumnMethod('zh'))}</li>
</ul>
<h3>评估规则（本地区在用）</h3>
${table(columns, rules)}`;
}

export async function renderRankingsPdf(deps: ServiceDeps, source: RankingSource, renderer: PdfRenderer): Promise<{ pdf: Buffer; rows: number }> {
  const { html, rows } = await rankingsReportHtml(deps, source);
  return { pdf: await renderer.render(html, { landscape: true, footer: esc(`${source.region.name} ${source.period} 评估排名`) }), rows };
}
