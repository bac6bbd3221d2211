import { describe, expect, it } from 'vitest';
import { changeView, queryOfView, rankingInput, recentPeriods, shownRange, sortOfTable, tableSort, viewFromQuery, type RankingView } from './rankings.js';

const PERIODS = ['2026-11', '2026-10', '2026-09'];
const DEFAULT: RankingView = { period: '2026-11', page: 1, pageSize: 50, sort: 'rank', order: 'asc', types: [], grades: [], text: '' };

describe('rankings view in the URL', () => {
  it('reads a URL, falling back to the default for anything unknown or out of bounds', () => {
    expect(viewFromQuery({}, PERIODS)).toEqual(DEFAULT);
    expect(viewFromQuery({ period: '2026-10', page: '3', size: '200', sort: 'change', order: 'desc', types: 'cdc,primary-care,cdc', grades: 'A,D', q: '西湖' }, PERIODS)).toEqual({
      period: '2026-10',
      page: 3,
      pageSize: 200,
      sort: 'change',
      order: 'desc',
      types: ['cdc', 'primary-care'],
      grades: ['A', 'D'],
      text: '西湖',
    });
    // A period older than the list, a page that is not a positive integer, a size the pager does not
    // offer, an unknown sort or grade, a type with markup, an over-long text: none reaches the server.
    expect(viewFromQuery({ period: '2020-01', page: '0', size: '500', sort: 'population', order: 'up', types: 'cdc,<b>', grades: 'E,B', q: 'x'.repeat(300) }, PERIODS)).toEqual({
      ...DEFAULT,
      types: ['cdc'],
      grades: ['B'],
      text: 'x'.repeat(128),
    });
    for (const page of ['1.5', '-2', 'abc', '1e400']) expect(viewFromQuery({ page }, PERIODS).page, page).toBe(1);
    // A repeated parameter (an array) is not a value.
    expect(viewFromQuery({ page: ['2', '3'], sort: ['name'] }, PERIODS)).toEqual(DEFAULT);
  });

  it('writes only what differs from the default, and reads back what it wrote', () => {
    expect(queryOfView(DEFAULT, PERIODS)).toEqual({ period: undefined, page: undefined, size: undefined, sort: undefined, order: undefined, types: undefined, grades: undefined, q: undefined });
    const view: RankingView = { period: '2026-09', page: 4, pageSize: 20, sort: 'name', order: 'desc', types: ['cdc', 'other'], grades: ['C'], text: ' 卫生院 ' };
    const query = queryOfView(view, PERIODS);
    expect(query).toEqual({ period: '2026-09', page: '4', size: '20', sort: 'name', order: 'desc', types: 'cdc,other', grades: 'C', q: '卫生院' });
    expect(viewFromQuery(query as Record<string, string>, PERIODS)).toEqual({ ...view, text: '卫生院' });
  });

  it('goes back to page 1 when anything but the page changes', () => {
    const on3 = { ...DEFAULT, page: 3 };
    expect(changeView(on3, { page: 5 }).page).toBe(5);
    expect(changeView(on3, { types: [] }).page).toBe(3);
    for (const change of [{ period: '2026-10' }, { pageSize: 100 }, { sort: 'score' as const }, { order: 'desc' as const }, { types: ['cdc'] }, { grades: ['A'] }, { text: '西' }]) {
      expect(changeView(on3, change), JSON.stringify(change)).toEqual({ ...on3, ...change, page: 1 });
    }
  });

  it('asks the server for the page, sort and filters, the current period as live', () => {
    expect(rankingInput('330000', DEFAULT, PERIODS)).toEqual({ regionCode: '330000', period: undefined, page: 1, pageSize: 50, sort: 'rank', order: 'asc' });
    expect(rankingInput('330106', { ...DEFAULT, period: '2026-10', page: 2, types: ['cdc'], grades: ['A'], text: '  北湖 ' }, PERIODS)).toEqual({
      regionCode: '330106',
      period: '2026-10',
      page: 2,
      pageSize: 50,
      sort: 'rank',
      order: 'asc',
      types: ['cdc'],
      grades: ['A'],
      text: '北湖',
    });
  });

  it('maps the table columns to the server sort keys and back', () => {
    expect(sortOfTable({ prop: 'failing.critical', order: 'descending' })).toEqual({ sort: 'critical', order: 'desc' });
    expect(sortOfTable({ prop: 'overdueMlps', order: 'ascending' })).toEqual({ sort: 'overdueMlps', order: 'asc' });
    // Clearing the sort, or a column the server does not sort by, is rank order.
    expect(sortOfTable({ prop: 'score', order: null })).toEqual({ sort: 'rank', order: 'asc' });
    expect(sortOfTable({ prop: 'regionName', order: 'ascending' })).toEqual({ sort: 'rank', order: 'asc' });
    expect(tableSort({ ...DEFAULT, sort: 'high', order: 'desc' })).toEqual({ prop: 'failing.high', order: 'descending' });
    expect(tableSort(DEFAULT)).toEqual({ prop: 'rank', order: 'ascending' });
    for (const sort of ['rank', 'name', 'type', 'score', 'grade', 'critical', 'high', 'coverage', 'overdueMlps', 'change'] as const) {
      expect(sortOfTable(tableSort({ ...DEFAULT, sort, order: 'desc' }))).toEqual({ sort, order: 'desc' });
    }
  });

  it('says which rows of the filtered total are shown', () => {
    expect(shownRange(1, 50, 50)).toEqual({ from: 1, to: 50 });
    expect(shownRange(3, 20, 7)).toEqual({ from: 41, to: 47 });
    expect(shownRange(9, 50, 0)).toEqual({ from: 0, to: 0 });
  });

  it('counts months back in China time across a year', () => {
    // 2027-01-01 02:00 in Beijing is still 2026-12-31 in UTC.
    expect(recentPeriods(new Date('2026-12-31T18:00:00Z'), 3)).toEqual(['2027-01', '2026-12', '2026-11']);
  });
});
