import { SECTION_NAMES, type Report, type ReportAck, type SectionName } from '@weian/shared';
import { badRequest, forbidden } from '../errors.js';
import { markReported, setIdentityConflict, type HostMark } from '../storage/hosts.js';
import type { Db, HostSectionsTable, ReportReceiptsTable } from '../storage/schema.js';
import { evaluateHostsNow, type FindingChange } from './evaluation.js';
import { markInstitutionDirty } from './scoreRefresher.js';
import { getReceipt, getReportContexts, insertReceipts, isDuplicateReceipt, upsertSections, type ReportContext } from '../storage/reports.js';
import { confirmAgent, type AuthenticatedAgent } from './agentAuth.js';
import type { KnownSections } from './sections.js';
import { perDeps, type ServiceDeps } from './deps.js';
import { agentSettingsFor } from './settings.js';
import { alertsForFindingChanges, announceAlerts, type AlertMove } from './alerts.js';

/** How far in the future a report's collection time may be (agent clocks drift); beyond, it is refused. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/**
 * How old a report may be: longer than an agent's outbox holds at its largest default (500 reports
 * every 15 minutes, about 5 days) with room for a long outage. Older ones are refused for good (the
 * agent sets them aside): a report from 1970 is a broken clock or a forgery, not late news.
 */
export const MAX_REPORT_AGE_MS = 30 * 86_400_000;

interface Stored {
  ack: ReportAck;
  stored: boolean;
  changes: FindingChange[];
  /** The alerts its findings' changes opened or resolved, in the same transaction. */
  alerts: AlertMove[];
  evaluated: boolean;
  /** Judged, and what its institution's score reads of the host moved (evaluateHostsNow). */
  moved: boolean;
  conflict: Record<string, unknown> | null;
}

/** A report its agent may no longer send (revoked, or its secret rotated away): answered with the refusal, nothing written. */
interface Refused {
  refused: unknown;
}

interface Pending {
  agent: AuthenticatedAgent;
  report: Report;
  bytes: number;
  now: Date;
  settle(result: PromiseSettledResult<ReportAck>): void;
}

/**
 * Stores one report exactly once. The receipt row (keyed by reportId) is the idempotency gate,
 * written in the same transaction as the sections, so a crash leaves either both or neither; the
 * answer is sent only after that transaction committed.
 *
 * Reports that arrive while a transaction is being written are stored together in the next one
 * (group commit): a commit costs as much as a whole steady-state report, so one per report would
 * hold ingest to half its rate. A report with nothing new that finds the writer idle waits up to
 * `deps.ingestGatherMs` for company (INGEST_GATHER_MS in the serving process), less once GATHERED have come.
 */
export function ingestReport(deps: ServiceDeps, agent: AuthenticatedAgent, report: Report, bytes: number): Promise<ReportAck> {
  if (report.agentId !== agent.id) return Promise.reject(forbidden(`report names agent ${report.agentId}, but was sent by ${agent.id}`));
  const now = deps.now();
  if (Date.parse(report.collectedAt) > now.getTime() + MAX_FUTURE_SKEW_MS) {
    return Promise.reject(badRequest(`report collectedAt ${report.collectedAt} is in the future (server time ${now.toISOString()}): check the host's clock`));
  }
  if (Date.parse(report.collectedAt) < now.getTime() - MAX_REPORT_AGE_MS) {
    return Promise.reject(badRequest(`report collectedAt ${report.collectedAt} is older than ${MAX_REPORT_AGE_MS / 86_400_000} days (server time ${now.toISOString()}): check the host's clock`));
  }
  return new Promise((resolve, reject) => committer(deps).submit({ agent, report, bytes, now, settle: (r) => (r.status === 'fulfilled' ? resolve(r.value) : reject(r.reason)) }));
}

/**
 * At a province's pace (100,000 hosts every 15 minutes: 111 reports a second) reports come one at a time, and
 * each paid a transaction of its own: on PostgreSQL two round trips, each a wake-up of the server and of its
 * backend. Waiting this long for company stores about three in one, for a fifth to a third less CPU per report
 * on PostgreSQL (docs/sizing.md); agents report every 15 minutes and do not notice 20 ms.
 */
export const INGEST_GATHER_MS = 20;
/** Reports that end the wait at once: under load they come within a millisecond, and the group need not be larger to share its round trips. */
export const GATHERED = 4;

/** Reports in one transaction at most: bounds the time the write lock is held and a failed batch's retry. */
export const MAX_GROUP = 64;

/**
 * Transactions written at once. SQLite has one connection, so one; PostgreSQL runs transactions
 * side by side on its pool: a second writer overlaps round trips when a backlog builds, but it halves
 * the groups, and a group's statements are shared by its reports (four writers made groups of about two).
 */
const WRITERS = { sqlite: 1, postgres: 2 } as const;
/** Reports waiting before a writer beyond the first starts: below, the one writer takes them all in its next group. */
export const BACKLOG_FOR_ANOTHER_WRITER = 8;

class GroupCommitter {
  private queue: Pending[] = [];
  private writers = 0;
  /** Ends the first writer's wait for company, while it waits. */
  private gathered: (() => void) | null = null;
  /** Transactions that committed, and the reports they held. */
  readonly stats = { transactions: 0, reports: 0 };
  constructor(private readonly deps: ServiceDeps) {}
  submit(p: Pending): void {
    this.queue.push(p);
    if (this.queue.length >= GATHERED) this.gathered?.();
    if (this.writers === 0 || (this.writers < WRITERS[this.deps.dialect] && this.queue.length >= BACKLOG_FOR_ANOTHER_WRITER)) void this.drain();
  }
  private async drain(): Promise<void> {
    this.writers++;
    try {
      const gatherMs = this.deps.ingestGatherMs ?? 0;
      if (this.writers === 1 && gatherMs > 0 && this.queue.length < GATHERED && !carriesData(this.queue[0]!)) await this.gather(gatherMs);
      // Each transaction starts on the next turn of the event loop, once the requests read in this
      // turn have been authenticated and validated and have joined the queue (all of that is
      // microtasks on SQLite). Started at once, a transaction would hold a group of one.
      while (this.queue.length) {
        await new Promise(setImmediate);
        await this.write();
      }
    } finally {
      this.writers--;
    }
  }
  private gather(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.gathered = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.gathered = done;
    });
  }
  /** Writes the queued reports (or `alone`) in one transaction. */
  private async write(alone?: Pending): Promise<void> {
    let group: Pending[] = alone ? [alone] : [];
    let stored: Array<Stored | Refused>;
    try {
      stored = await this.deps.db.transaction().execute(async (tx) => {
        // Taken once the connection is ours: what arrived while waiting for it joins this transaction.
        if (!alone) group = this.queue.splice(0, MAX_GROUP);
        return storeGroup(this.deps, tx, group);
      });
    } catch (e) {
      // The transaction could not even begin (database down, locked): these reports fail on their own.
      if (!alone && !group.length) group = this.queue.splice(0, MAX_GROUP);
      // Another writer (PostgreSQL runs several) took what was queued.
      if (!group.length) return;
      // One report's failure must not fail the others: each is tried again on its own.
      if (group.length > 1) {
        for (const p of group) await this.write(p);
        return;
      }
      const p = group[0]!;
      if (!isDuplicateReceipt(e)) return p.settle({ status: 'rejected', reason: e });
      // Another process stored the same report between our read and insert: answer theirs.
      return p.settle(await settled(async () => replayAck((await getReceipt(this.deps.db, p.report.reportId))!, p.agent)));
    }
    this.stats.transactions++;
    this.stats.reports += group.length;
    for (const [i, p] of group.entries()) {
      const outcome = stored[i]!;
      if ('refused' in outcome) {
        p.settle({ status: 'rejected', reason: outcome.refused });
        continue;
      }
      p.settle(
        await settled(() => {
          announce(this.deps, p, outcome);
          return outcome.ack;
        }),
      );
    }
  }
}

/**
 * A report with sections to write (a host's first, or one that changed) costs many times the round trips company
 * would save it (capacity.*.enrolment_rate_cpu_ms): it does not wait for any.
 */
const carriesData = (p: Pending) => SECTION_NAMES.some((name) => p.report.sections[name].status === 'ok');

async function settled<T>(f: () => T | Promise<T>): Promise<PromiseSettledResult<T>> {
  try {
    return { status: 'fulfilled', value: await f() };
  } catch (reason) {
    return { status: 'rejected', reason };
  }
}

const committer = perDeps((deps) => new GroupCommitter(deps));

/** How well reports are being grouped: transactions committed and the reports in them, since start. */
export const groupCommitStats = (deps: ServiceDeps): { transactions: number; reports: number } => ({ ...committer(deps).stats });

/** A report being stored, between the group's statements. */
interface Storing {
  p: Pending;
  agent: AuthenticatedAgent;
  context: ReportContext;
  ack: ReportAck;
  changed: boolean;
  known: KnownSections;
}

/**
 * The part of an ingest inside the transaction, for a whole group: one lookup for all its reports,
 * then one statement each for their sections, their hosts and their receipts, whatever the group's
 * size; only judging a report that changed something is per report. A host's second report in the
 * group (an agent re-sending one not yet answered) is stored after its first, in a round of its own,
 * so each statement touches a host's rows once. Fails on a receipt's key when another process stored
 * one of the reports first (isDuplicateReceipt; then each is tried again on its own).
 */
async function storeGroup(deps: ServiceDeps, tx: Db, group: Pending[]): Promise<Array<Stored | Refused>> {
  const rounds: Array<Array<[number, Pending]>> = [];
  const seen = new Map<string, number>();
  for (const [i, p] of group.entries()) {
    const round = seen.get(p.agent.hostId) ?? 0;
    seen.set(p.agent.hostId, round + 1);
    (rounds[round] ??= []).push([i, p]);
  }
  const out: Array<Stored | Refused> = new Array(group.length);
  for (const round of rounds) {
    const stored = await storeRound(
      deps,
      tx,
      round.map(([, p]) => p),
    );
    round.forEach(([i], k) => (out[i] = stored[k]!));
  }
  return out;
}

/** One round of a group: at most one report per host. */
async function storeRound(deps: ServiceDeps, tx: Db, group: Pending[]): Promise<Array<Stored | Refused>> {
  const contexts = await getReportContexts(
    tx,
    group.map((p) => ({ reportId: p.report.reportId, hostId: p.agent.hostId, agentId: p.agent.id })),
  );
  const out: Array<Stored | Refused | Storing> = [];
  const writes: HostSectionsTable[] = [];
  for (const [i, p] of group.entries()) {
    const context = contexts[i]!;
    // Its credential as this transaction sees it: revoked or rotated on any process, the report is refused here, before it writes.
    let agent: AuthenticatedAgent;
    try {
      agent = await confirmAgent(deps, tx, p.agent, context.agent);
    } catch (refused) {
      out.push({ refused });
      continue;
    }
    if (context.receipt) {
      out.push({ ack: replayAck(context.receipt, agent), stored: false, changes: [], alerts: [], evaluated: false, moved: false, conflict: null });
      continue;
    }
    const { resend, known, rows } = sectionWrites(p, agent, context);
    writes.push(...rows);
    const ack: ReportAck = { reportId: p.report.reportId, hostId: agent.hostId, receivedAt: p.now.toISOString(), resend, settings: await agentSettingsFor(tx, agent) };
    out.push({ p, agent, context, ack, changed: rows.length > 0, known });
  }
  const storing = out.filter((o): o is Storing => 'p' in o);
  await upsertSections(tx, writes);
  const marks: HostMark[] = storing.map(({ p, agent, ack }) => {
    const device = p.report.sections.device;
    return { id: agent.hostId, collectedAt: p.report.collectedAt, receivedAt: ack.receivedAt, hostname: device.status === 'ok' ? device.data.hostname : null };
  });
  const identities = await markReported(tx, marks);
  const conflicts = new Map<Storing, Stored['conflict']>();
  for (const s of storing) {
    const device = s.p.report.sections.device;
    const identity = identities.get(s.agent.hostId);
    conflicts.set(s, device.status === 'ok' && identity ? await checkIdentity(tx, s.agent.hostId, identity, device.data.machineId, s.ack.receivedAt) : null);
  }
  // Judged in the same transaction: a stored report is never without its findings. A report that
  // changes nothing is not re-judged unless the last judgement is old or the host was silent.
  // The round's hosts are judged together: one statement per kind of write for all of them.
  const judging = storing.filter((s) => s.changed || needsReevaluation(s.context, s.p.now));
  const {
    changes: judged,
    moved,
    names,
  } = await evaluateHostsNow(
    deps,
    tx,
    judging.map((s) => ({ hostId: s.agent.hostId, known: s.known })),
  );
  // Their alerts too, the round's at once: nothing a report causes is written in a transaction of its own.
  const moves = await alertsForFindingChanges(deps, tx, judged.flat(), names);
  const changesOf = new Map(judging.map((s, i) => [s, judged[i]!]));
  const movedOf = new Map(judging.map((s, i) => [s, moved[i]!]));
  const results = new Map<Storing, Stored>();
  for (const s of storing) {
    const changes = changesOf.get(s) ?? null;
    // A round holds one report per host: a host's alerts are its report's.
    const alerts = changes?.length ? moves.filter((m) => m.row.subject_kind === 'host' && m.row.subject_id === s.agent.hostId) : [];
    results.set(s, {
      ack: s.ack,
      stored: true,
      changes: (changes ?? []).map((c) => ({ ...c, alerted: true })),
      alerts,
      evaluated: changes !== null,
      moved: movedOf.get(s) ?? false,
      conflict: conflicts.get(s)!,
    });
  }
  const receipts: ReportReceiptsTable[] = storing.map(({ p, agent, ack }) => ({
    report_id: p.report.reportId,
    agent_id: agent.id,
    host_id: agent.hostId,
    collected_at: p.report.collectedAt,
    received_at: ack.receivedAt,
    ack: JSON.stringify(ack),
    bytes: p.bytes,
  }));
  await insertReceipts(tx, receipts);
  return out.map((o) => ('p' in o ? results.get(o)! : o));
}

/** The sections a report writes (new or changed), those the server asks again, and what it writes as evaluation would read it back. */
function sectionWrites({ report, now }: Pending, agent: AuthenticatedAgent, context: ReportContext): { resend: SectionName[]; known: KnownSections; rows: HostSectionsTable[] } {
  const receivedAt = now.toISOString();
  const held = new Map(context.sections.map((s) => [s.section, s]));
  const resend: SectionName[] = [];
  const rows: HostSectionsTable[] = [];
  // What this report writes, as evaluation would read it back: it judges these without reading or parsing them again.
  const known: KnownSections = {};
  for (const name of SECTION_NAMES) {
    const s = report.sections[name];
    const h = held.get(name);
    const base = { host_id: agent.hostId, section: name, collected_at: report.collectedAt, updated_at: receivedAt };
    // The upsert leaves a section newer than this report's standing (a late replay): then what is stored is not what is in hand.
    const lands = !h || h.collected_at <= report.collectedAt;
    switch (s.status) {
      case 'ok': {
        // Same hash, same data: nothing to write (an agent that lost its delta state re-sends in full).
        if (h?.status === 'ok' && h.hash === s.hash) break;
        rows.push({ ...base, status: 'ok', hash: s.hash, data: JSON.stringify(s.data), error: s.warnings?.length ? JSON.stringify({ warnings: s.warnings }) : null });
        if (lands) known[name] = { status: 'ok', hash: s.hash, data: s.data, warnings: s.warnings ?? [], collectedAt: report.collectedAt };
        break;
      }
      case 'unchanged':
        if (!h || h.status !== 'ok' || h.hash !== s.hash) resend.push(name);
        break;
      // The same error or the same unsupported reason as stored is nothing new either: a host whose
      // update check fails the same way on every report is not rewritten and re-judged each time.
      case 'error':
      case 'unsupported': {
        const error = s.status === 'error' ? JSON.stringify(s.error) : s.reason ? JSON.stringify({ reason: s.reason }) : null;
        if (h?.status === s.status && h.error === error) break;
        rows.push({ ...base, status: s.status, hash: null, data: null, error });
        if (lands)
          known[name] =
            s.status === 'error' ? { status: 'error', error: s.error, collectedAt: report.collectedAt } : { status: 'unsupported', reason: s.reason ?? null, collectedAt: report.collectedAt };
        break;
      }
    }
  }
  return { resend, known, rows };
}

/** After the commit: what watches hosts, findings and scores hears of it. */
function announce(deps: ServiceDeps, { agent }: Pending, outcome: Stored): void {
  if (outcome.evaluated) markInstitutionDirty(deps, agent.institutionCode, outcome.moved);
  if (!outcome.stored) return;
  const where = { institutionCode: agent.institutionCode, regionCode: agent.regionCode };
  const at = outcome.ack.receivedAt;
  deps.bus.emit('host.changed', { hostId: agent.hostId, ...where, at, reason: 'report' });
  for (const c of outcome.changes) deps.bus.emit('finding.changed', c);
  announceAlerts(deps, outcome.alerts);
  if (outcome.conflict) deps.bus.emit('host.identity-conflict', { hostId: agent.hostId, ...where, at, detail: outcome.conflict });
}

/** Time alone changes some judgements (patch age, backup staleness): re-judge at least hourly on reports. */
export const REEVALUATE_AFTER_MS = 3600_000;

function needsReevaluation(state: ReportContext, now: Date): boolean {
  if (!state.evaluatedAt || Date.parse(state.evaluatedAt) < now.getTime() - REEVALUATE_AFTER_MS) return true;
  // A host judged silent is no longer silent now that it reports.
  return state.silentStatus !== 'pass';
}

/**
 * A host enrolled from one machine that now reports another machine's id: its agent config was
 * copied (a cloned VM with the agent inside). Flagged, never merged silently; cleared when it matches again.
 */
async function checkIdentity(
  tx: Db,
  hostId: string,
  host: { machine_id: string | null; identity_conflict: string | null },
  observed: string | null,
  at: string,
): Promise<Record<string, unknown> | null> {
  if (!host.machine_id || !observed) return null;
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
