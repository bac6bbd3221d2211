import { api, type ApiClient } from './client.js';
import { call, handleError, type ApiError } from './errors.js';
import type { In, Out } from './types.js';
import { uploadEvidence } from './uploads.js';

type I = ApiClient['incidents'];
export type Incident = Out<I['list']['query']>[number];
export type IncidentDetail = Out<I['get']['query']>;
export type IncidentReport = NonNullable<In<I['report']['mutate']>>;
export type IncidentSummary = Omit<NonNullable<In<I['submitSummary']['mutate']>>, 'incidentId'>;

/** The incident calls the dashboard makes. */
export const incidentsApi = {
  /** The grading figures and clocks in force for the signed-in user's region. */
  settings: () => call(() => api().incidents.settings.query()),
  /** The incidents made from an alert, and a report form prefilled from it (the link kept both ways). */
  forAlert: (alertId: string) => call(() => api().incidents.forAlert.query({ alertId })),
  draftFromAlert: (alertId: string) => call(() => api().incidents.draftFromAlert.query({ alertId })),
  list: (regionCode?: string) => call(() => api().incidents.list.query({ limit: 200, ...(regionCode ? { regionCode } : {}) })),
  get: (incidentId: string) => call(() => api().incidents.get.query({ incidentId })),
  report: (input: IncidentReport) => call(() => api().incidents.report.mutate(input)),
  followUp: (incidentId: string, text: string) => call(() => api().incidents.followUp.mutate({ incidentId, text })),
  close: (incidentId: string, text: string) => call(() => api().incidents.close.mutate({ incidentId, text })),
  comment: (incidentId: string, text: string) => call(() => api().incidents.comment.mutate({ incidentId, text })),
  requestInfo: (incidentId: string, text: string) => call(() => api().incidents.requestInfo.mutate({ incidentId, text })),
  submitSummary: (incidentId: string, summary: IncidentSummary) => call(() => api().incidents.submitSummary.mutate({ incidentId, ...summary })),
  receive: (incidentId: string) => call(() => api().incidents.receive.mutate({ incidentId })),
  /** An attachment on the report, the current follow-up or the summary (the server decides which by the incident's state). */
  upload: (incidentId: string, file: File) => uploadEvidence({ incident: incidentId }, file),
  /** Calls `onChange` whenever an incident the user may see is reported or changes (scoped by the server); returns the unsubscribe. */
  live: (onChange: (incidentId: string) => void, onError: (e: ApiError) => void = () => {}) => {
    const sub = api().incidents.live.subscribe(undefined, { onData: (ev) => onChange(ev.incident.id), onError: (e) => onError(handleError(e)) });
    return () => sub.unsubscribe();
  },
};
