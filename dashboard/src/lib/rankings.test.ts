import { describe, expect, it } from 'vitest';
import type { RankingRow } from '../api/institutions.js';
import { filterRankings, recentPeriods, typesOf } from './rankings.js';

const row = (name: string, type: string, grade: string) => ({ name, type, grade, typeLabel: { zh: type, en: type } }) as unknown as RankingRow;
const rows = [row('西湖区第三人民医院', 'tertiary-hospital', 'A'), row('北山街道社区卫生服务中心', 'primary-care', 'C'), row('西溪街道社区卫生服务中心', 'primary-care', 'A')];

describe('rankings filter', () => {
  it('filters by type, grade and name, keeping rank order', () => {
    expect(filterRankings(rows, { types: ['primary-care'], grades: [], text: '' }).map((r) => r.name)).toEqual(['北山街道社区卫生服务中心', '西溪街道社区卫生服务中心']);
    expect(filterRankings(rows, { types: ['primary-care'], grades: ['A'], text: '' })).toHaveLength(1);
    expect(filterRankings(rows, { types: [], grades: [], text: '西溪' })).toHaveLength(1);
    expect(filterRankings(rows, { types: [], grades: [], text: ' ' })).toHaveLength(3);
  });
  it('lists the types present once', () => {
    expect(typesOf(rows).map(([t]) => t)).toEqual(['tertiary-hospital', 'primary-care']);
  });
  it('counts months back in China time across a year', () => {
    // 2027-01-01 02:00 in Beijing is still 2026-12-31 in UTC.
    expect(recentPeriods(new Date('2026-12-31T18:00:00Z'), 3)).toEqual(['2027-01', '2026-12', '2026-11']);
  });
});
