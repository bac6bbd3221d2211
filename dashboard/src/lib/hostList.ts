import type { LocationQuery, LocationQueryRaw } from 'vue-router';
import type { HostListInput } from '../api/hosts.js';
import { changeView } from './rankings.js';

export const HOST_STATUSES = ['active', 'stale', 'retired'] as const;
export const HOST_RISKS = ['critical', 'high', 'none', 'unknown'] as const;
export const HOST_SORTS = ['hostname', 'score', 'lastSeen'] as const;
export type HostSort = (typeof HOST_SORTS)[number];
export const HOST_PAGE_SIZES = [20, 50, 100] as const;
const DEFAULT_PAGE_SIZE = 50;
/** The server's bound on the name search. */
export const HOST_TEXT_MAX = 100;

/**
 * What the host list asks the server for, kept in the URL (`?page=…&size=…&sort=…&order=…&q=…
 * &institution=…&status=…&risk=…`, defaults left out) so that a link or a reload shows the same page.
 */
export interface HostListView {
  page: number;
  pageSize: number;
  sort: HostSort;
  order: 'asc' | 'desc';
  text: string;
  institution: string | null;
  status: string[];
  risk: string[];
}

const one = (v: LocationQuery[string] | undefined) => (typeof v === 'string' ? v : undefined);
const listOf = (v: LocationQuery[string] | undefined, allowed: readonly string[]) => [...new Set((one(v) ?? '').split(',').filter((s) => allowed.includes(s)))];

/** The view a URL asks for; anything unknown falls back to the default, never to an error. */
export function hostViewFromQuery(q: LocationQuery): HostListView {
  const page = Number(one(q.page));
  const size = Number(one(q.size));
  const sort = one(q.sort);
  return {
    page: Number.isSafeInteger(page) && page >= 1 ? page : 1,
    pageSize: (HOST_PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_PAGE_SIZE,
    sort: (HOST_SORTS as readonly string[]).includes(sort ?? '') ? (sort as HostSort) : 'hostname',
    order: one(q.order) === 'desc' ? 'desc' : 'asc',
    text: (one(q.q) ?? '').slice(0, HOST_TEXT_MAX),
    institution: one(q.institution)?.slice(0, 64) || null,
    status: listOf(q.status, HOST_STATUSES),
    risk: listOf(q.risk, HOST_RISKS),
  };
}

/** The URL query of a view: every key it owns, a default as undefined so that the router drops it. */
export function queryOfHostView(v: HostListView): LocationQueryRaw {
  return {
    page: v.page === 1 ? undefined : String(v.page),
    size: v.pageSize === DEFAULT_PAGE_SIZE ? undefined : String(v.pageSize),
    sort: v.sort === 'hostname' ? undefined : v.sort,
    order: v.order === 'asc' ? undefined : v.order,
    q: v.text.trim() || undefined,
    institution: v.institution ?? undefined,
    status: v.status.length ? v.status.join(',') : undefined,
    risk: v.risk.length ? v.risk.join(',') : undefined,
  };
}

/** Any change but the page itself starts again at page 1 (the rankings' rule, the same for hosts). */
export const changeHostView = (v: HostListView, change: Partial<HostListView>): HostListView => changeView(v, change);

/** What the server is asked for: one page of the region on screen. */
export function hostListInput(regionCode: string | null, v: HostListView): HostListInput {
  const text = v.text.trim();
  return {
    ...(regionCode ? { regionCode } : {}),
    ...(v.institution ? { institutionCode: v.institution } : {}),
    ...(text ? { q: text } : {}),
    ...(v.status.length ? { status: v.status as HostListInput['status'] } : {}),
    ...(v.risk.length ? { risk: v.risk as HostListInput['risk'] } : {}),
    sort: v.sort,
    desc: v.order === 'desc',
    limit: v.pageSize,
    offset: (v.page - 1) * v.pageSize,
  };
}

type TableOrder = 'ascending' | 'descending' | null;
/** The table's column props and the server's orders. */
const SORT_OF_PROP: Record<string, HostSort> = { hostname: 'hostname', score: 'score', lastSeenAt: 'lastSeen' };
export const hostTableSort = (v: HostListView) => ({
  prop: Object.keys(SORT_OF_PROP).find((p) => SORT_OF_PROP[p] === v.sort)!,
  order: v.order === 'desc' ? ('descending' as const) : ('ascending' as const),
});
/** A click on a column header; clearing the sort goes back to hostname order. */
export function hostSortOfTable(e: { prop: string | null; order: TableOrder }): Pick<HostListView, 'sort' | 'order'> {
  const sort = e.prop && e.order ? SORT_OF_PROP[e.prop] : undefined;
  return sort ? { sort, order: e.order === 'descending' ? 'desc' : 'asc' } : { sort: 'hostname', order: 'asc' };
}
