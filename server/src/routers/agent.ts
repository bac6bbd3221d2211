import { EnrollInput, HeartbeatInput, Report, type HeartbeatAck } from '@weian/shared';
import { commandHub } from '../services/commands.js';
import { rotateAgentSecret } from '../services/agentAuth.js';
import { recordAudit } from '../services/audit.js';
import { enrollAgent } from '../services/enrollment.js';
import { ingestReport } from '../services/ingest.js';
import { recordHeartbeat } from '../services/heartbeat.js';
import { agentSettingsFor } from '../services/settings.js';
import { agentProcedure, confirmingAgentProcedure, publicProcedure, router, type AgentContext } from '../trpc/init.js';
import type { z } from 'zod';

/** One of an agent's calls as plain parts: the schema of its input and what it does. */
export interface AgentCall<I, O> {
  input: z.ZodType<I>;
  run(ctx: AgentContext, input: I): Promise<O>;
}
const agentCall = <I, O>(call: AgentCall<I, O>) => call;

/**
 * The calls every agent makes every few minutes. The router serves them as procedures, and the
 * HTTP fast path (http/agentFastPath.ts) runs the same parts without tRPC's procedure machinery.
 * Each confirms its agent's credential in its own transaction (agentAuth.ts, confirmAgent), so
 * their authentication may come from the credential cache.
 */
export const AGENT_CALLS = {
  report: agentCall({ input: Report, run: (ctx, input) => ingestReport(ctx.deps, ctx.agent, input, ctx.bodyBytes) }),
  heartbeat: agentCall({
    input: HeartbeatInput,
    run: async (ctx, input): Promise<HeartbeatAck> => {
      const agent = await recordHeartbeat(ctx.deps, ctx.agent, input);
      return {
        serverTime: ctx.deps.now().toISOString(),
        settings: await agentSettingsFor(ctx.deps.db, agent),
        commands: commandHub(ctx.deps).takePending(ctx.agent.id),
        serverKey: ctx.deps.agentRelease?.publicKey,
      };
    },
  }),
};

export const agentRouter = router({
  enroll: publicProcedure.input(EnrollInput).mutation(({ ctx, input }) => enrollAgent(ctx.deps, input, ctx.remoteAddress)),
  report: confirmingAgentProcedure.input(AGENT_CALLS.report.input).mutation(({ ctx, input }) => AGENT_CALLS.report.run(ctx, input)),
  heartbeat: confirmingAgentProcedure.input(AGENT_CALLS.heartbeat.input).mutation(({ ctx, input }) => AGENT_CALLS.heartbeat.run(ctx, input)),
  /** A new secret for this agent (two-phase: valid alongside the old one until first used). */
  rotateSecret: agentProcedure.mutation(async ({ ctx }) => {
    const r = await rotateAgentSecret(ctx.deps, ctx.agent);
    await recordAudit(ctx.deps, {
      actor: { type: 'agent', id: ctx.agent.id, name: ctx.agent.id },
      action: 'agent.rotateSecret',
      regionCode: ctx.agent.regionCode,
      institutionCode: ctx.agent.institutionCode,
      remoteAddress: ctx.remoteAddress,
    });
    return r;
  }),
  /** Server → agent commands (collect now, new settings), over the WebSocket. */
  commands: agentProcedure.subscription(async function* ({ ctx, signal }) {
    yield* commandHub(ctx.deps).stream(ctx.agent.id, signal);
  }),
});
