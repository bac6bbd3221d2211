import type { MlpsSystem } from '@weian/shared';
import { hot, hotIn } from './hot.js';
import { systemOf } from './mappers.js';
import type { Db, GovernanceRecordsTable, MlpsSystemsTable, RiskExceptionsTable } from './schema.js';

// ---- MLPS systems ---------------------------------------------------------------------------
export function listMlpsSystems(db: Db, institutionCode: string) {
  return db.selectFrom('mlps_systems').selectAll().where('institution_code', '=', institutionCode).orderBy('name').execute();
}

export function listSystemHosts(db: Db, systemIds: string[]) {
  if (!systemIds.length) return Promise.resolve([]);
  return db.selectFrom('mlps_system_hosts').selectAll().where('system_id', 'in', systemIds).execute();
}

/** An institution's MLPS systems with the hosts each covers. */
export async function loadSystems(db: Db, institutionCode: string): Promise<MlpsSystem[]> {
  const rows = await listMlpsSystems(db, institutionCode);
  const links = await listSystemHosts(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) =>
    systemOf(
      r,
      links.filter((l) => l.system_id === r.id).map((l) => l.host_id),
    ),
  );
}

export async function upsertMlpsSystem(db: Db, row: MlpsSystemsTable, hostIds: string[]): Promise<void> {
  const { id, ...rest } = row;
  await db
    .insertInto('mlps_systems')
    .values(row)
    .onConflict((oc) => oc.column('id').doUpdateSet(rest))
    .execute();
  await db.deleteFrom('mlps_system_hosts').where('system_id', '=', id).execute();
  if (hostIds.length)
    await db
      .insertInto('mlps_system_hosts')
      .values(hostIds.map((host_id) => ({ system_id: id, host_id })))
      .execute();
}

export async function deleteMlpsSystem(db: Db, institutionCode: string, id: string): Promise<boolean> {
  await db.deleteFrom('mlps_system_hosts').where('system_id', '=', id).execute();
  const r = await db.deleteFrom('mlps_systems').where('id', '=', id).where('institution_code', '=', institutionCode).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

// Every evaluation of a host asks, a report group's hosts at once: compiled once per number of hosts (hot.ts).
const systemsOfHosts = hotIn((db, ids) =>
  db
    .selectFrom('mlps_system_hosts')
    .innerJoin('mlps_systems', 'mlps_systems.id', 'mlps_system_hosts.system_id')
    .select(['mlps_system_hosts.host_id', 'mlps_systems.id', 'mlps_systems.level', 'mlps_systems.retired_on'])
    .where('mlps_system_hosts.host_id', 'in', ids),
);
/** The MLPS systems live on `today` (YYYY-MM-DD) that each host belongs to, in one statement. */
export async function liveSystemsOfHosts(db: Db, hostIds: string[], today: string): Promise<Array<{ host_id: string; id: string; level: number | null }>> {
  const rows = await systemsOfHosts(db, hostIds);
  return rows.filter((r) => r.retired_on === null || r.retired_on > today).map((r) => ({ host_id: r.host_id, id: r.id, level: r.level === null ? null : Number(r.level) }));
}

/** Each host's highest level among its live systems (as `liveSystemsOfHosts` gives them); absent when none has one. */
export function hostMlpsLevels(systems: Array<{ host_id: string; level: number | null }>): Map<string, number> {
  const levels = new Map<string, number>();
  for (const s of systems) if (s.level !== null) levels.set(s.host_id, Math.max(levels.get(s.host_id) ?? s.level, s.level));
  return levels;
}

// ---- governance records -----------------------------------------------------------------------
export function listGovernance(db: Db, institutionCode: string) {
  return db.selectFrom('governance_records').selectAll().where('institution_code', '=', institutionCode).orderBy('date', 'desc').execute();
}

export async function insertGovernance(db: Db, row: GovernanceRecordsTable): Promise<void> {
  await db.insertInto('governance_records').values(row).execute();
}

export async function deleteGovernance(db: Db, institutionCode: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('governance_records').where('id', '=', id).where('institution_code', '=', institutionCode).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

// ---- risk exceptions --------------------------------------------------------------------------
const liveExceptions = (db: Db) => db.selectFrom('risk_exceptions').selectAll().where('withdrawn_at', 'is', null);
// Every evaluation reads its subject's exceptions: compiled once (hot.ts).
const subjectExceptions = hot((db, a: { kind: string; id: string }) =>
  liveExceptions(db)
    .where('subject_kind', '=', a.kind as 'host')
    .where('subject_id', '=', a.id)
    .orderBy('expires_on', 'desc'),
);
/** The live exceptions of hosts, in one statement (each host's newest expiry first). */
// A report group's hosts at once: compiled once per number of hosts (hot.ts).
export const listHostsExceptions = hotIn((db, ids) => liveExceptions(db).where('subject_kind', '=', 'host').where('subject_id', 'in', ids).orderBy('expires_on', 'desc'));
export async function listExceptions(db: Db, filter: { institutionCode: string } | { subjectKind: 'host' | 'institution'; subjectId: string }) {
  if (!('institutionCode' in filter)) return (await subjectExceptions(db, { kind: filter.subjectKind, id: filter.subjectId })).rows;
  return liveExceptions(db).where('institution_code', '=', filter.institutionCode).orderBy('expires_on', 'desc').execute();
}

export async function insertException(db: Db, row: RiskExceptionsTable): Promise<void> {
  await db.insertInto('risk_exceptions').values(row).execute();
}

export async function withdrawException(db: Db, institutionCode: string, id: string, at: string) {
  return db
    .updateTable('risk_exceptions')
    .set({ withdrawn_at: at })
    .where('id', '=', id)
    .where('institution_code', '=', institutionCode)
    .where('withdrawn_at', 'is', null)
    .returning(['id', 'subject_kind', 'subject_id', 'rule_id'])
    .executeTakeFirst();
}

// ---- region settings --------------------------------------------------------------------------
export async function getRegionSettings(db: Db, codes: string[]) {
  // `in ()` is a syntax error on PostgreSQL: a province has no region above it.
  if (!codes.length) return [];
  return db.selectFrom('region_settings').selectAll().where('region_code', 'in', codes).execute();
}

/** Settings rows of the regions whose code starts with `prefix` (a region and everything below it). */
export function listRegionSettingsUnder(db: Db, prefix: string) {
  return db.selectFrom('region_settings').select(['region_code', 'settings']).where('region_code', 'like', `${prefix}%`).orderBy('region_code').execute();
}

export async function putRegionSettings(db: Db, regionCode: string, settings: string, at: string, by: string): Promise<void> {
  await db
    .insertInto('region_settings')
    .values({ region_code: regionCode, settings, updated_at: at, updated_by: by })
    .onConflict((oc) => oc.column('region_code').doUpdateSet({ settings, updated_at: at, updated_by: by }))
    .execute();
}
