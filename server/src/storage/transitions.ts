import type { Db, FindingTransitionsTable } from './schema.js';

// Finding transitions: every status change of a finding, so "failing since when" is always answerable.

/** A subject's transitions of one evaluation, in one statement. */
export async function insertTransitions(db: Db, rows: FindingTransitionsTable[]): Promise<void> {
  if (rows.length) await db.insertInto('finding_transitions').values(rows).execute();
}

export function listTransitions(db: Db, subjectKind: 'host' | 'institution', subjectId: string, limit: number) {
  return db
    .selectFrom('finding_transitions')
    .selectAll()
    .where('subject_kind', '=', subjectKind)
    .where('subject_id', '=', subjectId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
