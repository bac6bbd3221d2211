import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import { hostsApi, type HostDetail, type HostListInput, type HostPage, type HostReceipt, type HostsApi, type LiveState } from '../api/hosts.js';
import type { ApiError } from '../api/errors.js';
import { debounceBatch } from '../lib/debounceBatch.js';
import { emptyResource, load, type Resource } from '../lib/resource.js';

/** Live changes arriving within this window cause one re-fetch per host. */
export const LIVE_DEBOUNCE_MS = 400;
/** Pause before subscribing again after the server ended a subscription with an error. */
export const LIVE_RETRY_MS = 5_000;

/**
 * Hosts: the list, the details of the hosts a view shows, and live updates. Views say what they
 * show (`watchList`, `watchHost`); the store loads it, subscribes to `hosts.live` while anything
 * is watched, and re-fetches only what changed.
 */
export function hostsStoreSetup(source: HostsApi) {
  return () => {
    // One page of the list, as the view on screen asks for it (showList).
    const list = reactive(emptyResource<HostPage>()) as Resource<HostPage>;
    let listInput: HostListInput = { limit: 50, offset: 0 };
    const details = reactive(new Map<string, Resource<HostDetail>>());
    const reports = reactive(new Map<string, Resource<HostReceipt[]>>());
    const liveState = ref<LiveState>('idle');
    // Why the live subscription last ended, if it did (tRPC reconnects dropped sockets itself).
    const liveError = ref<ApiError | null>(null);

    let listWatchers = 0;
    const hostWatchers = new Map<string, number>();
    let stopLive: (() => void) | null = null;
    // 'lost': the socket was open and dropped; events may have been missed meanwhile.
    let connection: 'never' | 'open' | 'lost' = 'never';

    const detailOf = (hostId: string) => {
      if (!details.has(hostId)) details.set(hostId, emptyResource());
      return details.get(hostId)!;
    };
    const reportsOf = (hostId: string) => {
      if (!reports.has(hostId)) reports.set(hostId, emptyResource());
      return reports.get(hostId)!;
    };

    const loadList = () => load(list, () => source.list(listInput));
    /** Another page, order or filter: the rows on screen stay until the server answers. */
    const showList = (input: HostListInput) => {
      listInput = input;
      return loadList();
    };
    const loadHost = (hostId: string) => Promise.all([load(detailOf(hostId), () => source.get(hostId)), load(reportsOf(hostId), () => source.reports(hostId))]).then(() => undefined);

    const changed = debounceBatch<string>((hostIds) => {
      if (listWatchers > 0) void loadList();
      for (const id of hostIds) if (hostWatchers.has(id)) void loadHost(id);
    }, LIVE_DEBOUNCE_MS);

    /** After a reconnect, events may have been missed: re-fetch everything on screen. */
    const refreshWatched = () => {
      if (listWatchers > 0) void loadList();
      for (const id of hostWatchers.keys()) void loadHost(id);
    };

    const ensureLive = () => {
      if (stopLive) return;
      connection = 'never';
      stopLive = source.live({
        onChange: (ev) => changed.add(ev.hostId),
        onState: (s) => {
          if (s === 'open') {
            if (connection === 'lost') refreshWatched();
            connection = 'open';
            liveError.value = null;
          } else if (connection === 'open') connection = 'lost';
          liveState.value = s;
        },
        onError: (e) => {
          // The server ended the subscription: resubscribe after a pause, unless the session is
          // gone (then the app goes to the sign-in page anyway), and re-fetch what may have been missed.
          liveError.value = e;
          stopLive = null;
          liveState.value = 'idle';
          if (e.kind === 'unauthorized') return;
          setTimeout(() => {
            if (stopLive || (listWatchers === 0 && hostWatchers.size === 0)) return;
            ensureLive();
            refreshWatched();
          }, LIVE_RETRY_MS);
        },
      });
    };
    const releaseLive = () => {
      if (listWatchers > 0 || hostWatchers.size > 0 || !stopLive) return;
      stopLive();
      stopLive = null;
      changed.cancel();
      liveState.value = 'idle';
    };

    /** Shows the host list (this page, or the last asked for) kept fresh with live changes; returns the release function (call it when the view goes away). */
    function watchList(input?: HostListInput): () => void {
      listWatchers++;
      ensureLive();
      if (input) listInput = input;
      void loadList();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        listWatchers--;
        releaseLive();
      };
    }

    /** Shows one host's detail and report receipts; returns the release function. */
    function watchHost(hostId: string): () => void {
      hostWatchers.set(hostId, (hostWatchers.get(hostId) ?? 0) + 1);
      ensureLive();
      void loadHost(hostId);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const n = (hostWatchers.get(hostId) ?? 1) - 1;
        if (n > 0) hostWatchers.set(hostId, n);
        else hostWatchers.delete(hostId);
        releaseLive();
      };
    }

    return { list, details, reports, liveState, liveError, detailOf, reportsOf, loadList, showList, loadHost, watchList, watchHost };
  };
}

export const useHostsStore = defineStore('hosts', hostsStoreSetup(hostsApi));
