import { randomUUID } from 'node:crypto';
import { AgentInstall, upgradeBlock, type UpgradeBlock, type UpgradeOutcome } from '@weian/shared';
import { compareVersions } from '@weian/shared/version';
import { badRequest, forbidden, notFound } from '../errors.js';
import { finishAgentUpgrade, listLiveAgentVersions, upsertAgentUpgrade } from '../storage/agents.js';
import type { Db } from '../storage/schema.js';
import type { Principal } from './auth.js';
import { requestUpgrade } from './commands.js';
import type { ServiceDeps } from './deps.js';

/** The stored JSON of how an agent was installed; null when it has not said (or said something unreadable). */
export function parseInstall(text: string | null): AgentInstall | null {
  if (!text) return null;
  try {
    const parsed = AgentInstall.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Why an agent is left out of an upgrade, for the API (the dashboard words it from the code in either language). */
export function blockedMessage(block: UpgradeBlock, install: AgentInstall | null): string {
  switch (block) {
    case 'other-os':
      return '不支持远程升级：该操作系统没有探针安装包 (not upgradable remotely: no agent package for this operating system)';
    case 'node-script':
      return '不支持远程升级：探针由系统自带的 Node.js 运行，请改用安装包 (not upgradable remotely: run by the system Node.js; install a package instead)';
    case 'el7-tarball':
      return '不支持远程升级：el7 探针由压缩包解压安装，请改用 el7 rpm (not upgradable remotely: the el7 build from its tarball; install the el7 rpm instead)';
    case 'no-package':
      return `服务器上的新版本没有适用于该探针的安装包 (the release on this server has no ${install?.kind ?? ''} package for ${install?.arch ?? ''})`;
  }
}

/**
 * Remote upgrade: one agent, or every live agent of the caller's scope (or one institution in it)
 * older than the release this server holds. Each gets the same signed manifest over its command
 * channel; the agent checks signature, hash, architecture and version itself and reports the end.
 * Agents that said how they were installed get it only when the release has a file of their kind
 * and architecture; the others are listed with the reason (one agent asked for: refused).
 */
export async function upgradeAgentsAs(deps: ServiceDeps, principal: Principal, input: { agentId?: string | undefined; institutionCode?: string | undefined }) {
  if (!deps.agentRelease) throw badRequest('this server has no upgrade-signing key');
  const signed = await deps.agentRelease.signedManifest(deps.now());
  if (!signed) throw notFound('服务器上还没有探针安装包 (no agent packages on this server: run pnpm build on it)');
  const agents = await listLiveAgentVersions(deps.db, principal.scope, input);
  if (input.agentId && !agents.length) throw forbidden(`agent ${input.agentId} is not visible to you, or revoked`);
  const outdated = agents.filter((a) => compareVersions(a.version, signed.version) < 0);
  if (input.agentId && !outdated.length) throw badRequest(`agent ${input.agentId} already runs ${agents[0]!.version}, not older than ${signed.version}`);
  const judged = outdated.map((a) => {
    const install = parseInstall(a.install);
    return { agent: a, install, block: upgradeBlock(install, signed.files) };
  });
  const skipped = judged.flatMap(({ agent, install, block }) =>
    block
      ? [{ agentId: agent.id, hostname: agent.hostname, version: agent.version, kind: install?.kind ?? null, arch: install?.arch ?? null, reason: block, message: blockedMessage(block, install) }]
      : [],
  );
  if (input.agentId && skipped.length) throw badRequest(skipped[0]!.message);
  const sent = judged.filter((j) => !j.block).map((j) => j.agent);
  const at = deps.now().toISOString();
  for (const a of sent) {
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
  return { version: signed.version, agentIds: sent.map((a) => a.id), skipped };
}

/** The agent's word on how the upgrade ended (with a heartbeat): the agents view shows it. */
export async function recordUpgradeOutcome(db: Db, agentId: string, outcome: UpgradeOutcome): Promise<void> {
  await finishAgentUpgrade(db, agentId, { commandId: outcome.id, status: outcome.status, reason: outcome.reason ?? null, at: outcome.at });
}
