import { createPinia, defineStore, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Alert, AlertChange, AlertDetail, AlertsApi } from '../api/alerts.js';
import { ApiError } from '../api/errors.js';
import { alertsStoreSetup, applyChange, LIVE_RETRY_MS, type AlertQuery } from './alerts.js';

const alert = (id: string, over: Partial<Alert> = {}): Alert => ({
  id,
  kind: 'finding',
  subjectKind: 'host',
  subjectId: 'h1',
  ruleId: 'HOST-PORT-RDP-PUBLIC',
  title: { zh: '远程桌面暴露在公网', en: 'RDP exposed' },
  severity: 'critical',
  status: 'open',
  institutionCode: 'I1',
  regionCode: '330106',
  subjectName: 'his-01',
  institutionName: '西湖区人民医院',
  evidence: { zh: '3389', en: '3389' },
  count: 1,
  openedAt: '2026-11-23T00:00:00.000Z',
  lastSeenAt: '2026-11-23T00:00:00.000Z',
  acknowledgedAt: null,
  acknowledgedBy: null,
  assignee: null,
  resolvedAt: null,
  resolvedBy: null,
  updatedAt: '2026-11-23T00:00:00.000Z',
  ...over,
});
const change = (a: Alert, kind: AlertChange['change'] = 'updated'): AlertChange => ({ change: kind, regionCode: a.regionCode, institutionCode: a.institutionCode, at: a.updatedAt, alert: a });
const q = (over: Partial<AlertQuery> = {}): AlertQuery => ({ status: ['open'], severity: [], regionCode: '330106', institutionCode: null, page: 1, ...over });

describe('applyChange', () => {
  const page = { items: [alert('a1'), alert('a2')], total: 2, limit: 20, offset: 0 };

  it('puts a new matching alert on top of the first page and counts it', () => {
    const next = applyChange(page, change(alert('a3'), 'opened'), q());
    expect(next.items.map((a) => a.id)).toEqual(['a3', 'a1', 'a2']);
    expect(next.total).toBe(3);
    expect(applyChange(page, change(alert('a3'), 'opened'), q({ page: 2 })).items).toHaveLength(2);
  });

  it('takes an alert off a page it no longer matches', () => {
    const next = applyChange(page, change(alert('a2', { status: 'acknowledged' })), q());
    expect(next.items.map((a) => a.id)).toEqual(['a1']);
    expect(next.total).toBe(1);
    const kept = applyChange(page, change(alert('a2', { status: 'acknowledged' })), q({ status: ['open', 'acknowledged'] }));
    expect(kept.items.map((a) => [a.id, a.status])).toEqual([
      ['a2', 'acknowledged'],
      ['a1', 'open'],
    ]);
  });

  it('ignores alerts of other regions and severities', () => {
    expect(applyChange(page, change(alert('x', { regionCode: '330108' }), 'opened'), q())).toBe(page);
    expect(applyChange(page, change(alert('x'), 'opened'), q({ severity: ['high'] }))).toBe(page);
    // A city filter covers its counties.
    expect(applyChange(page, change(alert('x'), 'opened'), q({ regionCode: '330100' })).total).toBe(3);
  });
});

function fakeSource() {
  let handlers: Parameters<AlertsApi['live']>[0] | null = null;
  const calls = { list: 0, subscribed: 0 };
  const detail = (a: Alert): AlertDetail => ({ ...a, events: [] });
  const source: AlertsApi = {
    list: async () => {
      calls.list++;
      return { items: [alert('a1'), alert('a2')], total: 2, limit: 20, offset: 0 };
    },
    get: async (id) => detail(alert(id)),
    acknowledge: async (id) => alert(id, { status: 'acknowledged', acknowledgedBy: 'county' }),
    assign: async (id, userId) => alert(id, { assignee: userId ? { id: userId, name: '张三' } : null }),
    comment: async (id) => alert(id),
    resolve: async () => {
      throw new ApiError('badRequest', 'alert a1 is already resolved');
    },
    live: (h) => {
      calls.subscribed++;
      handlers = h;
      return () => (handlers = null);
    },
  };
  return { source, calls, push: (c: AlertChange) => handlers!.onChange(c), fail: (e: ApiError) => handlers!.onError(e), state: (s: 'open' | 'connecting') => handlers!.onState(s) };
}

const makeStore = (source: AlertsApi) => defineStore('alerts', alertsStoreSetup(source))();

describe('alerts store', () => {
  let fake: ReturnType<typeof fakeSource>;
  let store: ReturnType<typeof makeStore>;
  beforeEach(() => {
    vi.useFakeTimers();
    setActivePinia(createPinia());
    fake = fakeSource();
    store = makeStore(fake.source);
  });
  afterEach(() => vi.useRealTimers());

  it('acknowledges in place: the row changes status without reloading the page', async () => {
    await store.setQuery({ regionCode: '330106' });
    expect(store.page.data?.items.map((a) => a.status)).toEqual(['open', 'open']);
    expect(await store.acknowledge('a2')).toBe(true);
    expect(store.page.data?.items[0]).toMatchObject({ id: 'a2', status: 'acknowledged' });
    expect(fake.calls.list).toBe(1);
  });

  it('keeps the error of refused work beside the list', async () => {
    await store.loadPage();
    expect(await store.resolve('a1')).toBe(false);
    expect(store.actionError?.kind).toBe('badRequest');
    expect(store.page.data?.items).toHaveLength(2);
  });

  it('feeds live changes to the list and the feed, and resubscribes after the server ends it', async () => {
    const release = store.watchLive();
    await store.loadPage();
    fake.push(change(alert('a9'), 'opened'));
    expect(store.page.data?.items[0]?.id).toBe('a9');
    expect(store.feed.map((f) => f.alert.id)).toEqual(['a9']);
    fake.fail(new ApiError('server', 'gone'));
    await vi.advanceTimersByTimeAsync(LIVE_RETRY_MS);
    expect(fake.calls.subscribed).toBe(2);
    expect(fake.calls.list).toBe(2);
    release();
  });

  it('reloads the page after the socket comes back, not on the first connect', async () => {
    store.watchLive();
    fake.state('open');
    expect(fake.calls.list).toBe(0);
    fake.state('connecting');
    fake.state('open');
    expect(fake.calls.list).toBe(1);
  });
});

describe('applyChange under severity order', () => {
  const sorted = { items: [alert('c1'), alert('h1', { severity: 'high' }), alert('m1', { severity: 'medium' })], total: 3, limit: 20, offset: 0 };
  const bySeverity = q({ sort: 'severity' });

  it('puts a new alert on top of its severity, not above worse ones', () => {
    expect(applyChange(sorted, change(alert('h2', { severity: 'high' }), 'opened'), bySeverity).items.map((a) => a.id)).toEqual(['c1', 'h2', 'h1', 'm1']);
    expect(applyChange(sorted, change(alert('l1', { severity: 'low' }), 'opened'), bySeverity).items.map((a) => a.id)).toEqual(['c1', 'h1', 'm1', 'l1']);
    expect(applyChange(sorted, change(alert('c2'), 'opened'), bySeverity).items.map((a) => a.id)).toEqual(['c2', 'c1', 'h1', 'm1']);
  });

  it('keeps a changed alert among its severity', () => {
    expect(applyChange(sorted, change(alert('m1', { severity: 'medium', status: 'open' })), bySeverity).items.map((a) => a.id)).toEqual(['c1', 'h1', 'm1']);
  });
});

describe('alerts store: confirming work', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('asks the server for severity order by default, and keeps the last work that succeeded for the view to confirm', async () => {
    const fake = fakeSource();
    const filters: unknown[] = [];
    const store = makeStore({ ...fake.source, list: (f) => (filters.push(f), fake.source.list(f)) });
    await store.setQuery({ regionCode: '330106' });
    expect(filters[0]).toMatchObject({ sort: 'severity', regionCode: '330106' });
    expect(store.done).toBeNull();
    await store.acknowledge('a2');
    expect(store.done).toMatchObject({ action: 'acknowledged', alert: { id: 'a2', acknowledgedBy: 'county' } });
    await store.resolve('a1');
    expect(store.done?.action).toBe('acknowledged');
  });
});
