import { z } from 'zod';
import { listAuditEntries } from '../services/audit.js';
import { authed, router } from '../trpc/init.js';

export const auditRouter = router({
  list: authed('audit:read')
    .input(z.object({ limit: z.number().int().min(1).max(500).default(100), before: z.iso.datetime().optional(), action: z.string().max(128).optional() }).default({ limit: 100 }))
    .query(({ ctx, input }) => listAuditEntries(ctx.deps, ctx.principal.scope, input)),
});
