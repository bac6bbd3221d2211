import type { IncidentEvidenceStage, IncidentLevel, IncidentStatus, IncidentType } from '@weian/shared';
import { storeEvidenceFile, type EvidenceFilesTable } from './notices.js';
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
  action: 'report' | 'follow-up' | 'close' | 'summary' | 'comment' | 'request-info' | 'receive' | 'notified' | 'attach';
  /** JSON. */
  detail: string;
}
/** An evidence file on an incident (content in evidence_files, shared with notices). */
export interface IncidentEvidenceTable {
  incident_id: string;
  sha256: string;
  name: string;
  stage: IncidentEvidenceStage;
  uploaded_at: string;
  uploaded_by: string;
}
export type IncidentRow = IncidentsTable;
export type IncidentEventRow = IncidentEventsTable;

const idb = (db: Db) => db.withTables<{ incidents: IncidentsTable; incident_events: IncidentEventsTable; incident_evidence: IncidentEvidenceTable; evidence_files: EvidenceFilesTable }>();
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

// ---- evidence ------------------------------------------------------------------------------------
/** Content stored once per SHA-256; the same file again on the same incident only returns false. */
export async function attachIncidentEvidence(db: Db, file: EvidenceFilesTable, link: IncidentEvidenceTable): Promise<boolean> {
  await storeEvidenceFile(db, file);
  const r = await idb(db)
    .insertInto('incident_evidence')
    .values(link)
    .onConflict((oc) => oc.columns(['incident_id', 'sha256']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export function listIncidentEvidence(db: Db, incidentId: string) {
  return idb(db)
    .selectFrom('incident_evidence')
    .innerJoin('evidence_files', 'evidence_files.sha256', 'incident_evidence.sha256')
    .select([
      'incident_evidence.sha256',
      'incident_evidence.name',
      'incident_evidence.stage',
      'incident_evidence.uploaded_at',
      'incident_evidence.uploaded_by',
      'evidence_files.size',
      'evidence_files.type',
    ])
    .where('incident_evidence.incident_id', '=', incidentId)
    .orderBy('incident_evidence.uploaded_at')
    .orderBy('incident_evidence.name')
    .execute();
}

/** One evidence file of an incident with its bytes (base64, as stored), for the download route. */
export function getIncidentEvidenceContent(db: Db, incidentId: string, sha256: string) {
  return idb(db)
    .selectFrom('incident_evidence')
    .innerJoin('evidence_files', 'evidence_files.sha256', 'incident_evidence.sha256')
    .select(['incident_evidence.name', 'evidence_files.type', 'evidence_files.size', 'evidence_files.content'])
    .where('incident_evidence.incident_id', '=', incidentId)
    .where('incident_evidence.sha256', '=', sha256)
    .executeTakeFirst();
}

/** The names of an incident's affected MLPS systems and hosts (of its own institution), as the records have them now. */
export async function incidentSubjectNames(db: Db, institutionCode: string, systemIds: readonly string[], hostIds: readonly string[]) {
  const [systems, hosts] = await Promise.all([
    systemIds.length
      ? db
          .selectFrom('mlps_systems')
          .select(['id', 'name', 'level'])
          .where('institution_code', '=', institutionCode)
          .where('id', 'in', [...systemIds])
          .execute()
      : Promise.resolve([]),
    hostIds.length
      ? db
          .selectFrom('hosts')
          .select(['id', 'hostname'])
          .where('institution_code', '=', institutionCode)
          .where('id', 'in', [...hostIds])
          .execute()
      : Promise.resolve([]),
  ]);
  return { systems, hosts };
}
