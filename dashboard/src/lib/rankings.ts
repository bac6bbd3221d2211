import type { LocationQuery, LocationQueryRaw } from 'vue-router';
import type { RankingInput, RankingSort } from '../api/institutions.js';
import { GRADE_LETTERS } from './overviewCharts.js';

/**
 * What the rankings view asks the server for, kept in the URL (`?period=…&page=…&size=…&sort=…&order=…
 * &types=…&grades=…&q=…`, defaults left out) so that a link or a reload shows the same page.
 */
export interface RankingView {
  /** YYYY-MM; the first of `periods` is the current (live) one. */
  period: string;
  page: number;
  pageSize: number;
  sort: RankingSort;
  order: 'asc' | 'desc';
  types: string[];
  grades: string[];
  text: string;
}

export const PAGE_SIZES = [20, 50, 100, 200] as const;
const DEFAULT_PAGE_SIZE = 50;
/** The server's bound on the name filter (an institution name's length). */
export const TEXT_MAX = 128;

/** The table's column props and the server's sort keys: the counts are nested in the rows. */
const SORT_OF_PROP = {
  rank: 'rank',
  name: 'name',
  type: 'type',
  score: 'score',
  grade: 'grade',
  'failing.critical': 'critical',
  'failing.high': 'high',
  coverage: 'coverage',
  overdueMlps: 'overdueMlps',
  change: 'change',
} as const satisfies Record<string, RankingSort>;
const PROP_OF_SORT = Object.fromEntries(Object.entries(SORT_OF_PROP).map(([prop, sort]) => [sort, prop])) as Record<RankingSort, string>;

/** The name filter as sent: without outer spaces, within the server's bound. */
const cleanText = (text: string) => text.trim().slice(0, TEXT_MAX);
/** The current period is asked for as "no period" (live). */
const periodParam = (v: RankingView, periods: readonly string[]) => (v.period === periods[0] ? undefined : v.period);

const one = (v: LocationQuery[string] | undefined) => (typeof v === 'string' ? v : undefined);
const list = (v: LocationQuery[string] | undefined, ok: (s: string) => boolean) => [...new Set((one(v) ?? '').split(',').filter(ok))];

/** The view a URL asks for; anything unknown or out of bounds falls back to the default, never to an error. */
export function viewFromQuery(q: LocationQuery, periods: readonly string[]): RankingView {
  const page = Number(one(q.page));
  const size = Number(one(q.size));
  const sort = one(q.sort);
  return {
    period: periods.find((p) => p === one(q.period)) ?? periods[0]!,
    page: Number.isSafeInteger(page) && page >= 1 ? page : 1,
    pageSize: (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_PAGE_SIZE,
    sort: sort && sort in PROP_OF_SORT ? (sort as RankingSort) : 'rank',
    order: one(q.order) === 'desc' ? 'desc' : 'asc',
    // The server knows the types; a made-up one comes back as a clear refusal.
    types: list(q.types, (s) => /^[a-z][a-z-]{0,63}$/.test(s)),
    grades: list(q.grades, (s) => (GRADE_LETTERS as readonly string[]).includes(s)),
    text: (one(q.q) ?? '').slice(0, TEXT_MAX),
  };
}

/** The URL query of a view: every key it owns, a default as undefined so that the router drops it. */
export function queryOfView(v: RankingView, periods: readonly string[]): LocationQueryRaw {
  return {
    period: periodParam(v, periods),
    page: v.page === 1 ? undefined : String(v.page),
    size: v.pageSize === DEFAULT_PAGE_SIZE ? undefined : String(v.pageSize),
    sort: v.sort === 'rank' ? undefined : v.sort,
    order: v.order === 'asc' ? undefined : v.order,
    types: v.types.length ? v.types.join(',') : undefined,
    grades: v.grades.length ? v.grades.join(',') : undefined,
    q: cleanText(v.text) || undefined,
  };
}

/** A paged view changed: any change but the page itself starts again at page 1 (the old page may not exist). */
export function changeView<V extends { page: number }>(v: V, change: Partial<V>): V {
  const next = { ...v, ...change };
  const same = (k: keyof V) => JSON.stringify(next[k]) === JSON.stringify(v[k]);
  const others = (Object.keys(next) as Array<keyof V>).filter((k) => k !== 'page');
  return others.every(same) ? next : { ...next, page: 1 };
}

/** What the server is asked for. */
export function rankingInput(regionCode: string, v: RankingView, periods: readonly string[]): RankingInput {
  const text = cleanText(v.text);
  return {
    regionCode,
    period: periodParam(v, periods),
    page: v.page,
    pageSize: v.pageSize,
    sort: v.sort,
    order: v.order,
    ...(v.types.length ? { types: v.types as RankingInput['types'] } : {}),
    ...(v.grades.length ? { grades: v.grades as RankingInput['grades'] } : {}),
    ...(text ? { text } : {}),
  };
}

type TableOrder = 'ascending' | 'descending' | null;
/** The table's sort indicator for a view. */
export const tableSort = (v: RankingView) => ({ prop: PROP_OF_SORT[v.sort], order: v.order === 'desc' ? ('descending' as const) : ('ascending' as const) });
/** A click on a column header; clearing the sort goes back to rank order. */
export function sortOfTable(e: { prop: string | null; order: TableOrder }): Pick<RankingView, 'sort' | 'order'> {
  const sort = e.prop && e.order ? (SORT_OF_PROP as Record<string, RankingSort>)[e.prop] : undefined;
  return sort ? { sort, order: e.order === 'descending' ? 'desc' : 'asc' } : { sort: 'rank', order: 'asc' };
}

/** 1-based positions of the rows on screen within the filtered total ("showing 51–100 of 734"). */
export function shownRange(page: number, pageSize: number, rows: number): { from: number; to: number } {
  const from = (page - 1) * pageSize;
  return rows ? { from: from + 1, to: from + rows } : { from: 0, to: 0 };
}

/** The last `n` months as YYYY-MM, newest first, in China time (periods are China calendar months). */
export function recentPeriods(now: Date, n: number): string[] {
  const [y, m] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(now).split('-').map(Number) as [number, number];
  return Array.from({ length: n }, (_, i) => {
    const d = new Date(Date.UTC(y, m - 1 - i, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  });
}
