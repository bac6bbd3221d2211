import { AGENT_AUTH_SCHEME, DEFAULT_AGENT_SETTINGS, type AgentSettings } from '@weian/shared';
import { unauthorized } from '../errors.js';
import { getAgent, promoteNextSecret, setNextSecret } from '../storage/agents.js';
import type { ServiceDeps } from './deps.js';
import { hashSecret, newSecret, secretMatches } from './secrets.js';

export interface AuthenticatedAgent {
  id: string;
  hostId: string;
  institutionCode: string;
  regionCode: string;
  /** What its acknowledgements hand out: set per agent by people, else the defaults. */
  settings?: AgentSettings;
}

const AGENT_AUTHORIZATION = new RegExp(`^${AGENT_AUTH_SCHEME} ([A-Za-z0-9_-]{1,64}):([A-Za-z0-9_-]{1,128})$`);

/** Parses `Authorization: Agent <id>:<secret>`; null when the header is absent or not of that scheme. */
export function parseAgentAuthorization(header: string | undefined): { id: string; secret: string } | null {
  if (!header) return null;
  const m = AGENT_AUTHORIZATION.exec(header.trim());
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

export async function authenticateAgent(deps: ServiceDeps, credentials: { id: string; secret: string } | null): Promise<AuthenticatedAgent> {
  if (!credentials) throw unauthorized('agent credentials missing: enroll the agent first');
  const agent = await getAgent(deps.db, credentials.id);
  const current = agent ? secretMatches(credentials.secret, agent.secret_hash) : false;
  const next = agent?.next_secret_hash ? secretMatches(credentials.secret, agent.next_secret_hash) : false;
  if (!agent || !(current || next)) throw unauthorized('agent credentials are wrong');
  // First use of a rotated secret retires the old one.
  if (next) await promoteNextSecret(deps.db, agent.id);
  if (agent.revoked_at) throw unauthorized(`agent revoked${agent.revoked_reason ? `: ${agent.revoked_reason}` : ''}; enroll it again with a new token`);
  return {
    id: agent.id,
    hostId: agent.host_id,
    institutionCode: agent.institution_code,
    regionCode: agent.region_code,
    settings: agent.settings ? (JSON.parse(agent.settings) as AgentSettings) : DEFAULT_AGENT_SETTINGS,
  };
}

/**
 * Secret rotation, asked by the agent itself (so the new secret travels only over its own channel).
 * Two-phase: the old secret keeps working until the new one is first used, so an agent that dies
 * between receiving and saving the new secret is never locked out. Asking again replaces the pending one.
 */
export async function rotateAgentSecret(deps: ServiceDeps, agent: AuthenticatedAgent): Promise<{ secret: string }> {
  const secret = newSecret();
  await setNextSecret(deps.db, agent.id, hashSecret(secret));
  return { secret };
}
