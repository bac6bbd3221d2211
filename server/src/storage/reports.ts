import { sql } from 'kysely';
import type { AgentCredential } from './agents.js';
import { hot, hotList } from './hot.js';
import type { Db, HostSectionsTable, ReportReceiptsTable } from './schema.js';

// The receipt and section-hash statements run for every report: compiled once (hot.ts).
const receiptById = hot((db, a: { reportId: string }) => db.selectFrom('report_receipts').selectAll().where('report_id', '=', a.reportId));
const RECEIPT_COLUMNS = ['report_id', 'agent_id', 'host_id', 'collected_at', 'received_at', 'ack', 'bytes'] as const satisfies ReadonlyArray<keyof ReportReceiptsTable>;
// A report group's receipts in one statement, its result unread (hot.ts): a report another process
// stored first fails it on the primary key (isDuplicateReceipt), and with it the group's transaction.
const receiptsInsert = hotList((db, rows: ReportReceiptsTable[]) => db.insertInto('report_receipts').values(rows), RECEIPT_COLUMNS, { unread: true });
// With `error`: an error or unsupported section has no hash, and what it says is how the server tells it changed.
const sectionHashes = hot((db, a: { hostId: string }) => db.selectFrom('host_sections').select(['section', 'hash', 'status', 'error']).where('host_id', '=', a.hostId));

// What ingest reads before it writes a report group, in one statement (rows told apart by `kind`, and
// by `k`, the report, host or agent they belong to): the receipt of each report id, if any (a replay),
// each host's stored sections (what changed), when each host was last judged with its silence finding
// (whether a report that changes nothing is judged again), and each sending agent's credential row
// (what confirms a cached authentication, inside the reports' transaction: services/agentAuth.ts).
const text = sql<string | null>`cast(null as text)`;
// Every branch's columns typed alike (text or null), as the union reads them.
const col = (ref: string) => sql<string | null>`${sql.ref(ref)}`;
const reportContextQuery = hotList((db, keys: Array<{ reportId: string; hostId: string; agentId: string }>) =>
  db
    .selectFrom('report_receipts')
    .select([sql<string>`'receipt'`.as('kind'), col('report_id').as('k'), col('agent_id').as('a'), col('ack').as('b'), text.as('c'), text.as('d'), text.as('e')])
    .where(
      'report_id',
      'in',
      keys.map((k) => k.reportId),
    )
    .unionAll(
      db
        .selectFrom('host_sections')
        .select([sql<string>`'section'`.as('kind'), col('host_id').as('k'), col('section').as('a'), col('hash').as('b'), col('status').as('c'), col('error').as('d'), col('collected_at').as('e')])
        .where(
          'host_id',
          'in',
          keys.map((k) => k.hostId),
        ),
    )
    .unionAll(
      db
        .selectFrom('host_scores')
        .leftJoin('findings', (j) => j.onRef('findings.subject_id', '=', 'host_scores.host_id').on('findings.subject_kind', '=', 'host').on('findings.rule_id', '=', 'HOST-AGENT-SILENT'))
        .select([sql<string>`'state'`.as('kind'), col('host_scores.host_id').as('k'), col('host_scores.updated_at').as('a'), col('findings.status').as('b'), text.as('c'), text.as('d'), text.as('e')])
        .where(
          'host_scores.host_id',
          'in',
          keys.map((k) => k.hostId),
        ),
    )
    .unionAll(
      db
        .selectFrom('agents')
        .select([
          sql<string>`'agent'`.as('kind'),
          col('id').as('k'),
          col('secret_hash').as('a'),
          col('next_secret_hash').as('b'),
          col('revoked_at').as('c'),
          col('revoked_reason').as('d'),
          col('settings').as('e'),
        ])
        .where(
          'id',
          'in',
          keys.map((k) => k.agentId),
        ),
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

export interface ReportKey {
  reportId: string;
  hostId: string;
  agentId: string;
}

/** One lookup for a whole report group: what ingest needs to know before writing each report (see the query above), in `keys`' order. */
export async function getReportContexts(db: Db, keys: ReportKey[]): Promise<ReportContext[]> {
  const receipts = new Map<string, ReportContext['receipt']>();
  const sections = new Map<string, ReportContext['sections']>();
  const states = new Map<string, { evaluatedAt: string | null; silentStatus: string | null }>();
  const agents = new Map<string, AgentCredential>();
  for (const r of (await reportContextQuery(db, keys)).rows) {
    const k = r.k!;
    if (r.kind === 'receipt') receipts.set(k, { agent_id: r.a!, ack: r.b! });
    else if (r.kind === 'section') {
      let held = sections.get(k);
      if (!held) sections.set(k, (held = []));
      held.push({ section: r.a!, hash: r.b, status: r.c as HostSectionsTable['status'], error: r.d, collected_at: r.e! });
    } else if (r.kind === 'agent') agents.set(k, { secret_hash: r.a!, next_secret_hash: r.b, revoked_at: r.c, revoked_reason: r.d, settings: r.e });
    else states.set(k, { evaluatedAt: r.a, silentStatus: r.b });
  }
  return keys.map((key) => ({
    receipt: receipts.get(key.reportId),
    sections: sections.get(key.hostId) ?? [],
    evaluatedAt: states.get(key.hostId)?.evaluatedAt ?? null,
    silentStatus: states.get(key.hostId)?.silentStatus ?? null,
    agent: agents.get(key.agentId),
  }));
}

export async function getReceipt(db: Db, reportId: string) {
  return (await receiptById(db, { reportId })).rows[0];
}

/** Inserts a report group's receipts, the gate that stores each report once: see isDuplicateReceipt. */
export async function insertReceipts(db: Db, rows: ReportReceiptsTable[]): Promise<void> {
  if (rows.length) await receiptsInsert(db, rows);
}

/** The error of a receipt already stored (another process stored the same report first), on either database. */
export function isDuplicateReceipt(e: unknown): boolean {
  const err = e as { code?: unknown; table?: unknown; message?: unknown } | null;
  if (err?.code === '23505') return err.table === 'report_receipts';
  return err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' && typeof err.message === 'string' && err.message.includes('report_receipts.report_id');
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

const SECTION_COLUMNS = ['host_id', 'section', 'status', 'hash', 'data', 'error', 'collected_at', 'updated_at'] as const satisfies ReadonlyArray<keyof HostSectionsTable>;
// A report group's new or changed sections: compiled once per row count (hot.ts).
const sectionsUpsert = hotList(
  (db, rows: HostSectionsTable[]) =>
    db
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
      ),
  SECTION_COLUMNS,
  { unread: true },
);

/** New or changed sections (a report group's, one row per host and section) in one statement. */
export async function upsertSections(db: Db, rows: HostSectionsTable[]): Promise<void> {
  if (rows.length) await sectionsUpsert(db, rows);
}

/** Used by operators and tests to make the server forget a section, e.g. to exercise delta-sync resends. */
export async function deleteSection(db: Db, hostId: string, section: string): Promise<void> {
  await db.deleteFrom('host_sections').where('host_id', '=', hostId).where('section', '=', section).execute();
}
