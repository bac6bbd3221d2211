import { z } from 'zod';
import { createUser, deleteUser, listVisibleUsers, unlockUser } from '../services/users.js';
import { authed, router } from '../trpc/init.js';

const Role = z.enum(['admin', 'province', 'city', 'county', 'institution']);

export const usersRouter = router({
  list: authed('users:manage').query(({ ctx }) => listVisibleUsers(ctx.deps, ctx.principal.scope)),
  create: authed('users:manage')
    .input(
      z.object({
        username: z.string().min(3).max(64),
        displayName: z.string().max(64).optional(),
        role: Role,
        scopeCode: z.string().max(64).nullable().optional(),
        password: z.string().min(1).max(256),
      }),
    )
    .mutation(({ ctx, input }) => createUser(ctx.deps, ctx.principal, input)),
  /** Clears the user's failed sign-ins, so a throttled user may sign in again at once. */
  unlock: authed('users:manage')
    .input(z.object({ userId: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => unlockUser(ctx.deps, ctx.principal, input.userId)),
  delete: authed('users:manage')
    .input(z.object({ userId: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => deleteUser(ctx.deps, ctx.principal, input.userId)),
});
