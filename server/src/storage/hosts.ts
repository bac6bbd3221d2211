import { sql } from 'kysely';
import { hot, hotIn, hotList } from './hot.js';
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
  for (let i = 0; i < ids.length; i += 500)
    await db
      .updateTable('hosts')
      .set({ last_report_at: at, last_seen_at: at })
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
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

/** Hosts with their institution's name and region, only those in `scope`. */
const hostsQuery = (db: Db, scope: Scope) =>
  db
    .selectFrom('hosts')
    .innerJoin('institutions', 'institutions.code', 'hosts.institution_code')
    .selectAll('hosts')
    .select(['institutions.name as institution_name', 'institutions.region_code'])
    .where(inScope(scope, INSTITUTION_COLS) as never);
/** A host, only when it lies in `scope`. */
const hostQuery = (db: Db, scope: Scope, id: string) => hostsQuery(db, scope).where('hosts.id', '=', id);
// Every evaluation of a host reads it unscoped: compiled once (hot.ts).
const hostById = hot((db, a: { id: string }) => hostQuery(db, { kind: 'all' }, a.id));
/** Hosts by id, unscoped, in one statement (those that do not exist are absent). */
// A report group's hosts judged together: compiled once per number of hosts (hot.ts).
export const getHosts = hotIn((db, ids) => hostsQuery(db, { kind: 'all' }).where('hosts.id', 'in', ids));

// The names alerts carry, for a report group's hosts at once: compiled once per number of hosts (hot.ts).
const namesOf = hotIn((db, ids) => db.selectFrom('hosts').select(['id', 'hostname']).where('id', 'in', ids));

/** Hosts' names by id, in one statement (hosts that do not exist are absent). */
export async function hostNames(db: Db, ids: string[]): Promise<Map<string, string>> {
  return new Map((await namesOf(db, ids)).map((h) => [h.id, h.hostname]));
}

export async function getHost(db: Db, scope: Scope, id: string) {
  return scope.kind === 'all' ? (await hostById(db, { id })).rows[0] : hostQuery(db, scope, id).executeTakeFirst();
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

export type HostStatus = HostRow['status'];
/** A host's risk by its failing checks: any critical; high but no critical; neither; not judged yet. */
export type HostRisk = 'critical' | 'high' | 'none' | 'unknown';
/** Orders the host list can take: hostname and last seen are served by an index (migration 2026-12-06-17b-host-list). */
export type HostSort = 'hostname' | 'score' | 'lastSeen';
export interface HostFilter {
  institutionCode?: string | undefined;
  regionPrefix?: string | undefined;
  /** Part of the hostname. */
  q?: string | undefined;
  status?: HostStatus[] | undefined;
  risk?: HostRisk[] | undefined;
}
export interface HostPageQuery extends HostFilter {
  sort: HostSort;
  desc: boolean;
  limit: number;
  offset: number;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Hosts in scope that pass the filter. The score row is a left join on its key: SQLite and
 * PostgreSQL both leave it out when nothing reads it (a count without a risk filter).
 */
function filteredHosts(db: Db, scope: Scope, f: HostFilter) {
  let q = db
    .selectFrom('hosts')
    .innerJoin('institutions', 'institutions.code', 'hosts.institution_code')
    .leftJoin('host_scores', 'host_scores.host_id', 'hosts.id')
    .where(inScope(scope, INSTITUTION_COLS) as never);
  if (f.institutionCode) q = q.where('hosts.institution_code', '=', f.institutionCode);
  if (f.regionPrefix) q = q.where('institutions.region_code', 'like', `${f.regionPrefix}%`);
  if (f.q) q = q.where(sql<boolean>`lower(hosts.hostname) like ${`%${escapeLike(f.q.toLowerCase())}%`} escape '\\'`);
  if (f.status?.length) q = q.where('hosts.status', 'in', f.status);
  if (f.risk?.length) {
    const risks = f.risk;
    q = q.where((eb) =>
      eb.or(
        risks.map((r) =>
          r === 'critical'
            ? eb('host_scores.failing_critical', '>', 0)
            : r === 'high'
              ? eb.and([eb('host_scores.failing_critical', '=', 0), eb('host_scores.failing_high', '>', 0)])
              : r === 'none'
                ? eb.and([eb('host_scores.failing_critical', '=', 0), eb('host_scores.failing_high', '=', 0), eb('host_scores.score', 'is not', null)])
                : eb('host_scores.score', 'is', null),
        ),
      ),
    );
  }
  return q;
}

/**
 * One page of the host list. The order's columns lead an index, so a page reads about as many rows
 * as it shows instead of joining and sorting every host; the id breaks ties so pages never overlap.
 */
export function listHostPage(db: Db, scope: Scope, f: HostPageQuery) {
  const dir = f.desc ? 'desc' : 'asc';
  let q = filteredHosts(db, scope, f)
    .selectAll('hosts')
    .select(['institutions.name as institution_name', 'institutions.region_code', 'host_scores.score', 'host_scores.failing_critical', 'host_scores.failing_high']);
  // Hosts not judged yet have no score: they sort as the worst (missing evidence is never a pass).
  if (f.sort === 'score') q = q.orderBy('host_scores.score', (ob) => (f.desc ? ob.desc().nullsLast() : ob.asc().nullsFirst()));
  else if (f.sort === 'lastSeen') q = q.orderBy('hosts.last_seen_at', dir);
  else q = q.orderBy('hosts.hostname', dir);
  return q.orderBy('hosts.id', dir).limit(f.limit).offset(f.offset).execute();
}

/** How many hosts pass the filter (the pager's total). */
export async function countHosts(db: Db, scope: Scope, f: HostFilter): Promise<number> {
  const { n } = await filteredHosts(db, scope, f)
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** Records a report group; each host's name follows its report's device section when it came with one. */
// Every report marks its host, a group's hosts in one statement (a `values` table joined by id),
// compiled once per group size (hot.ts). A stale host that reports again is active again; a retired
// one stays retired. The name is set only by the statement for reports that carry a device section:
// SQLite rewrites the entries of both indexes holding the name whenever it is set, even to itself
// (a group of 4 steady reports: 0.44 ms with it, 0.26 ms without).
const v = (column: 1 | 2 | 3 | 4) => sql.ref(`v.column${column}`);
const hostsReported = (db: Db, rows: HostMark[], withName: boolean) =>
  db
    .updateTable('hosts')
    // Untyped parameters in `values` are text on PostgreSQL, as every column set here is.
    .from(sql<{ column1: string }>`(values ${sql.join(rows.map((r) => sql`(${r.id}, ${r.collectedAt}, ${r.receivedAt}, ${r.hostname})`))})`.as('v'))
    .set((eb) => ({
      // Never backwards: a late replay (an outbox draining old reports) leaves the newest time standing.
      last_report_at: eb
        .case()
        .when(eb.or([eb('last_report_at', 'is', null), eb('last_report_at', '<', v(2) as never)]))
        .then(v(2))
        .else(eb.ref('last_report_at'))
        .end() as never,
      last_seen_at: v(3) as never,
      status: eb
        .case()
        .when('status', '=', 'stale')
        .then('active' as const)
        .else(eb.ref('status'))
        .end() as never,
      ...(withName ? { hostname: eb.fn.coalesce(v(4), eb.ref('hostname')) as never } : {}),
    }))
    .whereRef('hosts.id', '=', v(1) as never);
// A report with a device section is checked against its host's enrolled identity, read from the rows just
// written (no second statement per report). The others' (steady reports: the device sent as a hash) result is
// unread: on PostgreSQL it goes out with the group's next statement (hot.ts).
const named = hotList((db, rows: HostMark[]) => hostsReported(db, rows, true).returning(['id', 'machine_id', 'identity_conflict']));
const unnamed = hotList((db, rows: HostMark[]) => hostsReported(db, rows, false), undefined, { unread: true });

export interface HostMark {
  id: string;
  collectedAt: string;
  receivedAt: string;
  hostname: string | null;
}

/** Marks a group's hosts reported (each host once); returns the enrolled identity of each host whose report carried its device section, by host id (absent when the host is gone). */
export async function markReported(db: Db, marks: HostMark[]): Promise<Map<string, { machine_id: string | null; identity_conflict: string | null }>> {
  // One format (UTC, toISOString) so that stored times compare as strings.
  const utc = (rows: HostMark[]) => rows.map((m) => ({ ...m, collectedAt: new Date(m.collectedAt).toISOString() }));
  const withName = marks.filter((m) => m.hostname !== null);
  const withoutName = marks.filter((m) => m.hostname === null);
  if (withoutName.length) await unnamed(db, utc(withoutName));
  const out = new Map<string, { machine_id: string | null; identity_conflict: string | null }>();
  if (withName.length) for (const r of (await named(db, utc(withName))).rows) out.set(r.id, { machine_id: r.machine_id, identity_conflict: r.identity_conflict });
  return out;
}

export async function markHostSeen(db: Db, id: string, at: string): Promise<void> {
  await db.updateTable('hosts').set({ last_seen_at: at }).where('id', '=', id).execute();
}
