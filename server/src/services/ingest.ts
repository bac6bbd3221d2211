import { DEFAULT_AGENT_SETTINGS, SECTION_NAMES, type Report, type ReportAck, type SectionName } from '@weian/shared';
import { badRequest, forbidden } from '../errors.js';
import { getHost, markHostReported, setIdentityConflict } from '../storage/hosts.js';
import type { Db } from '../storage/schema.js';
import { evaluateHostNow } from './evaluation.js';
import { markInstitutionDirty } from './scoreRefresher.js';
import { getEvaluationState } from '../storage/findings.js';
import { getReceipt, getSectionHashes, insertReceipt, upsertSection } from '../storage/reports.js';
import type { AuthenticatedAgent } from './agentAuth.js';
import type { ServiceDeps } from './deps.js';

/** How far in the future a report's collection time may be (agent clocks drift); beyond, it is refused. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

class DuplicateRace extends Error {}

/**
 * Stores one report exactly once. The receipt row (keyed by reportId) is the idempotency gate,
 * written in the same transaction as the sections, so a crash leaves either both or neither.
 */
export async function ingestReport(deps: ServiceDeps, agent: AuthenticatedAgent, report: Report, bytes: number): Promise<ReportAck> {
  if (report.agentId !== agent.id) throw forbidden(`report names agent ${report.agentId}, but was sent by ${agent.id}`);
  const now = deps.now();
  if (Date.parse(report.collectedAt) > now.getTime() + MAX_FUTURE_SKEW_MS) {
    throw badRequest(`report collectedAt ${report.collectedAt} is in the future (server time ${now.toISOString()}): check the host's clock`);
  }
  const receivedAt = now.toISOString();
  try {
    const outcome = await deps.db.transaction().execute(async (tx) => {
      const prior = await getReceipt(tx, report.reportId);
      if (prior) return { ack: replayAck(prior, agent), stored: false, changes: [], evaluated: false, conflict: null };
      const held = new Map((await getSectionHashes(tx, agent.hostId)).map((s) => [s.section, s]));
      const resend: SectionName[] = [];
      let changed = false;
      for (const name of SECTION_NAMES) {
        const s = report.sections[name];
        const base = { host_id: agent.hostId, section: name, collected_at: report.collectedAt, updated_at: receivedAt };
        switch (s.status) {
          case 'ok': {
            const h = held.get(name);
            // Same hash, same data: nothing to write (an agent that lost its delta state re-sends in full).
            if (h?.status === 'ok' && h.hash === s.hash) break;
            changed = true;
            await upsertSection(tx, { ...base, status: 'ok', hash: s.hash, data: JSON.stringify(s.data), error: s.warnings?.length ? JSON.stringify({ warnings: s.warnings }) : null });
            break;
          }
          case 'unchanged': {
            const h = held.get(name);
            if (!h || h.status !== 'ok' || h.hash !== s.hash) resend.push(name);
            break;
          }
          case 'error':
            changed = true;
            await upsertSection(tx, { ...base, status: 'error', hash: null, data: null, error: JSON.stringify(s.error) });
            break;
          case 'unsupported':
            if (held.get(name)?.status !== 'unsupported') changed = true;
            await upsertSection(tx, { ...base, status: 'unsupported', hash: null, data: null, error: s.reason ? JSON.stringify({ reason: s.reason }) : null });
            break;
        }
      }
      const ack: ReportAck = { reportId: report.reportId, hostId: agent.hostId, receivedAt, resend, settings: agent.settings ?? DEFAULT_AGENT_SETTINGS };
      const inserted = await insertReceipt(tx, {
        report_id: report.reportId,
        agent_id: agent.id,
        host_id: agent.hostId,
        collected_at: report.collectedAt,
        received_at: receivedAt,
        ack: JSON.stringify(ack),
        bytes,
      });
      // Another process stored the same report between our read and insert: undo ours, answer theirs.
      if (!inserted) throw new DuplicateRace();
      const device = report.sections.device;
      await markHostReported(tx, agent.hostId, report.collectedAt, receivedAt, device.status === 'ok' ? device.data.hostname : null);
      const conflict = device.status === 'ok' ? await checkIdentity(tx, agent.hostId, device.data.machineId, receivedAt) : null;
      // Judged in the same transaction: a stored report is never without its findings. A report that
      // changes nothing is not re-judged unless the last judgement is old or the host was silent.
      const changes = changed || (await needsReevaluation(tx, agent.hostId, now)) ? await evaluateHostNow(deps, tx, agent.hostId) : null;
      return { ack, stored: true, changes: changes ?? [], evaluated: changes !== null, conflict };
    });
    if (outcome.evaluated) markInstitutionDirty(deps, agent.institutionCode);
    if (outcome.stored) {
      const where = { institutionCode: agent.institutionCode, regionCode: agent.regionCode };
      deps.bus.emit('host.changed', { hostId: agent.hostId, ...where, at: receivedAt, reason: 'report' });
      for (const c of outcome.changes ?? []) deps.bus.emit('finding.changed', c);
      if (outcome.conflict) deps.bus.emit('host.identity-conflict', { hostId: agent.hostId, ...where, at: receivedAt, detail: outcome.conflict });
    }
    return outcome.ack;
  } catch (e) {
    if (!(e instanceof DuplicateRace)) throw e;
    const prior = await getReceipt(deps.db, report.reportId);
    return replayAck(prior!, agent);
  }
}

/** Time alone changes some judgements (patch age, backup staleness): re-judge at least hourly on reports. */
export const REEVALUATE_AFTER_MS = 3600_000;

async function needsReevaluation(tx: Db, hostId: string, now: Date): Promise<boolean> {
  const state = await getEvaluationState(tx, hostId);
  if (!state.evaluatedAt || Date.parse(state.evaluatedAt) < now.getTime() - REEVALUATE_AFTER_MS) return true;
  // A host judged silent is no longer silent now that it reports.
  return state.silentStatus !== 'pass';
}

/**
 * A host enrolled from one machine that now reports another machine's id: its agent config was
 * copied (a cloned VM with the agent inside). Flagged, never merged silently; cleared when it matches again.
 */
async function checkIdentity(tx: Db, hostId: string, observed: string | null, at: string): Promise<Record<string, unknown> | null> {
  const host = await getHost(tx, { kind: 'all' }, hostId);
  if (!host?.machine_id || !observed) return null;
  if (host.machine_id === observed) {
    if (host.identity_conflict) await setIdentityConflict(tx, hostId, null);
    return null;
  }
  const detail = { kind: 'machine-id-mismatch', expected: host.machine_id, observed, at };
  const known = host.identity_conflict ? (JSON.parse(host.identity_conflict) as { observed?: string }) : null;
  if (known?.observed === observed) return null;
  await setIdentityConflict(tx, hostId, JSON.stringify(detail));
  return detail;
}

function replayAck(prior: { agent_id: string; ack: string }, agent: AuthenticatedAgent): ReportAck {
  if (prior.agent_id !== agent.id) throw forbidden('this report id was already sent by another agent');
  return JSON.parse(prior.ack) as ReportAck;
}
