import type { DataCategory, DataLevel, DataRegister, DataRegisterEntry, VolumeBand } from '@weian/shared';
import { hotIn, inPieces } from './hot.js';
import type { Db } from './schema.js';

/** Kept beside their only user, like the incidents tables. */
export interface DataRegistersTable {
  institution_code: string;
  important_filed_on: string | null;
  important_receipt: string | null;
  updated_at: string;
  updated_by: string;
}
export interface DataRegisterEntriesTable {
  id: string;
  institution_code: string;
  category: DataCategory;
  level: DataLevel;
  volume: VolumeBand;
  /** JSON string[]: ids of the institution's MLPS systems. */
  system_ids: string;
  note: string | null;
  updated_at: string;
  updated_by: string;
}
export type DataRegisterRow = DataRegistersTable;
export type DataRegisterEntryRow = DataRegisterEntriesTable;

const ddb = (db: Db) => db.withTables<{ data_registers: DataRegistersTable; data_register_entries: DataRegisterEntriesTable }>();

export function getDataRegister(db: Db, institutionCode: string) {
  return ddb(db).selectFrom('data_registers').selectAll().where('institution_code', '=', institutionCode).executeTakeFirst();
}

export function listDataRegisterEntries(db: Db, institutionCode: string) {
  return ddb(db).selectFrom('data_register_entries').selectAll().where('institution_code', '=', institutionCode).orderBy('category').orderBy('id').execute();
}

/** The header exists from the first edit on: an entry or a filing creates it. */
export async function upsertDataRegister(db: Db, row: DataRegisterRow): Promise<void> {
  const { institution_code: _code, ...rest } = row;
  await ddb(db)
    .insertInto('data_registers')
    .values(row)
    .onConflict((oc) => oc.column('institution_code').doUpdateSet(rest))
    .execute();
}

/** Touches the header (who changed the register last) without changing the filing. */
export async function touchDataRegister(db: Db, institutionCode: string, at: string, by: string): Promise<void> {
  await ddb(db)
    .insertInto('data_registers')
    .values({ institution_code: institutionCode, important_filed_on: null, important_receipt: null, updated_at: at, updated_by: by })
    .onConflict((oc) => oc.column('institution_code').doUpdateSet({ updated_at: at, updated_by: by }))
    .execute();
}

export async function upsertDataRegisterEntry(db: Db, row: DataRegisterEntryRow): Promise<void> {
  const { id: _id, ...rest } = row;
  await ddb(db)
    .insertInto('data_register_entries')
    .values(row)
    .onConflict((oc) => oc.column('id').doUpdateSet(rest))
    .execute();
}

export async function deleteDataRegisterEntry(db: Db, institutionCode: string, id: string): Promise<boolean> {
  const r = await ddb(db).deleteFrom('data_register_entries').where('id', '=', id).where('institution_code', '=', institutionCode).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Row → the register entry the rules and the page read. */
export const entryOf = (r: DataRegisterEntryRow): DataRegisterEntry => ({
  id: r.id,
  category: r.category,
  level: r.level,
  volume: r.volume,
  systemIds: JSON.parse(r.system_ids) as string[],
  ...(r.note !== null ? { note: r.note } : {}),
});

/** What the rules read; null when the institution has never entered anything. */
export async function loadDataRegister(db: Db, institutionCode: string): Promise<DataRegister | null> {
  const header = await getDataRegister(db, institutionCode);
  const entries = (await listDataRegisterEntries(db, institutionCode)).map(entryOf);
  if (!header && entries.length === 0) return null;
  return { entries, importantDataFiledOn: header?.important_filed_on ?? null, importantDataReceipt: header?.important_receipt ?? null };
}

/**
 * The MLPS systems each host's institution's data register lists with important or core data
 * (HOST-LOG-RETENTION's longer minimum for the hosts in them), by host: read with the rest of what the
 * hosts' rules read, by their ids alone (evaluation.ts), so it needs no answer about their institutions first.
 */
// The hosts judged together (a report group's) ask at once: compiled once per number of hosts (hot.ts).
const importantEntriesOfHosts = hotIn((db, ids) =>
  ddb(db)
    .selectFrom('data_register_entries')
    .innerJoin('hosts', 'hosts.institution_code', 'data_register_entries.institution_code')
    .select(['hosts.id as host_id', 'data_register_entries.system_ids'])
    .where('hosts.id', 'in', ids)
    .where('data_register_entries.level', 'in', ['important', 'core']),
);
export async function systemsHoldingImportantData(db: Db, hostIds: string[]): Promise<Map<string, Set<string>>> {
  const held = new Map(hostIds.map((id) => [id, new Set<string>()]));
  await inPieces(hostIds, 64, async (ids) => {
    for (const e of await importantEntriesOfHosts(db, ids)) for (const system of JSON.parse(e.system_ids) as string[]) held.get(e.host_id)!.add(system);
  });
  return held;
}
