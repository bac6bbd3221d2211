import { z } from 'zod';
import { RegionCode } from '@weian/shared';
import { getHostDetail, listHostReports, listHostSummaries } from '../services/hosts.js';
import { visibleIn } from '../services/scope.js';
import { hostFindings } from '../services/findings.js';
import { retireHost } from '../services/hostLifecycle.js';
import { authed, router } from '../trpc/init.js';

const HostId = z.object({ hostId: z.string().min(1).max(64) });

export const hostsRouter = router({
  list: authed('hosts:read')
    .input(
      z
        .object({
          institutionCode: z.string().max(64).optional(),
          regionCode: RegionCode.optional(),
          q: z.string().max(100).optional(),
          status: z
            .array(z.enum(['active', 'stale', 'retired']))
            .max(3)
            .optional(),
          risk: z
            .array(z.enum(['critical', 'high', 'none', 'unknown']))
            .max(4)
            .optional(),
          sort: z.enum(['hostname', 'score', 'lastSeen']).default('hostname'),
          desc: z.boolean().default(false),
          limit: z.number().int().min(1).max(1000).default(200),
          offset: z.number().int().min(0).default(0),
        })
        .default({ sort: 'hostname', desc: false, limit: 200, offset: 0 }),
    )
    .query(({ ctx, input }) => listHostSummaries(ctx.deps, ctx.principal.scope, input)),
  get: authed('hosts:read')
    .input(HostId)
    .query(({ ctx, input }) => getHostDetail(ctx.deps, ctx.principal.scope, input.hostId)),
  reports: authed('hosts:read')
    .input(HostId.extend({ limit: z.number().int().min(1).max(1000).default(100) }))
    .query(({ ctx, input }) => listHostReports(ctx.deps, ctx.principal.scope, input.hostId, input.limit)),
  findings: authed('hosts:read')
    .input(HostId)
    .query(({ ctx, input }) => hostFindings(ctx.deps, ctx.principal.scope, input.hostId)),
  /** Decommissioned (the Measures, Art. 17): out of coverage and scores, history kept. */
  retire: authed('agents:manage')
    .input(HostId)
    .mutation(({ ctx, input }) => retireHost(ctx.deps, ctx.principal.scope, input.hostId)),
  /** Pushes whenever a host the subscriber may see changes (report, enrollment, status). */
  live: authed('hosts:read').subscription(async function* ({ ctx, signal }) {
    for await (const ev of ctx.deps.bus.stream('host.changed', signal)) if (visibleIn(ctx.principal.scope, ev)) yield ev;
  }),
});
