import { hotList, inPieces } from './hot.js';
import type { Db, FindingTransitionsTable } from './schema.js';

// Finding transitions: every status change of a finding, so "failing since when" is always answerable.

/** The transitions of an evaluation (a report group's hosts together), in one statement. */
const TRANSITION_COLUMNS = ['id', 'subject_kind', 'subject_id', 'rule_id', 'institution_code', 'from_status', 'to_status', 'severity', 'at'] as const satisfies ReadonlyArray<
  keyof FindingTransitionsTable
>;
// Every judgement that changes something writes some: compiled once per row count (hot.ts).
const transitionsInsert = hotList((db, rows: FindingTransitionsTable[]) => db.insertInto('finding_transitions').values(rows), TRANSITION_COLUMNS, { unread: true });

/** Transitions one insert writes: 9 parameters each, within both databases' limits. */
const MAX_TRANSITION_ROWS = 256;

export async function insertTransitions(db: Db, rows: FindingTransitionsTable[]): Promise<void> {
  await inPieces(rows, MAX_TRANSITION_ROWS, (piece) => transitionsInsert(db, piece));
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
