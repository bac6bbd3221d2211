import { randomUUID } from 'node:crypto';
import type { UpgradeOutcome } from '@weian/shared';
import { compareVersions } from '@weian/shared/version';
import { badRequest, forbidden, notFound } from '../errors.js';
import { finishAgentUpgrade, listLiveAgentVersions, upsertAgentUpgrade } from '../storage/agents.js';
import type { Db } from '../storage/schema.js';
import type { Principal } from './auth.js';
import { requestUpgrade } from './commands.js';
import type { ServiceDeps } from './deps.js';

/**
 * Remote upgrade: one agent, or every live agent of the caller's scope (or one institution in it)
 * older than the release this server holds. Each gets the same signed manifest over its command
 * channel; the agent checks signature, hash, architecture and version itself and reports the end.
 */
export async function upgradeAgentsAs(deps: ServiceDeps, principal: Principal, input: { agentId?: string | undefined; institutionCode?: string | undefined }) {
  if (!deps.agentRelease) throw badRequest('this server has no upgrade-signing key');
  const signed = await deps.agentRelease.signedManifest(deps.now());
  if (!signed) throw notFound('服务器上还没有探针安装包 (no agent packages on this server: run pnpm build on it)');
  const agents = await listLiveAgentVersions(deps.db, principal.scope, input);
  if (input.agentId && !agents.length) throw forbidden(`agent ${input.agentId} is not visible to you, or revoked`);
  const outdated = agents.filter((a) => compareVersions(a.version, signed.version) < 0);
  if (input.agentId && !outdated.length) throw badRequest(`agent ${input.agentId} already runs ${agents[0]!.version}, not older than ${signed.version}`);
  const at = deps.now().toISOString();
  for (const a of outdated) {
    const id = randomUUID();
    await upsertAgentUpgrade(deps.db, {
      agent_id: a.id,
      command_id: id,
      status: 'requested',
      from_version: a.version,
      to_version: signed.version,
      reason: null,
      requested_by: principal.username,
      requested_at: at,
      updated_at: at,
    });
    requestUpgrade(deps, a.id, { id, manifest: signed.manifest, signature: signed.signature });
  }
  return { version: signed.version, agentIds: outdated.map((a) => a.id) };
}

/** The agent's word on how the upgrade ended (with a heartbeat): the agents view shows it. */
export async function recordUpgradeOutcome(db: Db, agentId: string, outcome: UpgradeOutcome): Promise<void> {
  await finishAgentUpgrade(db, agentId, { commandId: outcome.id, status: outcome.status, reason: outcome.reason ?? null, at: outcome.at });
}
