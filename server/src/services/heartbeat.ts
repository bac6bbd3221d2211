import type { HeartbeatInput } from '@weian/shared';
import { touchAgent } from '../storage/agents.js';
import { recordUpgradeOutcome } from './agentUpgrade.js';
import { markHostSeen } from '../storage/hosts.js';
import type { AuthenticatedAgent } from './agentAuth.js';
import type { ServiceDeps } from './deps.js';

export async function recordHeartbeat(deps: ServiceDeps, agent: AuthenticatedAgent, input: HeartbeatInput): Promise<void> {
  const at = deps.now().toISOString();
  await deps.db.transaction().execute(async (tx) => {
    await touchAgent(tx, agent.id, at, input.agentVersion);
    await markHostSeen(tx, agent.hostId, at);
    if (input.upgrade) await recordUpgradeOutcome(tx, agent.id, input.upgrade);
  });
}
