import { z } from 'zod';
import { RegionCode } from '@weian/shared';
import { acknowledgeAlert, assignAlert, commentAlert, getAlertDetail, listAlertViews, resolveAlert } from '../services/alerts.js';
import { visibleIn } from '../services/scope.js';
import { authed, router } from '../trpc/init.js';

const Severity = z.enum(['critical', 'high', 'medium', 'low']);
const Status = z.enum(['open', 'acknowledged', 'resolved']);
const AlertId = z.object({ alertId: z.string().min(1).max(64) });
const Note = z.string().trim().max(2000).optional();

export const alertsRouter = router({
  list: authed('alerts:work')
    .input(
      z
        .object({
          status: z.array(Status).max(3).optional(),
          severity: z.array(Severity).max(4).optional(),
          regionCode: RegionCode.optional(),
          institutionCode: z.string().min(1).max(64).optional(),
          sort: z.enum(['recent', 'severity']).optional(),
          limit: z.number().int().min(1).max(500).default(50),
          offset: z.number().int().min(0).default(0),
        })
        .default({ limit: 50, offset: 0 }),
    )
    .query(({ ctx, input }) => listAlertViews(ctx.deps, ctx.principal.scope, input)),
  /** One alert with every change made to it (who, when, what). */
  get: authed('alerts:work')
    .input(AlertId)
    .query(({ ctx, input }) => getAlertDetail(ctx.deps, ctx.principal.scope, input.alertId)),
  acknowledge: authed('alerts:work')
    .input(AlertId.extend({ note: Note }))
    .mutation(({ ctx, input }) => acknowledgeAlert(ctx.deps, ctx.principal, input.alertId, input.note)),
  /** userId null unassigns. */
  assign: authed('alerts:work')
    .input(AlertId.extend({ userId: z.string().min(1).max(64).nullable() }))
    .mutation(({ ctx, input }) => assignAlert(ctx.deps, ctx.principal, input.alertId, input.userId)),
  comment: authed('alerts:work')
    .input(AlertId.extend({ text: z.string().min(1).max(2000) }))
    .mutation(({ ctx, input }) => commentAlert(ctx.deps, ctx.principal, input.alertId, input.text)),
  resolve: authed('alerts:work')
    .input(AlertId.extend({ note: Note }))
    .mutation(({ ctx, input }) => resolveAlert(ctx.deps, ctx.principal, input.alertId, input.note)),
  /** Pushes alerts the subscriber may see as they open, change and resolve. */
  live: authed('alerts:work').subscription(async function* ({ ctx, signal }) {
    for await (const ev of ctx.deps.bus.stream('alert.changed', signal)) if (visibleIn(ctx.principal.scope, ev)) yield ev;
  }),
});
