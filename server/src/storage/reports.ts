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
