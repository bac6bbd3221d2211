import { describe, expect, it } from 'vitest';
import type { RegionOverview } from '../api/regions.js';
import { COMPARE_EACH_END, distributionChart, gradeLetter, subRegionChart, topRulesChart, trendChart } from './overviewCharts.js';

const overview = {
  distribution: { A: 3, B: 5, C: 10, D: 2 },
  trend: [
    { day: '2026-11-21', score: 71.2, institutions: 32 },
    { day: '2026-11-22', score: 73.4, institutions: 32 },
  ],
  topFailingRules: [
    { ruleId: 'R1', severity: 'critical', title: { zh: '甲', en: 'A' }, count: 9 },
    { ruleId: 'R2', severity: 'low', title: { zh: '乙', en: 'B' }, count: 2 },
  ],
  subRegions: [],
} as unknown as RegionOverview;

describe('overview charts', () => {
  it('grades like the server, on the one-decimal score', () => {
    expect([89.94, 89.96, 80, 59.9, null].map(gradeLetter)).toEqual(['B', 'A', 'B', 'D', 'D']);
  });
  it('draws one bar per grade and the trend from just under its lowest point', () => {
    const d = distributionChart(overview, (g) => g) as { series: Array<{ data: Array<{ value: number }> }> };
    expect(d.series[0]!.data.map((x) => x.value)).toEqual([3, 5, 10, 2]);
    expect((trendChart(overview, 's').yAxis as { min: number }).min).toBe(65);
  });
  it('puts the most frequent failing rule on top', () => {
    const c = topRulesChart(overview, (t) => t.zh) as { yAxis: { data: string[] } };
    expect(c.yAxis.data).toEqual(['乙', '甲']);
  });
  it('compares institutions as horizontal bars, best on top, and only the best and worst five of many', () => {
    const many = { ...overview, subRegions: Array.from({ length: 32 }, (_, i) => ({ code: `I${i}`, name: `西湖区第${i}人民医院`, averageScore: 50 + i })) } as unknown as RegionOverview;
    const c = subRegionChart(many, '得分', (n) => `其余 ${n} 家`) as { yAxis: { type: string; data: string[] }; series: Array<{ data: Array<{ value: number | null }> }> };
    expect(c.yAxis.type).toBe('category');
    expect(c.yAxis.data).toHaveLength(2 * COMPARE_EACH_END + 1);
    // Top of the chart (the last category) is the best; the middle line says how many are left out.
    expect(c.yAxis.data.at(-1)).toBe('西湖区第31人民医院');
    expect(c.yAxis.data[0]).toBe('西湖区第0人民医院');
    expect(c.yAxis.data[COMPARE_EACH_END]).toBe('其余 22 家');
    expect(c.series[0]!.data.map((d) => d.value)).toEqual([50, 51, 52, 53, 54, null, 77, 78, 79, 80, 81]);
    const few = subRegionChart({ ...overview, subRegions: many.subRegions.slice(0, 4) } as RegionOverview, '得分', (n) => `${n}`) as { yAxis: { data: string[] } };
    expect(few.yAxis.data).toEqual(['西湖区第0人民医院', '西湖区第1人民医院', '西湖区第2人民医院', '西湖区第3人民医院']);
  });
});
