import { z } from 'zod';
import { changePassword, login, logout, SESSION } from '../services/auth.js';
import { authed, publicProcedure, router } from '../trpc/init.js';

const me = (p: { userId: string; username: string; displayName: string; role: string; scopeCode: string | null; regionCode: string | null; institutionCode: string | null }) => ({
  id: p.userId,
  username: p.username,
  displayName: p.displayName,
  role: p.role,
  scopeCode: p.scopeCode,
  regionCode: p.regionCode,
  institutionCode: p.institutionCode,
});

export const authRouter = router({
  login: publicProcedure.input(z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) })).mutation(async ({ ctx, input }) => {
    const s = await login(ctx.deps, input, ctx.remoteAddress);
    ctx.setSessionCookie(s.token, SESSION.absoluteMs / 1000);
    return { user: me(s.principal), expiresAt: s.expiresAt };
  }),
  logout: authed('self').mutation(async ({ ctx }) => {
    await logout(ctx.deps, ctx.sessionToken, ctx.principal.userId);
    ctx.setSessionCookie(null);
    return { ok: true };
  }),
  me: authed('self').query(({ ctx }) => me(ctx.principal)),
  changePassword: authed('self')
    .input(z.object({ currentPassword: z.string().min(1).max(256), newPassword: z.string().min(1).max(256) }))
    .mutation(async ({ ctx, input }) => {
      await changePassword(ctx.deps, ctx.principal, ctx.sessionToken, input);
      return { ok: true };
    }),
});
