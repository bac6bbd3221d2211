import { z } from 'zod';
import { AgentSettings } from '@weian/shared';
import { collectNowAs, configureAgentAs, createTokenAs, listAgentsInScope, revokeAgentAs } from '../services/directory.js';
import { upgradeAgentsAs } from '../services/agentUpgrade.js';
import { authed, router } from '../trpc/init.js';

/** People managing agents (the agent-facing procedures are in routers/agent.ts). */
export const agentsRouter = router({
  list: authed('hosts:read')
    .input(z.object({ institutionCode: z.string().max(64).optional() }).default({}))
    .query(({ ctx, input }) => listAgentsInScope(ctx.deps, ctx.principal.scope, input.institutionCode)),
  createToken: authed('tokens:create')
    .input(
      z.object({
        institutionCode: z.string().min(1).max(64),
        uses: z.number().int().min(1).max(10_000).default(1),
        expiresInHours: z
          .number()
          .int()
          .min(1)
          .max(24 * 366)
          .default(72),
      }),
    )
    .mutation(({ ctx, input }) => createTokenAs(ctx.deps, ctx.principal, input)),
  configure: authed('agents:manage')
    .input(z.object({ agentId: z.string().min(1).max(64), settings: AgentSettings }))
    .mutation(({ ctx, input }) => configureAgentAs(ctx.deps, ctx.principal, input.agentId, input.settings)),
  collectNow: authed('agents:manage')
    .input(z.object({ agentId: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => collectNowAs(ctx.deps, ctx.principal, input.agentId)),
  /** One agent, or every outdated agent in the caller's scope (optionally one institution of it). */
  upgrade: authed('agents:upgrade')
    .input(z.object({ agentId: z.string().min(1).max(64).optional(), institutionCode: z.string().min(1).max(64).optional() }))
    .mutation(({ ctx, input }) => upgradeAgentsAs(ctx.deps, ctx.principal, input)),
  revoke: authed('agents:manage')
    .input(z.object({ agentId: z.string().min(1).max(64), reason: z.string().min(1).max(500) }))
    .mutation(({ ctx, input }) => revokeAgentAs(ctx.deps, ctx.principal, input.agentId, input.reason)),
});
