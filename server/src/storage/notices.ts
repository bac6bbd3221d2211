import { sql } from 'kysely';
import type { Db } from './schema.js';
import { inScope, type Scope } from './scope.js';

/** Kept beside their only user (services/notices.ts), like the alert tables. */
export interface NoticesTable {
  id: string;
  number: string;
  region_code: string;
  year: number;
  seq: number;
  institution_code: string;
  institution_region_code: string;
  title: string;
  requirement: string;
  severity: string;
  status: 'issued' | 'signed' | 'submitted' | 'returned' | 'closed';
  issued_at: string;
  issued_by: string;
  deadline: string;
  extension_request: string | null;
  closed_at: string | null;
  updated_at: string;
}
export interface NoticeItemsTable {
  id: string;
  notice_id: string;
  position: number;
  title: string;
  requirement: string;
  rule_id: string | null;
  links: string;
  status: 'pending' | 'answered' | 'submitted' | 'accepted' | 'returned';
  verified: number;
  measures: string | null;
  evidence: string;
  review_comment: string | null;
  updated_at: string;
}
export interface NoticeEventsTable {
  id: string;
  notice_id: string;
  seq: number;
  item_id: string | null;
  at: string;
  actor_type: 'user' | 'system';
  actor_id: string | null;
  actor_name: string;
  action: string;
  detail: string;
}
export interface EvidenceFilesTable {
  sha256: string;
  size: number;
  type: string;
  content: string;
  created_at: string;
}
export interface NoticeEvidenceTable {
  notice_id: string;
  sha256: string;
  name: string;
  uploaded_at: string;
  uploaded_by: string;
}
export type NoticeRow = NoticesTable;
export type NoticeItemRow = NoticeItemsTable;
export type NoticeEventRow = NoticeEventsTable;

const noticesDb = (db: Db) =>
  db.withTables<{ notices: NoticesTable; notice_items: NoticeItemsTable; notice_events: NoticeEventsTable; evidence_files: EvidenceFilesTable; notice_evidence: NoticeEvidenceTable }>();
const NOTICE_COLS = { region: 'notices.institution_region_code', institution: 'notices.institution_code' } as const;

/** The next number in the issuing region's year (the unique index refuses a racing duplicate). */
export async function nextNoticeSeq(db: Db, regionCode: string, year: number): Promise<number> {
  const r = await noticesDb(db)
    .selectFrom('notices')
    .select(sql<number>`coalesce(max(seq), 0)`.as('max'))
    .where('region_code', '=', regionCode)
    .where('year', '=', year)
    .executeTakeFirst();
  return Number(r?.max ?? 0) + 1;
}

export async function insertNotice(db: Db, notice: NoticeRow, items: NoticeItemRow[]): Promise<void> {
  await noticesDb(db).insertInto('notices').values(notice).execute();
  if (items.length) await noticesDb(db).insertInto('notice_items').values(items).execute();
}

/** Appended after the notice's last event (the unique index refuses two writers taking the same place). */
export async function insertNoticeEvent(db: Db, row: Omit<NoticeEventRow, 'seq'>): Promise<void> {
  const last = await noticesDb(db)
    .selectFrom('notice_events')
    .select(sql<number>`coalesce(max(seq), 0)`.as('max'))
    .where('notice_id', '=', row.notice_id)
    .executeTakeFirst();
  await noticesDb(db)
    .insertInto('notice_events')
    .values({ ...row, seq: Number(last?.max ?? 0) + 1 })
    .execute();
}

/** A notice if `scope` sees its institution. */
export function getNotice(db: Db, scope: Scope, id: string) {
  return noticesDb(db)
    .selectFrom('notices')
    .selectAll()
    .where('id', '=', id)
    .where(inScope(scope, NOTICE_COLS) as never)
    .executeTakeFirst();
}

export function getNoticeItems(db: Db, noticeId: string) {
  return noticesDb(db).selectFrom('notice_items').selectAll().where('notice_id', '=', noticeId).orderBy('position').execute();
}

export function listNoticeEvents(db: Db, noticeId: string) {
  return noticesDb(db).selectFrom('notice_events').selectAll().where('notice_id', '=', noticeId).orderBy('seq').execute();
}

/** Written only while the notice is still in `from`: a concurrent transition loses instead of overwriting. */
export async function updateNoticeFrom(
  db: Db,
  id: string,
  from: NoticeRow['status'],
  set: Partial<Pick<NoticeRow, 'status' | 'deadline' | 'extension_request' | 'closed_at' | 'updated_at'>>,
): Promise<boolean> {
  const r = await noticesDb(db).updateTable('notices').set(set).where('id', '=', id).where('status', '=', from).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function updateNoticeItem(db: Db, id: string, set: Partial<Pick<NoticeItemRow, 'status' | 'verified' | 'measures' | 'evidence' | 'review_comment' | 'updated_at'>>): Promise<void> {
  await noticesDb(db).updateTable('notice_items').set(set).where('id', '=', id).execute();
}

export interface NoticeFilter {
  status?: Array<NoticeRow['status']> | undefined;
  institutionCode?: string | undefined;
  limit: number;
  offset: number;
}
export async function listNotices(db: Db, scope: Scope, f: NoticeFilter): Promise<{ rows: NoticeRow[]; total: number }> {
  let q = noticesDb(db)
    .selectFrom('notices')
    .where(inScope(scope, NOTICE_COLS) as never);
  if (f.status?.length) q = q.where('status', 'in', f.status);
  if (f.institutionCode) q = q.where('institution_code', '=', f.institutionCode);
  const total = await q.select(sql<number>`count(*)`.as('n')).executeTakeFirst();
  // Open first, then the nearest deadline: what needs chasing is on top.
  const rows = await q
    .selectAll()
    .orderBy(sql`case when status = 'closed' then 1 else 0 end`)
    .orderBy('deadline')
    .orderBy('issued_at', 'desc')
    .limit(f.limit)
    .offset(f.offset)
    .execute();
  return { rows, total: Number(total?.n ?? 0) };
}

/** Items about any of `ruleIds` of notices still open or closed at or after `closedSince` (the longest reopen window a region may set): one query for all the changes a report made. */
export function itemsForRulesOpenOrClosedSince(db: Db, ruleIds: string[], closedSince: string) {
  return noticesDb(db)
    .selectFrom('notice_items')
    .innerJoin('notices', 'notices.id', 'notice_items.notice_id')
    .selectAll('notice_items')
    .select(['notices.institution_code', 'notices.institution_region_code', 'notices.number'])
    .where('notice_items.rule_id', 'in', ruleIds)
    .where((eb) => eb.or([eb('notices.status', '!=', 'closed'), eb('notices.closed_at', '>=', closedSince)]))
    .execute();
}

/** Subjects of `ruleId` at the institution whose finding fails now. */
export async function failingSubjects(db: Db, institutionCode: string, ruleId: string): Promise<Array<{ subjectKind: 'host' | 'institution'; subjectId: string }>> {
  const rows = await db
    .selectFrom('findings')
    .select(['subject_kind', 'subject_id'])
    .where('institution_code', '=', institutionCode)
    .where('rule_id', '=', ruleId)
    .where('status', '=', 'fail')
    .orderBy('subject_id')
    .execute();
  return rows.map((r) => ({ subjectKind: r.subject_kind, subjectId: r.subject_id }));
}

/** Statuses of one rule's findings for the given subjects (a subject with no finding is missing from the map). */
export async function findingStatuses(db: Db, ruleId: string, subjectIds: string[]): Promise<Map<string, string>> {
  if (!subjectIds.length) return new Map();
  const rows = await db.selectFrom('findings').select(['subject_id', 'status']).where('rule_id', '=', ruleId).where('subject_id', 'in', subjectIds).execute();
  return new Map(rows.map((r) => [r.subject_id, r.status]));
}

/** Institutions in scope (and under `regionCode`) failing every rule of `failingRuleIds` and/or graded `grade`. */
export async function institutionsMatching(db: Db, scope: Scope, f: { regionCode?: string | undefined; failingRuleIds: readonly string[]; grade?: string | undefined }) {
  let q = db
    .selectFrom('institutions')
    .select(['institutions.code', 'institutions.name', 'institutions.region_code'])
    .where(inScope(scope, { region: 'institutions.region_code', institution: 'institutions.code' }) as never);
  if (f.regionCode) q = q.where('institutions.region_code', 'like', `${f.regionCode.replace(/(00)+$/, '')}%`);
  if (f.grade)
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('institution_scores')
          .select(sql<number>`1`.as('one'))
          .whereRef('institution_scores.institution_code', '=', 'institutions.code')
          .where('institution_scores.grade', '=', f.grade!),
      ),
    );
  for (const ruleId of f.failingRuleIds)
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('findings')
          .select(sql<number>`1`.as('one'))
          .whereRef('findings.institution_code', '=', 'institutions.code')
          .where('findings.rule_id', '=', ruleId)
          .where('findings.status', '=', 'fail'),
      ),
    );
  return q.orderBy('institutions.code').execute();
}

// ---- evidence ------------------------------------------------------------------------------------
/** Content is stored once per SHA-256; a second upload of the same bytes only attaches it. */
export async function storeEvidenceFile(db: Db, file: EvidenceFilesTable): Promise<void> {
  await noticesDb(db)
    .insertInto('evidence_files')
    .values(file)
    .onConflict((oc) => oc.column('sha256').doNothing())
    .execute();
}

export async function attachEvidence(db: Db, file: EvidenceFilesTable, link: NoticeEvidenceTable): Promise<boolean> {
  await storeEvidenceFile(db, file);
  const r = await noticesDb(db)
    .insertInto('notice_evidence')
    .values(link)
    .onConflict((oc) => oc.columns(['notice_id', 'sha256']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export function listNoticeEvidence(db: Db, noticeId: string) {
  return noticesDb(db)
    .selectFrom('notice_evidence')
    .innerJoin('evidence_files', 'evidence_files.sha256', 'notice_evidence.sha256')
    .select(['notice_evidence.sha256', 'notice_evidence.name', 'notice_evidence.uploaded_at', 'notice_evidence.uploaded_by', 'evidence_files.size', 'evidence_files.type'])
    .where('notice_evidence.notice_id', '=', noticeId)
    .orderBy('notice_evidence.uploaded_at')
    .execute();
}

export function getNoticeEvidenceContent(db: Db, noticeId: string, sha256: string) {
  return noticesDb(db)
    .selectFrom('notice_evidence')
    .innerJoin('evidence_files', 'evidence_files.sha256', 'notice_evidence.sha256')
    .select(['notice_evidence.name', 'evidence_files.type', 'evidence_files.size', 'evidence_files.content'])
    .where('notice_evidence.notice_id', '=', noticeId)
    .where('notice_evidence.sha256', '=', sha256)
    .executeTakeFirst();
}

/** Notices not closed whose deadline (a China date) is before `today`. */
export function listOverdueNotices(db: Db, today: string) {
  return noticesDb(db)
    .selectFrom('notices')
    .select(['id', 'number', 'institution_code', 'institution_region_code', 'deadline'])
    .where('status', '!=', 'closed')
    .where('deadline', '<', today)
    .orderBy('institution_code')
    .orderBy('deadline')
    .execute();
}

/** Institutions with an open overdue-notice alert (to clear those no longer overdue). */
export function institutionsWithOpenAlert(db: Db, ruleId: string) {
  return db
    .withTables<{ alerts: { subject_kind: string; subject_id: string; rule_id: string; resolved_at: string | null } }>()
    .selectFrom('alerts')
    .select('subject_id')
    .where('subject_kind', '=', 'institution')
    .where('rule_id', '=', ruleId)
    .where('resolved_at', 'is', null)
    .execute();
}

/** Counted beside rankings: every notice to some institutions (issue, deadline, closing). */
export function noticeFacts(db: Db, codes: readonly string[]) {
  if (!codes.length) return Promise.resolve([]);
  return noticesDb(db).selectFrom('notices').select(['institution_code', 'issued_at', 'deadline', 'closed_at']).where('institution_code', 'in', codes).execute();
}

/** The items of an institution's notices not closed, with their notice's number and deadline (INST-RECTIFY-OVERDUE). */
export function openNoticeItems(db: Db, institutionCode: string) {
  return noticesDb(db)
    .selectFrom('notice_items')
    .innerJoin('notices', 'notices.id', 'notice_items.notice_id')
    .select(['notices.number', 'notices.deadline', 'notice_items.title', 'notice_items.status', 'notice_items.verified'])
    .where('notices.institution_code', '=', institutionCode)
    .where('notices.status', '!=', 'closed')
    .orderBy('notices.deadline')
    .orderBy('notice_items.position')
    .execute();
}
