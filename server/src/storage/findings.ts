import { hot, hotIn, hotList, inPieces } from './hot.js';
import type { Db, FindingsTable } from './schema.js';

// Findings (each subject's current result per rule) and what is counted from them.

export type FindingRow = FindingsTable;

// Every evaluation reads its subject's findings: compiled once (hot.ts).
const findingsOf = hot((db, a: { kind: string; id: string }) =>
  db
    .selectFrom('findings')
    .selectAll()
    .where('subject_kind', '=', a.kind as 'host')
    .where('subject_id', '=', a.id),
);
export async function getFindings(db: Db, subjectKind: 'host' | 'institution', subjectId: string) {
  return (await findingsOf(db, { kind: subjectKind, id: subjectId })).rows;
}

// A report group's hosts judged together read their findings at once: compiled once per number of hosts (hot.ts).
const findingsOfHosts = hotIn((db, ids) => db.selectFrom('findings').selectAll().where('subject_kind', '=', 'host').where('subject_id', 'in', ids));

/** The findings of several subjects of one kind, in one statement for hosts (a report group's). */
export async function getFindingsOf(db: Db, subjectKind: 'host' | 'institution', subjectIds: string[]): Promise<FindingRow[]> {
  if (subjectKind === 'institution') return (await Promise.all(subjectIds.map((id) => getFindings(db, subjectKind, id)))).flat();
  const rows: FindingRow[] = [];
  await inPieces(subjectIds, MAX_SUBJECTS, async (ids) => void rows.push(...(await findingsOfHosts(db, ids))));
  return rows;
}
/** Hosts whose findings one statement reads: a report group's at most (ingest.ts MAX_GROUP). */
const MAX_SUBJECTS = 64;
/** Findings one upsert writes: 11 parameters each, within SQLite's 32,766 and PostgreSQL's 65,535. */
const MAX_FINDING_ROWS = 256;

/** What an upsert of a finding rewrites (all but its key). */
const FINDING_VALUES = ['institution_code', 'status', 'severity', 'evidence', 'exception_id', 'exception_expires_on', 'since', 'evaluated_at'] as const satisfies ReadonlyArray<keyof FindingRow>;

const FINDING_COLUMNS = ['subject_kind', 'subject_id', 'rule_id', ...FINDING_VALUES] as const satisfies ReadonlyArray<keyof FindingRow>;
// A first report writes dozens, and every report that changes a judgement some: compiled once per row count (hot.ts).
const findingsUpsert = hotList(
  (db, rows: FindingRow[]) =>
    db
      .insertInto('findings')
      .values(rows)
      .onConflict((oc) => oc.columns(['subject_kind', 'subject_id', 'rule_id']).doUpdateSet((eb) => Object.fromEntries(FINDING_VALUES.map((c) => [c, eb.ref(`excluded.${c}`)])))),
  FINDING_COLUMNS,
  { unread: true },
);

/** Findings in one statement (a report group's first reports write dozens each): inserted, or updated in place. */
export async function upsertFindings(db: Db, rows: FindingRow[]): Promise<void> {
  await inPieces(rows, MAX_FINDING_ROWS, (piece) => findingsUpsert(db, piece));
}

/** Findings of rules that no longer apply to the subject, in one statement. */
export async function deleteFindings(db: Db, subjectKind: 'host' | 'institution', subjectId: string, ruleIds: string[]): Promise<void> {
  if (!ruleIds.length) return;
  await db.deleteFrom('findings').where('subject_kind', '=', subjectKind).where('subject_id', '=', subjectId).where('rule_id', 'in', ruleIds).execute();
}

export function listInstitutionFailingFindings(db: Db, institutionCode: string) {
  return db.selectFrom('findings').selectAll().where('institution_code', '=', institutionCode).where('status', 'in', ['fail', 'unknown']).orderBy('severity').orderBy('rule_id').limit(5000).execute();
}

/** Every finding of an institution's hosts, passing ones too: what its host scores are rebuilt from in an export. */
export function listInstitutionHostFindings(db: Db, institutionCode: string) {
  return db.selectFrom('findings').selectAll().where('institution_code', '=', institutionCode).where('subject_kind', '=', 'host').execute();
}

/** An institution's failing, non-excepted findings counted by rule (host and institution rules alike). */
export function failingByRule(db: Db, institutionCode: string) {
  return db
    .selectFrom('findings')
    .select(['rule_id', 'severity', (eb) => eb.fn.countAll<string | number>().as('n')])
    .where('institution_code', '=', institutionCode)
    .where('status', '=', 'fail')
    .where('exception_id', 'is', null)
    .groupBy(['rule_id', 'severity'])
    .execute();
}

/** When a host was last judged, and its silence finding: whether a report that changes nothing needs judging. */
// Asked for every report that changes nothing: compiled once (hot.ts).
const evaluationState = hot((db, a: { hostId: string }) =>
  db
    .selectFrom('host_scores')
    .leftJoin('findings', (j) => j.onRef('findings.subject_id', '=', 'host_scores.host_id').on('findings.subject_kind', '=', 'host').on('findings.rule_id', '=', 'HOST-AGENT-SILENT'))
    .select(['host_scores.updated_at', 'findings.status'])
    .where('host_scores.host_id', '=', a.hostId),
);

export async function getEvaluationState(db: Db, hostId: string): Promise<{ evaluatedAt: string | null; silentStatus: string | null }> {
  const row = (await evaluationState(db, { hostId })).rows[0];
  return { evaluatedAt: row?.updated_at ?? null, silentStatus: row?.status ?? null };
}
