import { IncidentCloseInput, IncidentFollowUpInput, IncidentId, IncidentListInput, IncidentNoteInput, IncidentReportInput, IncidentSummaryInput } from '@weian/shared';
import { z } from 'zod';
import {
  closeIncident,
  commentIncident,
  draftFromAlert,
  followUpIncident,
  getIncidentDetail,
  incidentSettingsView,
  listIncidentViews,
  receiveIncident,
  reportIncident,
  requestIncidentInfo,
  submitIncidentSummary,
} from '../services/incidents.js';
import { visibleIn } from '../services/scope.js';
import { authed, router } from '../trpc/init.js';

const AlertId = z.object({ alertId: z.string().min(1).max(64) });

export const incidentsRouter = router({
  list: authed('incidents:read')
    .input(IncidentListInput)
    .query(({ ctx, input }) => listIncidentViews(ctx.deps, ctx.principal.scope, input)),
  /** One incident with its timeline (report, follow-ups, notes, channel deliveries). */
  get: authed('incidents:read')
    .input(IncidentId)
    .query(({ ctx, input }) => getIncidentDetail(ctx.deps, ctx.principal.scope, input.incidentId)),
  /** The incidents made from an alert (the alert's side of the link). */
  forAlert: authed('incidents:read')
    .input(AlertId)
    .query(({ ctx, input }) => listIncidentViews(ctx.deps, ctx.principal.scope, { alertId: input.alertId, limit: 10 })),
  /** The grading figures and clocks in force for the user's region: the report form's guided level choice reads them. */
  settings: authed('incidents:read').query(({ ctx }) => incidentSettingsView(ctx.deps, ctx.principal)),
  /** A prefilled report form from an alert. */
  draftFromAlert: authed('incidents:report')
    .input(AlertId)
    .query(({ ctx, input }) => draftFromAlert(ctx.deps, ctx.principal.scope, input.alertId)),
  report: authed('incidents:report')
    .input(IncidentReportInput)
    .mutation(({ ctx, input }) => reportIncident(ctx.deps, ctx.principal, input)),
  followUp: authed('incidents:report')
    .input(IncidentFollowUpInput)
    .mutation(({ ctx, input }) => followUpIncident(ctx.deps, ctx.principal, input.incidentId, input.text, input.measures)),
  close: authed('incidents:report')
    .input(IncidentCloseInput)
    .mutation(({ ctx, input }) => closeIncident(ctx.deps, ctx.principal, input.incidentId, input.text)),
  submitSummary: authed('incidents:report')
    .input(IncidentSummaryInput)
    .mutation(({ ctx, input: { incidentId, ...summary } }) => submitIncidentSummary(ctx.deps, ctx.principal, incidentId, summary)),
  comment: authed('incidents:receive')
    .input(IncidentNoteInput)
    .mutation(({ ctx, input }) => commentIncident(ctx.deps, ctx.principal, input.incidentId, input.text)),
  requestInfo: authed('incidents:receive')
    .input(IncidentNoteInput)
    .mutation(({ ctx, input }) => requestIncidentInfo(ctx.deps, ctx.principal, input.incidentId, input.text)),
  /** 已接报. */
  receive: authed('incidents:receive')
    .input(IncidentId)
    .mutation(({ ctx, input }) => receiveIncident(ctx.deps, ctx.principal, input.incidentId)),
  /** Pushes incidents the subscriber may see as they are reported and change. */
  live: authed('incidents:read').subscription(async function* ({ ctx, signal }) {
    for await (const ev of ctx.deps.bus.stream('incident.changed', signal)) if (visibleIn(ctx.principal.scope, ev)) yield ev;
  }),
});
