import type { IncidentLevel, IncidentStatus, IncidentType } from '@weian/shared';
import type { Db } from './schema.js';
import { inScope, type Scope } from './scope.js';

/** Kept beside their only user, like the alerts tables. */
export interface IncidentsTable {
  id: string;
  institution_code: string;
  region_code: string;
  institution_name: string;
  title: string;
  type: IncidentType;
  level: IncidentLevel;
  cii: number;
  /** JSON IncidentCriteria. */
  criteria: string;
  grading_reason: string | null;
  status: IncidentStatus;
  discovered_at: string;
  reported_at: string;
  report_deadline: string;
  impact: string;
  measures: string;
  cause: string | null;
  support_requested: string | null;
  /** JSON string[]. */
  system_ids: string;
  host_ids: string;
  /** The alert it was made from, if any. */
  alert_id: string | null;
  closed_at: string | null;
  summary_deadline: string | null;
  summarized_at: string | null;
  /** JSON {cause, measures, rectification, lessons}. */
  summary: string | null;
  received_at: string | null;
  received_by: string | null;
  reported_by: string;
  updated_at: string;
}
export interface IncidentEventsTable {
  id: string;
  incident_id: string;
  /** 1, 2, …: the timeline's order (several events may share a millisecond). */
  seq: number;
  at: string;
  actor_type: 'system' | 'user';
  actor_id: string | null;
  actor_name: string;
  action: 'report' | 'follow-up' | 'close' | 'summary' | 'comment' | 'request-info' | 'receive' | 'notified';
  /** JSON. */
  detail: string;
}
export type IncidentRow = IncidentsTable;
export type IncidentEventRow = IncidentEventsTable;

const idb = (db: Db) => db.withTables<{ incidents: IncidentsTable; incident_events: IncidentEventsTable }>();
const COLS = { region: 'incidents.region_code', institution: 'incidents.institution_code' } as const;

export async function insertIncident(db: Db, row: IncidentRow): Promise<void> {
  await idb(db).insertInto('incidents').values(row).execute();
}

/** Appends to the incident's timeline, numbering the event after the last one. */
export async function insertIncidentEvent(db: Db, row: Omit<IncidentEventRow, 'seq'>): Promise<void> {
  const last = await idb(db)
    .selectFrom('incident_events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('incident_id', '=', row.incident_id)
    .executeTakeFirst();
  await idb(db)
    .insertInto('incident_events')
    .values({ ...row, seq: Number(last?.seq ?? 0) + 1 })
    .execute();
}

/** Updates the fields given; the caller has checked the transition. */
export async function updateIncident(db: Db, id: string, set: Partial<Omit<IncidentRow, 'id'>>): Promise<void> {
  await idb(db).updateTable('incidents').set(set).where('id', '=', id).execute();
}

/** One incident only when it lies in `scope`. */
export function getIncidentInScope(db: Db, scope: Scope, id: string) {
  return idb(db)
    .selectFrom('incidents')
    .selectAll()
    .where('id', '=', id)
    .where(inScope(scope, COLS) as never)
    .executeTakeFirst();
}

export function listIncidents(db: Db, scope: Scope, filter: { status?: IncidentStatus[] | undefined; regionPrefix?: string | undefined; alertId?: string | undefined; limit: number }) {
  let q = idb(db)
    .selectFrom('incidents')
    .selectAll()
    .where(inScope(scope, COLS) as never);
  if (filter.status?.length) q = q.where('status', 'in', filter.status);
  if (filter.regionPrefix) q = q.where('region_code', 'like', `${filter.regionPrefix}%`);
  if (filter.alertId) q = q.where('alert_id', '=', filter.alertId);
  return q.orderBy('reported_at', 'desc').orderBy('id').limit(filter.limit).execute();
}

export function listIncidentEvents(db: Db, incidentId: string) {
  return idb(db).selectFrom('incident_events').selectAll().where('incident_id', '=', incidentId).orderBy('seq').execute();
}

/** Closed incidents and those with a summary: what the summary check judges (all regions; a job's view). */
export function listClosedIncidents(db: Db) {
  return idb(db)
    .selectFrom('incidents')
    .select(['id', 'institution_code', 'region_code', 'title', 'status', 'summary_deadline', 'summarized_at'])
    .where('status', 'in', ['closed', 'summarized'])
    .orderBy('summary_deadline')
    .execute();
}

/** The clock fields of some institutions' incidents reported, or with a summary due, in [from, to): the rankings' column. */
export function listIncidentClocks(db: Db, codes: readonly string[], from: string, to: string) {
  if (codes.length === 0) return Promise.resolve([]);
  return idb(db)
    .selectFrom('incidents')
    .select(['institution_code', 'status', 'report_deadline', 'reported_at', 'summary_deadline', 'summarized_at'])
    .where('institution_code', 'in', [...codes])
    .where((eb) => eb.or([eb.and([eb('reported_at', '>=', from), eb('reported_at', '<', to)]), eb.and([eb('summary_deadline', '>=', from), eb('summary_deadline', '<', to)])]))
    .execute();
}

/** Channel sends recorded on timelines since `since`, oldest first: what the retry job reads. */
export function listNotifiedEventsSince(db: Db, since: string) {
  return idb(db).selectFrom('incident_events').select(['incident_id', 'at', 'detail']).where('action', '=', 'notified').where('at', '>=', since).orderBy('incident_id').orderBy('seq').execute();
}

/** One incident by id, whatever the scope: for jobs. */
export function getIncident(db: Db, id: string) {
  return idb(db).selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Incidents in scope, of institutions under a region prefix, reported in [from, to): a period's statistics. */
export function listIncidentsReportedIn(db: Db, scope: Scope, prefix: string, from: string, to: string) {
  return idb(db)
    .selectFrom('incidents')
    .selectAll()
    .where(inScope(scope, COLS) as never)
    .where('region_code', 'like', `${prefix}%`)
    .where('reported_at', '>=', from)
    .where('reported_at', '<', to)
    .orderBy('reported_at')
    .orderBy('id')
    .execute();
}
