import { api, type ApiClient } from './client.js';
import { call, handleError, type ApiError } from './errors.js';
import type { LiveState } from './hosts.js';
import type { Out } from './types.js';

type A = ApiClient['alerts'];
export type AlertPage = Out<A['list']['query']>;
export type Alert = AlertPage['items'][number];
export type AlertStatus = Alert['status'];
export const ALERT_STATUSES: readonly AlertStatus[] = ['open', 'acknowledged', 'resolved'];
export type AlertDetail = Out<A['get']['query']>;
export type AlertEvent = AlertDetail['events'][number];
/** What alerts.live pushes (server/src/services/alerts.ts AlertChange). */
export interface AlertChange {
  change: 'opened' | 'updated' | 'resolved';
  regionCode: string;
  institutionCode: string;
  at: string;
  alert: Alert;
}
export type AlertFilter = NonNullable<Parameters<A['list']['query']>[0]>;

/** The alert calls the dashboard makes; the store takes this interface so its logic is tested alone. */
export interface AlertsApi {
  list(filter: AlertFilter): Promise<AlertPage>;
  get(alertId: string): Promise<AlertDetail>;
  /** Work on an alert answers with the alert alone (not its history, which only grows). */
  acknowledge(alertId: string): Promise<Alert>;
  assign(alertId: string, userId: string | null): Promise<Alert>;
  comment(alertId: string, text: string): Promise<Alert>;
  resolve(alertId: string, note?: string): Promise<Alert>;
  live(handlers: { onChange(ev: AlertChange): void; onState(s: LiveState): void; onError(e: ApiError): void }): () => void;
}

export const alertsApi: AlertsApi = {
  list: (filter) => call(() => api().alerts.list.query(filter)),
  get: (alertId) => call(() => api().alerts.get.query({ alertId })),
  acknowledge: (alertId) => call(() => api().alerts.acknowledge.mutate({ alertId })),
  assign: (alertId, userId) => call(() => api().alerts.assign.mutate({ alertId, userId })),
  comment: (alertId, text) => call(() => api().alerts.comment.mutate({ alertId, text })),
  resolve: (alertId, note) => call(() => api().alerts.resolve.mutate({ alertId, note })),
  live(handlers) {
    const sub = api().alerts.live.subscribe(undefined, {
      onData: handlers.onChange,
      onConnectionStateChange: (s) => handlers.onState(s.state === 'pending' ? 'open' : s.state),
      onError: (e) => handlers.onError(handleError(e)),
    });
    return () => sub.unsubscribe();
  },
};
