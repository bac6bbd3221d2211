import { describe, expect, it } from 'vitest';
import { changeHostView, hostListInput, hostSortOfTable, hostViewFromQuery, queryOfHostView } from './hostList.js';

describe('the host list view in the URL', () => {
  it('reads a link back to the same page, and drops defaults and made-up values', () => {
    const view = hostViewFromQuery({ page: '3', size: '20', sort: 'score', order: 'desc', q: ' his ', institution: 'ZJ-1', status: 'stale,bogus', risk: 'critical,high' });
    expect(view).toEqual({ page: 3, pageSize: 20, sort: 'score', order: 'desc', text: ' his ', institution: 'ZJ-1', status: ['stale'], risk: ['critical', 'high'] });
    expect(queryOfHostView(view)).toEqual({ page: '3', size: '20', sort: 'score', order: 'desc', q: 'his', institution: 'ZJ-1', status: 'stale', risk: 'critical,high' });
    expect(Object.values(queryOfHostView(hostViewFromQuery({ page: '-1', size: '1000', sort: 'drop table' }))).filter((v) => v !== undefined)).toEqual([]);
  });

  it('asks the server for one page of the region, and goes back to page 1 on any other change', () => {
    const view = hostViewFromQuery({ page: '3', size: '20' });
    expect(hostListInput('330106', view)).toEqual({ regionCode: '330106', sort: 'hostname', desc: false, limit: 20, offset: 40 });
    expect(changeHostView(view, { page: 4 }).page).toBe(4);
    expect(changeHostView(view, { risk: ['critical'] }).page).toBe(1);
    expect(hostListInput(null, changeHostView(view, { text: 'pacs', status: ['active'] }))).toEqual({ q: 'pacs', status: ['active'], sort: 'hostname', desc: false, limit: 20, offset: 0 });
  });

  it('maps header clicks to the server orders', () => {
    expect(hostSortOfTable({ prop: 'score', order: 'ascending' })).toEqual({ sort: 'score', order: 'asc' });
    expect(hostSortOfTable({ prop: 'lastSeenAt', order: 'descending' })).toEqual({ sort: 'lastSeen', order: 'desc' });
    expect(hostSortOfTable({ prop: null, order: null })).toEqual({ sort: 'hostname', order: 'asc' });
  });
});
