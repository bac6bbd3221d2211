import { api, type ApiClient } from './client.js';
import { call } from './errors.js';
import type { In, Out } from './types.js';

type I = ApiClient['incidents'];
export type Incident = Out<I['list']['query']>[number];
export type IncidentDetail = Out<I['get']['query']>;
export type IncidentReport = NonNullable<In<I['report']['mutate']>>;

/** The incident calls the dashboard makes. */
export const incidentsApi = {
  list: (regionCode?: string) => call(() => api().incidents.list.query({ limit: 200, ...(regionCode ? { regionCode } : {}) })),
  get: (incidentId: string) => call(() => api().incidents.get.query({ incidentId })),
  report: (input: IncidentReport) => call(() => api().incidents.report.mutate(input)),
  followUp: (incidentId: string, text: string) => call(() => api().incidents.followUp.mutate({ incidentId, text })),
  close: (incidentId: string, text: string) => call(() => api().incidents.close.mutate({ incidentId, text })),
  comment: (incidentId: string, text: string) => call(() => api().incidents.comment.mutate({ incidentId, text })),
  requestInfo: (incidentId: string, text: string) => call(() => api().incidents.requestInfo.mutate({ incidentId, text })),
  receive: (incidentId: string) => call(() => api().incidents.receive.mutate({ incidentId })),
};
