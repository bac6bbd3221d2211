import type { EvidenceFilesTable } from './notices.js';
import { storeEvidenceFile } from './notices.js';
import type { Db } from './schema.js';
import { inScope, type Scope } from './scope.js';

/** Kept beside their only user (services/selfInspection.ts), like the notice tables. */
export interface SelfInspectionTemplatesTable {
  region_code: string;
  year: number;
  deadline: string | null;
  added: string;
  raised: string;
  /** Item ids (JSON) of inherited items this region requires evidence for. */
  require_evidence: string;
  published_at: string;
  published_by: string;
}
export interface SelfInspectionsTable {
  id: string;
  institution_code: string;
  institution_region_code: string;
  year: number;
  status: 'draft' | 'submitted' | 'returned' | 'accepted';
  answers: string;
  template: string | null;
  submitted_at: string | null;
  late: number;
  self_score: number | null;
  final_score: number | null;
  percent: number | null;
  reviewed_at: string | null;
  reviewed_by: string | null;
  review_comment: string | null;
  updated_at: string;
}
export interface SelfInspectionEvidenceTable {
  inspection_id: string;
  sha256: string;
  name: string;
  uploaded_at: string;
  uploaded_by: string;
}
export type SelfInspectionRow = SelfInspectionsTable;
export type TemplateLayerRow = SelfInspectionTemplatesTable;

const sdb = (db: Db) =>
  db.withTables<{
    self_inspection_templates: SelfInspectionTemplatesTable;
    self_inspections: SelfInspectionsTable;
    self_inspection_evidence: SelfInspectionEvidenceTable;
    evidence_files: EvidenceFilesTable;
  }>();
const COLS = { region: 'self_inspections.institution_region_code', institution: 'self_inspections.institution_code' } as const;

/** The layers of `regionCodes` (a chain, province first) for a year, in that order. */
export async function templateLayers(db: Db, year: number, regionCodes: string[]): Promise<TemplateLayerRow[]> {
  if (!regionCodes.length) return [];
  const rows = await sdb(db).selectFrom('self_inspection_templates').selectAll().where('year', '=', year).where('region_code', 'in', regionCodes).execute();
  return regionCodes.map((c) => rows.find((r) => r.region_code === c)).filter((r): r is TemplateLayerRow => !!r);
}

/** A region's layer replaces its previous one for the year. */
export async function putTemplateLayer(db: Db, row: TemplateLayerRow): Promise<void> {
  await sdb(db)
    .insertInto('self_inspection_templates')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['region_code', 'year'])
        .doUpdateSet({ deadline: row.deadline, added: row.added, raised: row.raised, require_evidence: row.require_evidence, published_at: row.published_at, published_by: row.published_by }),
    )
    .execute();
}

/** An institution's self-inspection for a year if `scope` sees the institution. */
export function getSelfInspection(db: Db, scope: Scope, institutionCode: string, year: number) {
  return sdb(db)
    .selectFrom('self_inspections')
    .selectAll()
    .where('institution_code', '=', institutionCode)
    .where('year', '=', year)
    .where(inScope(scope, COLS) as never)
    .executeTakeFirst();
}

export async function insertSelfInspection(db: Db, row: SelfInspectionRow): Promise<void> {
  // Two first saves racing: the unique index keeps one, the other reloads it.
  await sdb(db)
    .insertInto('self_inspections')
    .values(row)
    .onConflict((oc) => oc.columns(['institution_code', 'year']).doNothing())
    .execute();
}

/** Written only while the row is still in `from`: a concurrent transition (a double submit) loses instead of overwriting. */
export async function updateSelfInspectionFrom(
  db: Db,
  id: string,
  from: SelfInspectionRow['status'],
  updatedAt: string,
  set: Partial<Omit<SelfInspectionRow, 'id' | 'institution_code' | 'institution_region_code' | 'year'>>,
): Promise<boolean> {
  const r = await sdb(db).updateTable('self_inspections').set(set).where('id', '=', id).where('status', '=', from).where('updated_at', '=', updatedAt).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Institutions in scope with their self-inspection of the year (null columns where none was started). */
export function listSelfInspections(db: Db, scope: Scope, year: number) {
  return db
    .withTables<{ self_inspections: SelfInspectionsTable }>()
    .selectFrom('institutions')
    .leftJoin('self_inspections', (j) => j.onRef('self_inspections.institution_code', '=', 'institutions.code').on('self_inspections.year', '=', year))
    .select([
      'institutions.code',
      'institutions.name',
      'institutions.region_code',
      'self_inspections.status',
      'self_inspections.submitted_at',
      'self_inspections.late',
      'self_inspections.self_score',
      'self_inspections.final_score',
      'self_inspections.percent',
    ])
    .where(inScope(scope, { region: 'institutions.region_code', institution: 'institutions.code' }) as never)
    .orderBy('institutions.region_code')
    .orderBy('institutions.code')
    .execute();
}

/** Status of each finding of `ruleIds` at the institution (host and institution subjects alike). */
export async function institutionFindingStatuses(db: Db, institutionCode: string, ruleIds: string[]): Promise<Array<{ ruleId: string; status: string }>> {
  if (!ruleIds.length) return [];
  const rows = await db.selectFrom('findings').select(['rule_id', 'status']).where('institution_code', '=', institutionCode).where('rule_id', 'in', ruleIds).execute();
  return rows.map((r) => ({ ruleId: r.rule_id, status: r.status }));
}

// ---- evidence ------------------------------------------------------------------------------------
export async function attachSelfInspectionEvidence(db: Db, file: EvidenceFilesTable, link: SelfInspectionEvidenceTable): Promise<boolean> {
  await storeEvidenceFile(db, file);
  const r = await sdb(db)
    .insertInto('self_inspection_evidence')
    .values(link)
    .onConflict((oc) => oc.columns(['inspection_id', 'sha256']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export function listSelfInspectionEvidence(db: Db, inspectionId: string) {
  return sdb(db)
    .selectFrom('self_inspection_evidence')
    .innerJoin('evidence_files', 'evidence_files.sha256', 'self_inspection_evidence.sha256')
    .select([
      'self_inspection_evidence.sha256',
      'self_inspection_evidence.name',
      'self_inspection_evidence.uploaded_at',
      'self_inspection_evidence.uploaded_by',
      'evidence_files.size',
      'evidence_files.type',
    ])
    .where('self_inspection_evidence.inspection_id', '=', inspectionId)
    .orderBy('self_inspection_evidence.uploaded_at')
    .execute();
}

export function getSelfInspectionEvidenceContent(db: Db, inspectionId: string, sha256: string) {
  return sdb(db)
    .selectFrom('self_inspection_evidence')
    .innerJoin('evidence_files', 'evidence_files.sha256', 'self_inspection_evidence.sha256')
    .select(['self_inspection_evidence.name', 'evidence_files.type', 'evidence_files.size', 'evidence_files.content'])
    .where('self_inspection_evidence.inspection_id', '=', inspectionId)
    .where('self_inspection_evidence.sha256', '=', sha256)
    .executeTakeFirst();
}

/** Counted beside rankings: the year's self-inspections of some institutions, as they stand. */
export function selfInspectionFacts(db: Db, year: number, codes: readonly string[]) {
  if (!codes.length) return Promise.resolve([]);
  return sdb(db).selectFrom('self_inspections').select(['institution_code', 'status', 'submitted_at', 'percent']).where('year', '=', year).where('institution_code', 'in', codes).execute();
}

/** An institution's self-inspections of some years, as they stand (INST-SELF-INSPECTION-REPORT). */
export function selfInspectionsOf(db: Db, institutionCode: string, years: readonly number[]) {
  return sdb(db)
    .selectFrom('self_inspections')
    .select(['year', 'status', 'submitted_at'])
    .where('institution_code', '=', institutionCode)
    .where('year', 'in', [...years])
    .execute();
}
