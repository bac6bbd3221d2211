import { createPinia, defineStore, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors.js';
import type { HostChange, HostDetail, HostsApi, HostSummary, LiveState } from '../api/hosts.js';
import { hostsStoreSetup, LIVE_DEBOUNCE_MS, LIVE_RETRY_MS } from './hosts.js';

/** An in-memory stand-in for the server's host API (the network boundary), counting calls. */
function fakeSource() {
  const calls = { list: 0, get: [] as string[], reports: [] as string[], subscribed: 0, unsubscribed: 0 };
  let handlers: Parameters<HostsApi['live']>[0] | null = null;
  let failList: ApiError | null = null;
  const summary = (id: string): HostSummary => ({
    id,
    hostname: `host-${id}`,
    institutionCode: 'I1',
    institutionName: '医院',
    regionCode: '330106',
    status: 'active',
    firstSeenAt: '2026-11-23T00:00:00.000Z',
    lastReportAt: null,
    lastSeenAt: null,
    score: null,
    failing: null,
  });
  const source: HostsApi = {
    list: async () => {
      calls.list++;
      if (failList) throw failList;
      return { items: [summary('h1'), summary('h2')], total: 2, limit: 50, offset: 0 };
    },
    get: async (id) => {
      calls.get.push(id);
      return { ...summary(id), regionCode: null, machineId: null, sections: {} } as unknown as HostDetail;
    },
    reports: async (id) => {
      calls.reports.push(id);
      return [];
    },
    live: (h) => {
      calls.subscribed++;
      handlers = h;
      return () => {
        calls.unsubscribed++;
        handlers = null;
      };
    },
  };
  const change = (hostId: string): HostChange => ({ hostId, institutionCode: 'I1', at: new Date().toISOString(), reason: 'report' });
  return {
    source,
    calls,
    push: (hostId: string) => handlers!.onChange(change(hostId)),
    state: (s: LiveState) => handlers!.onState(s),
    fail: (e: ApiError) => handlers!.onError(e),
    failListWith: (e: ApiError | null) => (failList = e),
  };
}

const flush = () => vi.advanceTimersByTimeAsync(0);
const makeStore = (source: HostsApi) => defineStore('hosts', hostsStoreSetup(source))();

describe('hosts store', () => {
  let fake: ReturnType<typeof fakeSource>;
  let store: ReturnType<typeof makeStore>;
  beforeEach(() => {
    vi.useFakeTimers();
    setActivePinia(createPinia());
    fake = fakeSource();
    store = makeStore(fake.source);
  });
  afterEach(() => vi.useRealTimers());

  it('loads the list when watched and keeps it with the error when a refresh fails', async () => {
    const release = store.watchList();
    await flush();
    expect(store.list.data?.items.map((h) => h.id)).toEqual(['h1', 'h2']);
    fake.failListWith(new ApiError('network', 'down'));
    await store.loadList();
    expect(store.list.data?.items).toHaveLength(2);
    expect(store.list.error?.kind).toBe('network');
    release();
  });

  it('re-fetches a changed host once per burst of live events, and only hosts on screen', async () => {
    const release = store.watchHost('h1');
    await flush();
    expect(fake.calls.get).toEqual(['h1']);
    fake.push('h1');
    fake.push('h1');
    fake.push('h2'); // not on screen: not fetched
    await vi.advanceTimersByTimeAsync(LIVE_DEBOUNCE_MS - 1);
    expect(fake.calls.get).toEqual(['h1']);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.calls.get).toEqual(['h1', 'h1']);
    expect(fake.calls.reports).toEqual(['h1', 'h1']);
    expect(fake.calls.list).toBe(0);
    release();
  });

  it('subscribes once while anything is watched and unsubscribes after the last release', async () => {
    const a = store.watchList();
    const b = store.watchHost('h1');
    const c = store.watchHost('h1');
    expect(fake.calls.subscribed).toBe(1);
    a();
    b();
    a(); // a second release of the same watch changes nothing
    expect(fake.calls.unsubscribed).toBe(0);
    c();
    expect(fake.calls.unsubscribed).toBe(1);
    expect(store.liveState).toBe('idle');
  });

  it('re-fetches what is on screen after the socket reconnects, not on the first connect', async () => {
    store.watchList();
    store.watchHost('h2');
    await flush();
    fake.state('connecting');
    fake.state('open');
    await flush();
    expect(fake.calls.list).toBe(1);
    expect(store.liveState).toBe('open');
    fake.state('connecting');
    expect(store.liveState).toBe('connecting');
    fake.state('open');
    await flush();
    expect(fake.calls.list).toBe(2);
    expect(fake.calls.get).toEqual(['h2', 'h2']);
  });

  it('subscribes again after the server ends the subscription with an error, and re-fetches', async () => {
    store.watchHost('h1');
    await flush();
    fake.fail(new ApiError('server', 'internal server error'));
    expect(store.liveError?.kind).toBe('server');
    await vi.advanceTimersByTimeAsync(LIVE_RETRY_MS);
    expect(fake.calls.subscribed).toBe(2);
    expect(fake.calls.get).toEqual(['h1', 'h1']);
  });

  it('does not resubscribe when the session is gone', async () => {
    store.watchHost('h1');
    fake.fail(new ApiError('unauthorized', 'no session'));
    await vi.advanceTimersByTimeAsync(LIVE_RETRY_MS * 2);
    expect(fake.calls.subscribed).toBe(1);
  });
});

describe('hosts store: the page on screen', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('asks for the page the view shows, also when live changes refresh it', async () => {
    vi.useFakeTimers();
    try {
      const fake = fakeSource();
      const inputs: unknown[] = [];
      const store = makeStore({ ...fake.source, list: (i) => (inputs.push(i), fake.source.list(i)) });
      const first = { regionCode: '330106', sort: 'score' as const, desc: false, limit: 20, offset: 0 };
      const release = store.watchList(first);
      await flush();
      await store.showList({ ...first, offset: 20 });
      fake.push('h1');
      await vi.advanceTimersByTimeAsync(LIVE_DEBOUNCE_MS);
      expect(inputs).toEqual([first, { ...first, offset: 20 }, { ...first, offset: 20 }]);
      release();
    } finally {
      vi.useRealTimers();
    }
  });
});
