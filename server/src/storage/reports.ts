import { sql } from 'kysely';
import type { AgentCredential } from './agents.js';
import { hot } from './hot.js';
import type { Db, HostSectionsTable, ReportReceiptsTable } from './schema.js';

// The receipt and section-hash statements run for every report: compiled once (hot.ts).
const receiptById = hot((db, a: { reportId: string }) => db.selectFrom('report_receipts').selectAll().where('report_id', '=', a.reportId));
const receiptInsert = hot((db, row: ReportReceiptsTable) =>
  db
    .insertInto('report_receipts')
    .values(row)
    .onConflict((oc) => oc.column('report_id').doNothing()),
);
// With `error`: an error or unsupported section has no hash, and what it says is how the server tells it changed.
const sectionHashes = hot((db, a: { hostId: string }) => db.selectFrom('host_sections').select(['section', 'hash', 'status', 'error']).where('host_id', '=', a.hostId));

// What ingest reads before it writes a report, in one statement (rows told apart by `kind`): the
// receipt of its id, if any (a replay), the host's stored sections (what changed), when the host
// was last judged with its silence finding (whether a report that changes nothing is judged again),
// and the sending agent's credential row (what confirms a cached authentication, inside the
// report's transaction: services/agentAuth.ts).
const text = sql<string | null>`cast(null as text)`;
// Every branch's columns typed alike (text or null), as the union reads them.
const col = (ref: string) => sql<string | null>`${sql.ref(ref)}`;
const reportContextQuery = hot((db, a: { reportId: string; hostId: string; agentId: string }) =>
  db
    .selectFrom('report_receipts')
    .select([sql<string>`'receipt'`.as('kind'), col('agent_id').as('a'), col('ack').as('b'), text.as('c'), text.as('d'), text.as('e')])
    .where('report_id', '=', a.reportId)
    .unionAll(
      db
        .selectFrom('host_sections')
        .select([sql<string>`'section'`.as('kind'), col('section').as('a'), col('hash').as('b'), col('status').as('c'), col('error').as('d'), col('collected_at').as('e')])
        .where('host_id', '=', a.hostId),
    )
    .unionAll(
      db
        .selectFrom('host_scores')
        .leftJoin('findings', (j) => j.onRef('findings.subject_id', '=', 'host_scores.host_id').on('findings.subject_kind', '=', 'host').on('findings.rule_id', '=', 'HOST-AGENT-SILENT'))
        .select([sql<string>`'state'`.as('kind'), col('host_scores.updated_at').as('a'), col('findings.status').as('b'), text.as('c'), text.as('d'), text.as('e')])
        .where('host_scores.host_id', '=', a.hostId),
    )
    .unionAll(
      db
        .selectFrom('agents')
        .select([sql<string>`'agent'`.as('kind'), col('secret_hash').as('a'), col('next_secret_hash').as('b'), col('revoked_at').as('c'), col('revoked_reason').as('d'), col('settings').as('e')])
        .where('id', '=', a.agentId),
    ),
);

export interface ReportContext {
  receipt: { agent_id: string; ack: string } | undefined;
  sections: Array<{ section: string; hash: string | null; status: HostSectionsTable['status']; error: string | null; collected_at: string }>;
  evaluatedAt: string | null;
  silentStatus: string | null;
  /** The agent's credential row now; undefined when the agent is gone. */
  agent: AgentCredential | undefined;
}

/** One lookup per report for what ingest needs to know before writing it (see the query above). */
export async function getReportContext(db: Db, reportId: string, hostId: string, agentId: string): Promise<ReportContext> {
  const out: ReportContext = { receipt: undefined, sections: [], evaluatedAt: null, silentStatus: null, agent: undefined };
  for (const r of (await reportContextQuery(db, { reportId, hostId, agentId })).rows) {
    if (r.kind === 'receipt') out.receipt = { agent_id: r.a!, ack: r.b! };
    else if (r.kind === 'section') out.sections.push({ section: r.a!, hash: r.b, status: r.c as HostSectionsTable['status'], error: r.d, collected_at: r.e! });
    else if (r.kind === 'agent') out.agent = { secret_hash: r.a!, next_secret_hash: r.b, revoked_at: r.c, revoked_reason: r.d, settings: r.e };
    else {
      out.evaluatedAt = r.a;
      out.silentStatus = r.b;
    }
  }
  return out;
}

export async function getReceipt(db: Db, reportId: string) {
  return (await receiptById(db, { reportId })).rows[0];
}

/** Inserts the receipt unless one exists; true when this call stored it (the idempotency gate). */
export async function insertReceipt(db: Db, row: ReportReceiptsTable): Promise<boolean> {
  const { report_id, agent_id, host_id, collected_at, received_at, ack, bytes } = row;
  const r = await receiptInsert(db, { report_id, agent_id, host_id, collected_at, received_at, ack, bytes });
  // No row affected when the conflict clause skipped it (both dialects report affected rows).
  return Number(r.numAffectedRows ?? 0) === 1;
}

export function listReceipts(db: Db, hostId: string, limit: number) {
  return db
    .selectFrom('report_receipts')
    .select(['report_id', 'agent_id', 'collected_at', 'received_at', 'bytes'])
    .where('host_id', '=', hostId)
    .orderBy('collected_at', 'desc')
    .orderBy('received_at', 'desc')
    .limit(limit)
    .execute();
}

export async function getSectionHashes(db: Db, hostId: string) {
  return (await sectionHashes(db, { hostId })).rows;
}

export function getSections(db: Db, hostId: string) {
  return db.selectFrom('host_sections').selectAll().where('host_id', '=', hostId).execute();
}

/** A report's new or changed sections in one statement. */
export async function upsertSections(db: Db, rows: HostSectionsTable[]): Promise<void> {
  if (!rows.length) return;
  await db
    .insertInto('host_sections')
    .values(rows)
    .onConflict((oc) =>
      oc
        .columns(['host_id', 'section'])
        .doUpdateSet((eb) => ({
          status: eb.ref('excluded.status'),
          hash: eb.ref('excluded.hash'),
          data: eb.ref('excluded.data'),
          error: eb.ref('excluded.error'),
          collected_at: eb.ref('excluded.collected_at'),
          updated_at: eb.ref('excluded.updated_at'),
        }))
        // A late replay of an older report never overwrites newer data.
        .whereRef('host_sections.collected_at', '<=', 'excluded.collected_at'),
    )
    .execute();
}

/** Used by operators and tests to make the server forget a section, e.g. to exercise delta-sync resends. */
export async function deleteSection(db: Db, hostId: string, section: string): Promise<void> {
  await db.deleteFrom('host_sections').where('host_id', '=', hostId).where('section', '=', section).execute();
}
