import type { HeartbeatInput } from '@weian/shared';
import { touchAgent } from '../storage/agents.js';
import { recordUpgradeOutcome } from './agentUpgrade.js';
import { markHostSeen } from '../storage/hosts.js';
import { confirmAgent, type AuthenticatedAgent } from './agentAuth.js';
import type { ServiceDeps } from './deps.js';

/** Records the heartbeat; returns the agent as its own transaction confirmed it (refused: nothing is recorded). */
export async function recordHeartbeat(deps: ServiceDeps, agent: AuthenticatedAgent, input: HeartbeatInput): Promise<AuthenticatedAgent> {
  const at = deps.now().toISOString();
  return deps.db.transaction().execute(async (tx) => {
    const confirmed = await confirmAgent(deps, tx, agent, await touchAgent(tx, agent.id, at, input.agentVersion, input.install ? JSON.stringify(input.install) : null));
    await markHostSeen(tx, agent.hostId, at);
    if (input.upgrade) await recordUpgradeOutcome(tx, agent.id, input.upgrade);
    return confirmed;
  });
}
