import { regionWithin } from '@weian/shared';
import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import { alertsApi, type Alert, type AlertChange, type AlertDetail, type AlertFilter, type AlertPage, type AlertsApi, type AlertStatus } from '../api/alerts.js';
import type { ApiError } from '../api/errors.js';
import type { LiveState } from '../api/hosts.js';
import type { Severity } from '../api/types.js';
import { emptyResource, load, type Resource } from '../lib/resource.js';

export const PAGE_SIZE = 20;
/** Changes kept for the overview's live feed. */
export const FEED_SIZE = 30;
export const LIVE_RETRY_MS = 5_000;

export interface AlertQuery {
  status: AlertStatus[];
  severity: Severity[];
  regionCode: string | null;
  institutionCode: string | null;
  page: number;
  /** The server's order: 'severity' (critical first, newest within) or, when absent, newest activity first. */
  sort?: AlertSort;
}
export type AlertSort = 'recent' | 'severity';
export type AlertAction = 'acknowledged' | 'assigned' | 'commented' | 'resolved';
const RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** A changed alert is the newest activity: on top, or under severity order on top of its severity. */
function placed(items: Alert[], a: Alert, sort: AlertSort | undefined): Alert[] {
  if (sort !== 'severity') return [a, ...items];
  const at = items.findIndex((x) => RANK[x.severity] >= RANK[a.severity]);
  return at < 0 ? [...items, a] : [...items.slice(0, at), a, ...items.slice(at)];
}

const inRegion = (regionCode: string, region: string | null) => !region || regionWithin(regionCode, region);

/** Whether an alert belongs on the page the query describes. */
export function matches(a: Alert, q: AlertQuery): boolean {
  return (
    (!q.status.length || q.status.includes(a.status)) &&
    (!q.severity.length || q.severity.includes(a.severity)) &&
    inRegion(a.regionCode, q.regionCode) &&
    (!q.institutionCode || a.institutionCode === q.institutionCode)
  );
}

/**
 * A live change applied to the page on screen without asking the server: a known alert is
 * replaced (or leaves the page when it no longer matches, e.g. acknowledged under "open"), a new
 * matching one goes on top of the first page. The list is newest activity first, like the server's.
 */
export function applyChange(page: AlertPage, change: AlertChange, q: AlertQuery): AlertPage {
  const a = change.alert;
  const at = page.items.findIndex((x) => x.id === a.id);
  const fits = matches(a, q);
  if (at >= 0) {
    const items = page.items.filter((x) => x.id !== a.id);
    return fits ? { ...page, items: placed(items, a, q.sort) } : { ...page, items, total: Math.max(0, page.total - 1) };
  }
  if (!fits) return page;
  return q.page === 1 ? { ...page, items: placed(page.items, a, q.sort).slice(0, page.limit), total: page.total + 1 } : { ...page, total: page.total + 1 };
}

export const filterOf = (q: AlertQuery): AlertFilter => ({
  ...(q.status.length ? { status: q.status } : {}),
  ...(q.severity.length ? { severity: q.severity } : {}),
  ...(q.regionCode ? { regionCode: q.regionCode } : {}),
  ...(q.institutionCode ? { institutionCode: q.institutionCode } : {}),
  ...(q.sort ? { sort: q.sort } : {}),
  limit: PAGE_SIZE,
  offset: (q.page - 1) * PAGE_SIZE,
});

/**
 * Alerts: one filtered page, the open alert's detail, the work on it (acknowledge, assign,
 * comment, resolve), and live changes from `alerts.live` applied in place plus a feed of the
 * latest ones for the overview.
 */
export function alertsStoreSetup(source: AlertsApi) {
  return () => {
    // The worst first: a bureau works critical alerts before the rest.
    const query = reactive<AlertQuery>({ status: ['open', 'acknowledged'], severity: [], regionCode: null, institutionCode: null, page: 1, sort: 'severity' });
    const page = reactive(emptyResource<AlertPage>()) as Resource<AlertPage>;
    const detail = reactive(emptyResource<AlertDetail>()) as Resource<AlertDetail>;
    const feed = ref<AlertChange[]>([]);
    const liveState = ref<LiveState>('idle');
    const liveError = ref<ApiError | null>(null);
    const busy = ref<string | null>(null);
    const actionError = ref<ApiError | null>(null);
    /** The last piece of work that succeeded, for the view to confirm it to the user. */
    const done = ref<{ action: AlertAction; alert: Alert } | null>(null);
    let watchers = 0;
    let stop: (() => void) | null = null;
    let everOpen = false;

    const loadPage = () => load(page, () => source.list(filterOf(query)));
    const openDetail = (id: string) => load(detail, () => source.get(id));
    const closeDetail = () => Object.assign(detail, emptyResource<AlertDetail>());

    function setQuery(change: Partial<AlertQuery>) {
      Object.assign(query, { page: 1 }, change);
      return loadPage();
    }

    function onChange(ev: AlertChange) {
      feed.value = [ev, ...feed.value.filter((f) => !(f.alert.id === ev.alert.id && f.change === ev.change))].slice(0, FEED_SIZE);
      if (page.data) page.data = applyChange(page.data, ev, query);
      // The detail on screen changed: its events (comments…) come only with the detail.
      if (detail.data?.id === ev.alert.id) void openDetail(ev.alert.id);
    }

    const subscribe = () => {
      stop = source.live({
        onChange,
        onState: (s) => {
          // After a dropped socket, what arrived meanwhile is read again.
          if (s === 'open' && everOpen && liveState.value !== 'open') void loadPage();
          if (s === 'open') {
            everOpen = true;
            liveError.value = null;
          }
          liveState.value = s;
        },
        onError: (e) => {
          liveError.value = e;
          stop = null;
          liveState.value = 'idle';
          if (e.kind === 'unauthorized' || e.kind === 'notFound') return;
          setTimeout(() => {
            if (stop || watchers === 0) return;
            subscribe();
            void loadPage();
          }, LIVE_RETRY_MS);
        },
      });
    };

    /** Keeps live changes coming while a view shows alerts; returns the release function. */
    function watchLive(): () => void {
      watchers++;
      if (!stop) subscribe();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (--watchers > 0 || !stop) return;
        stop();
        stop = null;
        liveState.value = 'idle';
      };
    }

    /** Runs one piece of work on an alert and shows its result in the list and the detail. */
    async function act(alertId: string, action: AlertAction, work: () => Promise<Alert>): Promise<boolean> {
      busy.value = alertId;
      actionError.value = null;
      try {
        const updated = await work();
        done.value = { action, alert: updated };
        if (page.data)
          page.data = applyChange(
            page.data,
            { change: updated.status === 'resolved' ? 'resolved' : 'updated', regionCode: updated.regionCode, institutionCode: updated.institutionCode, at: updated.updatedAt, alert: updated },
            query,
          );
        // The answer carries no history: the open detail reads its events again.
        if (detail.data?.id === alertId) void openDetail(alertId);
        return true;
      } catch (e) {
        actionError.value = e as ApiError;
        return false;
      } finally {
        busy.value = null;
      }
    }

    return {
      query,
      page,
      detail,
      feed,
      liveState,
      liveError,
      busy,
      actionError,
      loadPage,
      setQuery,
      openDetail,
      closeDetail,
      watchLive,
      done,
      acknowledge: (id: string) => act(id, 'acknowledged', () => source.acknowledge(id)),
      assign: (id: string, userId: string | null) => act(id, 'assigned', () => source.assign(id, userId)),
      comment: (id: string, text: string) => act(id, 'commented', () => source.comment(id, text)),
      resolve: (id: string, note?: string) => act(id, 'resolved', () => source.resolve(id, note)),
    };
  };
}

export const useAlertsStore = defineStore('alerts', alertsStoreSetup(alertsApi));
