import { HolidayArrangementSchema } from '@weian/shared';
import { z } from 'zod';
import { calendarStatus, getArrangement, loadArrangement } from '../services/calendar.js';
import { authed, router } from '../trpc/init.js';

/** The official holiday arrangements behind working-day deadlines (admin only; every load audited by the middleware). */
export const calendarRouter = router({
  status: authed('calendar:manage').query(({ ctx }) => calendarStatus(ctx.deps)),
  get: authed('calendar:manage')
    .input(z.object({ year: z.number().int().min(2004).max(2100) }))
    .query(({ ctx, input }) => getArrangement(ctx.deps, input.year)),
  load: authed('calendar:manage')
    .input(HolidayArrangementSchema)
    .mutation(({ ctx, input }) => loadArrangement(ctx.deps, ctx.principal.username, input)),
});
