import type { RegionOverview } from '../api/regions.js';
import type { Bilingual, Severity } from '../api/types.js';
import type { ChartOption } from '../composables/useChart.js';

export const GRADE_LETTERS = ['A', 'B', 'C', 'D'] as const;
export const GRADE_COLORS: Record<string, string> = { A: '#2f9e44', B: '#4c8bf5', C: '#f59f00', D: '#e03131' };
export const SEVERITY_COLORS: Record<Severity, string> = { critical: '#c92a2a', high: '#e8590c', medium: '#f59f00', low: '#868e96' };

const grid = { left: 8, right: 16, top: 16, bottom: 8, containLabel: true };
const tooltip = { trigger: 'axis' as const, confine: true };

/** Institutions per grade, coloured like the grade tags. */
export function distributionChart(o: RegionOverview, gradeLabel: (g: string) => string): ChartOption {
  return {
    grid,
    tooltip,
    xAxis: { type: 'category', data: GRADE_LETTERS.map((g) => `${g} ${gradeLabel(g)}`), axisLabel: { interval: 0 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ type: 'bar', barMaxWidth: 48, data: GRADE_LETTERS.map((g) => ({ value: o.distribution[g] ?? 0, itemStyle: { color: GRADE_COLORS[g] } })) }],
  };
}

/** The region's daily average score; the y axis starts near the lowest value so changes show. */
export function trendChart(o: RegionOverview, scoreLabel: string): ChartOption {
  const low = Math.min(100, ...o.trend.map((t) => t.score));
  return {
    grid,
    tooltip,
    xAxis: { type: 'category', boundaryGap: false, data: o.trend.map((t) => t.day.slice(5)) },
    yAxis: { type: 'value', min: Math.max(0, Math.floor((low - 5) / 5) * 5), max: 100 },
    series: [
      { type: 'line', name: scoreLabel, data: o.trend.map((t) => t.score), showSymbol: false, smooth: true, lineStyle: { width: 2, color: '#1c7ed6' }, areaStyle: { color: 'rgba(28,126,214,0.12)' } },
    ],
  };
}

/** The rules failing in most places, horizontal bars by severity colour, most frequent on top. */
export function topRulesChart(o: RegionOverview, title: (t: Bilingual) => string): ChartOption {
  const rules = [...o.topFailingRules].reverse();
  return {
    grid: { ...grid, left: 8 },
    tooltip,
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: rules.map((r) => title(r.title)), axisLabel: { width: 170, overflow: 'truncate' } },
    series: [{ type: 'bar', barMaxWidth: 18, data: rules.map((r) => ({ value: r.count, itemStyle: { color: SEVERITY_COLORS[r.severity as Severity] ?? '#868e96' } })) }],
  };
}

/** How many of the best and of the worst the comparison shows when there are more than twice as many. */
export const COMPARE_EACH_END = 5;

/**
 * Average score per sub-region (or per institution under a county), as horizontal bars so that
 * names read whole: best on top. With many (a county's institutions), the best and the worst
 * COMPARE_EACH_END and one line saying how many lie between; the tooltip has the full name.
 */
export function subRegionChart(o: RegionOverview, scoreLabel: string, between: (n: number) => string): ChartOption {
  const sorted = [...o.subRegions].sort((a, b) => (b.averageScore ?? -1) - (a.averageScore ?? -1));
  const cut = sorted.length > 2 * COMPARE_EACH_END + 1;
  const rows: Array<{ name: string; score: number | null } | null> = cut
    ? [...sorted.slice(0, COMPARE_EACH_END), null, ...sorted.slice(-COMPARE_EACH_END)].map((r) => r && { name: r.name, score: r.averageScore })
    : sorted.map((r) => ({ name: r.name, score: r.averageScore }));
  const omitted = sorted.length - 2 * COMPARE_EACH_END;
  // ECharts draws the first category at the bottom: reversed, the best is on top.
  const shown = [...rows].reverse();
  return {
    grid: { ...grid, left: 8, right: 28 },
    tooltip,
    xAxis: { type: 'value', max: 100 },
    yAxis: { type: 'category', data: shown.map((r) => r?.name ?? between(omitted)), axisLabel: { width: 150, overflow: 'truncate' } },
    series: [
      {
        type: 'bar',
        name: scoreLabel,
        barMaxWidth: 14,
        label: { show: true, position: 'right', fontSize: 11 },
        data: shown.map((r) => (r ? { value: r.score ?? 0, itemStyle: { color: GRADE_COLORS[gradeLetter(r.score)] } } : { value: null })),
      },
    ],
  };
}

/** The grade of a score as the server computes it (shared/src/scoring.ts, on the one-decimal score). */
export function gradeLetter(score: number | null | undefined): string {
  const s = Math.round((score ?? 0) * 10) / 10;
  return s >= 90 ? 'A' : s >= 80 ? 'B' : s >= 60 ? 'C' : 'D';
}
