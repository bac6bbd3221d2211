import { DEFAULT_AGENT_SETTINGS, type EnrollInput, type EnrollResult } from '@weian/shared';
import { badRequest, DomainError, notFound, unauthorized } from '../errors.js';
import { insertAgent, supersedeHostAgents } from '../storage/agents.js';
import { findHostByIdentity, findHostByMachineId, insertHost } from '../storage/hosts.js';
import { getInstitution, insertInstitution } from '../storage/institutions.js';
import { getRegion, upsertRegions } from '../storage/regions.js';
import { consumeToken, insertToken } from '../storage/tokens.js';
import type { ServiceDeps } from './deps.js';
import { countyChain } from './regions.js';
import { recordAudit } from './audit.js';
import { endAgentCommands } from './commands.js';
import { ENROLL_LIMITS, recordRefusedEnrollment, refusedEnrollments } from './enrollThrottle.js';
import { hashSecret, newId, newSecret } from './secrets.js';

export interface CreateTokenInput {
  institutionCode: string;
  /** Needed only when the institution does not exist yet. */
  institutionName?: string | undefined;
  regionCode?: string | undefined;
  uses?: number;
  expiresInHours?: number | null;
  createdBy?: string | null;
}

/** Creates the institution (and its region chain) when missing, then a token; returns the token in clear, once. */
export async function createEnrollmentToken(deps: ServiceDeps, input: CreateTokenInput): Promise<{ token: string; institutionCode: string; expiresAt: string | null; uses: number }> {
  const now = deps.now();
  const uses = input.uses ?? 1;
  if (!Number.isInteger(uses) || uses < 1 || uses > 10_000) throw badRequest('uses must be a whole number from 1 to 10000');
  const expiresInHours = input.expiresInHours === undefined ? 72 : input.expiresInHours;
  if (expiresInHours !== null && !(expiresInHours > 0 && expiresInHours <= 24 * 366)) throw badRequest('expiry must be between 1 hour and a year');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(input.institutionCode)) throw badRequest('institution code: 1–64 letters, digits, "-" or "_"');
  const token = `wa_${newSecret(18)}`;
  const expiresAt = expiresInHours === null ? null : new Date(now.getTime() + expiresInHours * 3600_000).toISOString();
  await deps.db.transaction().execute(async (tx) => {
    const existing = await getInstitution(tx, input.institutionCode);
    if (!existing) {
      if (!input.regionCode) throw notFound(`institution ${input.institutionCode} does not exist: give --region (a county code) and --name to create it`);
      const chain = countyChain(input.regionCode);
      await upsertRegions(tx, chain);
      await insertInstitution(tx, {
        code: input.institutionCode,
        name: input.institutionName?.trim() || input.institutionCode,
        region_code: input.regionCode,
        type: 'other',
        created_at: now.toISOString(),
      });
    } else if (input.regionCode && existing.region_code !== input.regionCode) {
      throw badRequest(`institution ${input.institutionCode} belongs to region ${existing.region_code}, not ${input.regionCode}`);
    }
    await insertToken(tx, {
      id: newId('tok'),
      token_hash: hashSecret(token),
      institution_code: input.institutionCode,
      uses_left: uses,
      expires_at: expiresAt,
      created_at: now.toISOString(),
      created_by: input.createdBy ?? null,
    });
  });
  return { token, institutionCode: input.institutionCode, expiresAt, uses };
}

/** How a superseded agent's revocation reason begins (the agents view marks those). */
export const SUPERSEDED = 'superseded';

const REFUSED = unauthorized('enrollment token is unknown, used up or expired: ask your administrator for a new one');

/** Trades a token for an agent id and secret. The host keeps its identity across re-installs. */
export async function enrollAgent(deps: ServiceDeps, input: EnrollInput, remoteAddress?: string): Promise<EnrollResult> {
  const address = remoteAddress ?? 'unknown';
  // An address that keeps presenting bad tokens is refused before any is looked up (enrollThrottle.ts).
  if ((await refusedEnrollments(deps, address)) >= ENROLL_LIMITS.refusedPerWindow) {
    await recordRefusedEnrollment(deps, address, input.hostname, 'rate-limited', true);
    throw new DomainError('TOO_MANY_REQUESTS', `too many refused enrollments from your address: try again in ${ENROLL_LIMITS.windowMs / 60_000} minutes`);
  }
  const now = deps.now().toISOString();
  const secret = newSecret();
  const result = await deps.db
    .transaction()
    .execute(async (tx) => {
      const grant = await consumeToken(tx, hashSecret(input.token), now);
      if (!grant) throw REFUSED;
      const institution = await getInstitution(tx, grant.institution_code);
      if (!institution || !(await getRegion(tx, institution.region_code))) throw notFound('the token’s institution no longer exists');
      let host = await findHostByIdentity(tx, institution.code, input.machineId, input.hostname);
      const existingHost = Boolean(host);
      if (!host) {
        // Same machine id under another hostname: a cloned VM image, most likely. Keep both, flag the new one.
        const twin = input.machineId ? await findHostByMachineId(tx, institution.code, input.machineId) : undefined;
        host = {
          id: newId('h'),
          institution_code: institution.code,
          hostname: input.hostname,
          machine_id: input.machineId,
          status: 'active',
          first_seen_at: now,
          last_report_at: null,
          last_seen_at: now,
          identity_conflict: twin ? JSON.stringify({ kind: 'duplicate-machine-id', otherHostId: twin.id, otherHostname: twin.hostname, at: now }) : null,
        };
        await insertHost(tx, host);
      }
      const agentId = newId('ag');
      await insertAgent(tx, {
        id: agentId,
        host_id: host.id,
        institution_code: institution.code,
        secret_hash: hashSecret(secret),
        version: input.agentVersion,
        enrolled_at: now,
        revoked_at: null,
        revoked_reason: null,
        last_seen_at: now,
        settings: null,
        next_secret_hash: null,
        // Said with its first heartbeat.
        install: null,
      });
      // One live agent per host: a re-enrollment (another token of the institution, a reinstall) supersedes the old one,
      // which would otherwise stay valid beside it.
      const superseded = existingHost ? await supersedeHostAgents(tx, host.id, agentId, now, `${SUPERSEDED}: re-enrolled as agent ${agentId}`) : [];
      return { agentId, hostId: host.id, institution: { code: institution.code, name: institution.name }, regionCode: institution.region_code, superseded };
    })
    .catch(async (e: unknown) => {
      // A refused token is worth an audit line (it may be a leaked or replayed one): one per address and window, with a count.
      if (e === REFUSED) await recordRefusedEnrollment(deps, address, input.hostname, REFUSED.message, false);
      throw e;
    });
  deps.bus.emit('host.changed', { hostId: result.hostId, institutionCode: result.institution.code, regionCode: result.regionCode, at: now, reason: 'enrolled' });
  for (const old of result.superseded) endAgentCommands(deps, old);
  if (result.superseded.length) {
    await recordAudit(deps, {
      actor: { type: 'agent', id: result.agentId, name: input.hostname },
      action: 'agent.superseded',
      regionCode: result.regionCode,
      institutionCode: result.institution.code,
      detail: { hostId: result.hostId, superseded: result.superseded, by: result.agentId },
      remoteAddress: remoteAddress ?? null,
    });
  }
  await recordAudit(deps, {
    actor: { type: 'agent', id: result.agentId, name: input.hostname },
    action: 'agent.enroll',
    regionCode: result.regionCode,
    institutionCode: result.institution.code,
    detail: { hostId: result.hostId, agentVersion: input.agentVersion },
    remoteAddress: remoteAddress ?? null,
  });
  return { agentId: result.agentId, hostId: result.hostId, institution: result.institution, secret, settings: DEFAULT_AGENT_SETTINGS, serverKey: deps.agentRelease?.publicKey };
}
