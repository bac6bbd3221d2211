import { hot } from './hot.js';
import type { Db, HostsTable } from './schema.js';
import { INSTITUTION_COLS, inScope, type Scope } from './scope.js';

export type HostRow = HostsTable;

/** A host is the same machine when its institution, machine id and hostname match: it survives agent re-installs. */
export function findHostByIdentity(db: Db, institutionCode: string, machineId: string | null, hostname: string) {
  let q = db.selectFrom('hosts').selectAll().where('institution_code', '=', institutionCode).where('hostname', '=', hostname).where('status', '!=', 'retired');
  q = machineId === null ? q.where('machine_id', 'is', null) : q.where('machine_id', '=', machineId);
  return q.executeTakeFirst();
}

export function findHostByMachineId(db: Db, institutionCode: string, machineId: string) {
  return db.selectFrom('hosts').selectAll().where('institution_code', '=', institutionCode).where('machine_id', '=', machineId).where('status', '!=', 'retired').executeTakeFirst();
}

export async function setIdentityConflict(db: Db, id: string, conflict: string | null): Promise<void> {
  await db.updateTable('hosts').set({ identity_conflict: conflict }).where('id', '=', id).execute();
}

export async function setHostStatus(db: Db, id: string, status: HostRow['status']): Promise<void> {
  await db.updateTable('hosts').set({ status }).where('id', '=', id).execute();
}

/** Active hosts whose last sign of life is older than `before`: they become stale. */
export function markStaleHosts(db: Db, before: string): Promise<Array<{ id: string; institution_code: string }>> {
  return db
    .updateTable('hosts')
    .set({ status: 'stale' })
    .where('status', '=', 'active')
    .where((eb) => eb.or([eb('last_seen_at', '<', before), eb('last_seen_at', 'is', null)]))
    .returning(['id', 'institution_code'])
    .execute();
}

/** Many hosts reported unchanged data at `at` (delta sync): their sections stay, their report time moves. */
export async function markHostsReported(db: Db, ids: string[], at: string): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) await db.updateTable('hosts').set({ last_report_at: at, last_seen_at: at }).where('id', 'in', ids.slice(i, i + 500)).execute();
}

/** Every host the daily job re-judges: all but retired ones. */
export async function listHostIdsToEvaluate(db: Db): Promise<string[]> {
  return (await db.selectFrom('hosts').select('id').where('status', '!=', 'retired').execute()).map((r) => r.id);
}

/** Hosts of an institution that count for coverage: everything not retired. */
export function listInstitutionHosts(db: Db, institutionCode: string) {
  return db.selectFrom('hosts').select(['id', 'status', 'last_report_at', 'identity_conflict']).where('institution_code', '=', institutionCode).where('status', '!=', 'retired').execute();
}

export async function insertHost(db: Db, row: HostRow): Promise<void> {
  await db.insertInto('hosts').values(row).execute();
}

/** A host, only when it lies in `scope`. */
export function getHost(db: Db, scope: Scope, id: string) {
  return db
    .selectFrom('hosts')
    .innerJoin('institutions', 'institutions.code', 'hosts.institution_code')
    .selectAll('hosts')
    .select(['institutions.name as institution_name', 'institutions.region_code'])
    .where('hosts.id', '=', id)
    .where(inScope(scope, INSTITUTION_COLS) as never)
    .executeTakeFirst();
}

export function listHosts(db: Db, scope: Scope, opts: { institutionCode?: string | undefined; regionPrefix?: string | undefined; limit: number; offset: number }) {
  let q = db
    .selectFrom('hosts')
    .innerJoin('institutions', 'institutions.code', 'hosts.institution_code')
    .selectAll('hosts')
    .select(['institutions.name as institution_name', 'institutions.region_code'])
    .where(inScope(scope, INSTITUTION_COLS) as never);
  if (opts.institutionCode) q = q.where('hosts.institution_code', '=', opts.institutionCode);
  if (opts.regionPrefix) q = q.where('institutions.region_code', 'like', `${opts.regionPrefix}%`);
  return q.orderBy('hosts.hostname').orderBy('hosts.id').limit(opts.limit).offset(opts.offset).execute();
}

/** Records a report; the hostname follows the device section when it came with one. */
// Every report marks its host: compiled once (hot.ts). A stale host that reports again is active
// again; a retired one stays retired; a report without a device section keeps the hostname.
const hostReported = hot((db, a: { id: string; collectedAt: string; receivedAt: string; hostname: string | null }) =>
  db
    .updateTable('hosts')
    .set((eb) => ({
      // Never backwards: a late replay (an outbox draining old reports) leaves the newest time standing.
      last_report_at: eb.case().when(eb.or([eb('last_report_at', 'is', null), eb('last_report_at', '<', a.collectedAt)])).then(a.collectedAt).else(eb.ref('last_report_at')).end() as never,
      last_seen_at: a.receivedAt,
      status: eb.case().when('status', '=', 'stale').then('active' as const).else(eb.ref('status')).end() as never,
      hostname: eb.fn.coalesce(eb.val(a.hostname), eb.ref('hostname')) as never,
    }))
    .where('id', '=', a.id)
    // What the identity check reads, from the row just written: no second statement per report.
    .returning(['machine_id', 'identity_conflict']),
);

/** Marks the host reported; returns its enrolled identity (undefined when the host is gone). */
export async function markHostReported(db: Db, id: string, collectedAt: string, receivedAt: string, hostname: string | null) {
  // One format (UTC, toISOString) so that stored times compare as strings.
  return (await hostReported(db, { id, collectedAt: new Date(collectedAt).toISOString(), receivedAt, hostname })).rows[0];
}

export async function markHostSeen(db: Db, id: string, at: string): Promise<void> {
  await db.updateTable('hosts').set({ last_seen_at: at }).where('id', '=', id).execute();
}
