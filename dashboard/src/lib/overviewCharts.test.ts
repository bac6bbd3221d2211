import { describe, expect, it } from 'vitest';
import type { RegionOverview } from '../api/regions.js';
import { distributionChart, gradeLetter, topRulesChart, trendChart } from './overviewCharts.js';

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
});
