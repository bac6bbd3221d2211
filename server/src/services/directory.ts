import { forbidden } from '../errors.js';
import { regionAncestors, type AgentSettings } from '@weian/shared';
import { getAgentInScope, listAgents, revokeAgent, setAgentSettings } from '../storage/agents.js';
import { endAgentCommands, pushSettings, requestCollection } from './commands.js';
import { getInstitutionInScope, listInstitutions } from '../storage/institutions.js';
import { listRegions } from '../storage/regions.js';
import type { Principal } from './auth.js';
import type { ServiceDeps } from './deps.js';
import { createEnrollmentToken } from './enrollment.js';
import { parseInstall } from './agentUpgrade.js';
import type { Scope } from './scope.js';

/** Region rows for the tree a caller sees, with the institutions under them. */
export async function regionTree(deps: ServiceDeps, principal: Principal) {
  const scope = principal.scope;
  const institutions = await listInstitutions(deps.db, scope);
  const codes =
    scope.kind === 'all'
      ? { prefix: null, ancestors: [] }
      : scope.kind === 'region'
        ? { prefix: scope.prefix, ancestors: regionAncestors(scope.code) }
        : { prefix: undefined, ancestors: institutions.flatMap((i) => regionAncestors(i.region_code)) };
  const regions = await listRegions(deps.db, codes);
  return {
    regions: regions.map((r) => ({ code: r.code, name: r.name, parentCode: r.parent_code, level: r.level })),
    institutions: institutions.map((i) => ({ code: i.code, name: i.name, regionCode: i.region_code, type: i.type })),
  };
}

export async function getInstitutionDetail(deps: ServiceDeps, scope: Scope, code: string) {
  const inst = await getInstitutionInScope(deps.db, scope, code);
  if (!inst) throw forbidden(`institution ${code} is not visible to you`);
  return { code: inst.code, name: inst.name, regionCode: inst.region_code, type: inst.type, createdAt: inst.created_at };
}

/** Institution users create tokens for their own institution; admins for any (and may create the institution). */
export async function createTokenAs(deps: ServiceDeps, principal: Principal, input: { institutionCode: string; uses: number; expiresInHours: number }) {
  if (principal.role !== 'admin') await getInstitutionDetail(deps, principal.scope, input.institutionCode);
  return createEnrollmentToken(deps, { institutionCode: input.institutionCode, uses: input.uses, expiresInHours: input.expiresInHours, createdBy: principal.username });
}

/**
 * Last seen, one definition everywhere: when the server last heard from the host's agent, by report
 * or heartbeat. Reports (the hot path) stamp only the host's row, so a working agent's own column
 * would stay at its enrollment; a revoked agent keeps its own, since the host may have a new agent.
 */
export function agentLastSeen(a: { last_seen_at: string | null; host_last_seen_at: string | null; revoked_at: string | null }): string | null {
  if (a.revoked_at || !a.host_last_seen_at) return a.last_seen_at;
  return !a.last_seen_at || a.host_last_seen_at > a.last_seen_at ? a.host_last_seen_at : a.last_seen_at;
}

export async function listAgentsInScope(deps: ServiceDeps, scope: Scope, institutionCode?: string) {
  return (await listAgents(deps.db, scope, { institutionCode })).map((a) => ({
    id: a.id,
    hostId: a.host_id,
    hostname: a.hostname,
    institutionCode: a.institution_code,
    institutionName: a.institution_name,
    version: a.version,
    enrolledAt: a.enrolled_at,
    lastSeenAt: agentLastSeen(a),
    revokedAt: a.revoked_at,
    revokedReason: a.revoked_reason,
    install: parseInstall(a.install),
    upgrade: a.upgrade_status ? { status: a.upgrade_status, toVersion: a.upgrade_to_version, reason: a.upgrade_reason, at: a.upgrade_updated_at } : null,
  }));
}

export async function revokeAgentAs(deps: ServiceDeps, principal: Principal, agentId: string, reason: string) {
  if (!(await getAgentInScope(deps.db, principal.scope, agentId))) throw forbidden(`agent ${agentId} is not visible to you`);
  const revoked = await revokeAgent(deps.db, agentId, deps.now().toISOString(), reason);
  endAgentCommands(deps, agentId);
  return { agentId, revoked };
}

/** New collection and heartbeat intervals for one agent: stored (acks carry them) and pushed at once. */
export async function configureAgentAs(deps: ServiceDeps, principal: Principal, agentId: string, settings: AgentSettings) {
  if (!(await getAgentInScope(deps.db, principal.scope, agentId))) throw forbidden(`agent ${agentId} is not visible to you`);
  await setAgentSettings(deps.db, agentId, JSON.stringify(settings));
  pushSettings(deps, agentId, settings);
  return { agentId, settings };
}

/** Asks the agent to collect and report now (over its socket, or with its next heartbeat). */
export async function collectNowAs(deps: ServiceDeps, principal: Principal, agentId: string) {
  if (!(await getAgentInScope(deps.db, principal.scope, agentId))) throw forbidden(`agent ${agentId} is not visible to you`);
  requestCollection(deps, agentId);
  return { agentId, requested: true };
}
