import { backupStatus } from '../services/serverBackup.js';
import { authed, router } from '../trpc/init.js';

/** The server's own state for its administrator: how fresh its own backup is. */
export const systemRouter = router({
  backup: authed('system:read').query(({ ctx }) => backupStatus(ctx.deps, ctx.deps.backupSchedule ?? null)),
});
