import { sql } from 'kysely';
import { hotIn, hotList, inPieces } from './hot.js';
import type { Db, HostScoresTable, InstitutionScoresTable } from './schema.js';
import { INSTITUTION_COLS, inScope, type Scope } from './scope.js';

// Host and institution scores as they stand now (what a live ranking and the overview read).

/** What an upsert of a host's score rewrites (all but its key). */
const HOST_SCORE_VALUES = ['institution_code', 'score', 'capped', 'mlps_level', 'failing_critical', 'failing_high', 'failing_medium', 'failing_low', 'updated_at'] as const satisfies ReadonlyArray<
  keyof HostScoresTable
>;
// Every judgement writes one, a report group's hosts together: compiled once per number of hosts (hot.ts).
const hostScoresUpsert = hotList(
  (db, rows: HostScoresTable[]) =>
    db
      .insertInto('host_scores')
      .values(rows)
      .onConflict((oc) => oc.column('host_id').doUpdateSet((eb) => Object.fromEntries(HOST_SCORE_VALUES.map((c) => [c, eb.ref(`excluded.${c}`)])))),
  ['host_id', ...HOST_SCORE_VALUES],
  { unread: true },
);

/** Hosts' scores, inserted or updated in place, in one statement (at most 64 hosts, a report group's). */
export async function upsertHostScores(db: Db, rows: HostScoresTable[]): Promise<void> {
  await inPieces(rows, 64, (piece) => hostScoresUpsert(db, piece));
}

// A report group's judged hosts' scores as they stood before: compiled once per number of hosts (hot.ts).
const scoresOfHosts = hotIn((db, ids) => db.selectFrom('host_scores').selectAll().where('host_id', 'in', ids));

/** Hosts' stored scores, 64 hosts to a statement (a report group's). */
export async function getHostScores(db: Db, hostIds: string[]): Promise<HostScoresTable[]> {
  const rows: HostScoresTable[] = [];
  await inPieces(hostIds, 64, async (ids) => void rows.push(...(await scoresOfHosts(db, ids))));
  return rows;
}

export function listHostScores(db: Db, institutionCode: string) {
  return db
    .selectFrom('host_scores')
    .innerJoin('hosts', 'hosts.id', 'host_scores.host_id')
    .selectAll('host_scores')
    .where('host_scores.institution_code', '=', institutionCode)
    .where('hosts.status', '!=', 'retired')
    .execute();
}

export async function upsertInstitutionScore(db: Db, row: Omit<InstitutionScoresTable, 'revision'>): Promise<void> {
  const { institution_code, ...rest } = row;
  void institution_code;
  await db
    .insertInto('institution_scores')
    .values(row)
    .onConflict((oc) => oc.column('institution_code').doUpdateSet({ ...rest, revision: sql<number>`institution_scores.revision + 1` }))
    .execute();
}

export function getInstitutionScore(db: Db, institutionCode: string) {
  return db.selectFrom('institution_scores').selectAll().where('institution_code', '=', institutionCode).executeTakeFirst();
}

export const INSTITUTION_IDENTITY = ['institutions.code', 'institutions.name', 'institutions.type', 'institutions.region_code'] as const;
/** What a ranking row shows, the same whether read live (institution_scores) or as of a day (score_history). */
export const SCORE_FIELDS = [
  'score',
  'technical',
  'governance',
  'coverage',
  'failing_critical',
  'failing_high',
  'failing_medium',
  'failing_low',
  'hosts_registered',
  'hosts_reporting',
  'overdue_mlps',
] as const;

/**
 * Current scores of every institution in a region (by code prefix), with names and types for rankings;
 * `codes` narrows it to one page of institutions (the paged export).
 */
export function listInstitutionScores(db: Db, scope: Scope, regionPrefix: string, codes?: readonly string[]) {
  return db
    .selectFrom('institutions')
    .leftJoin('institution_scores', 'institution_scores.institution_code', 'institutions.code')
    .select(INSTITUTION_IDENTITY)
    .select(SCORE_FIELDS.map((f) => `institution_scores.${f}` as const))
    .where('institutions.region_code', 'like', `${regionPrefix}%`)
    .where(inScope(scope, INSTITUTION_COLS) as never)
    .$if(codes !== undefined, (q) => q.where('institutions.code', 'in', codes!))
    .execute();
}

/** The scope columns of institution_scores (it carries its institution's region code). */
export const SCORE_COLS = { region: 'institution_scores.region_code', institution: 'institution_scores.institution_code' } as const;

/** Each institution's score revision in a region: what tells a reader whose failing counts changed. */
export function listScoreRevisions(db: Db, scope: Scope, regionPrefix: string) {
  return db
    .selectFrom('institution_scores')
    .select(['institution_code', 'revision'])
    .where('region_code', 'like', `${regionPrefix}%`)
    .where(inScope(scope, SCORE_COLS) as never)
    .execute();
}

/** The failing counts by rule (JSON) of these institutions, with the revision they are of. */
export function listFailingByRule(db: Db, codes: readonly string[]) {
  return db.selectFrom('institution_scores').select(['institution_code', 'revision', 'failing_by_rule']).where('institution_code', 'in', codes).execute();
}

/**
 * What changes whenever anything a region's overview or live ranking reads does: the number of
 * institutions and of score rows, and the sums of their revisions (each update counts one up;
 * institutions are never deleted or moved, so none of the four can come back to an earlier value).
 */
export async function regionScoresVersion(db: Db, scope: Scope, regionPrefix: string): Promise<string> {
  // Both tables have the region code and the revision (the cast only names one of them for the types).
  const read = (table: 'institutions' | 'institution_scores', cols: { region: string; institution: string }) =>
    db
      .selectFrom(table as 'institutions')
      .select((eb) => [eb.fn.countAll<string | number>().as('n'), eb.fn.sum<string | number | null>('revision').as('revisions')])
      .where('region_code', 'like', `${regionPrefix}%`)
      .where(inScope(scope, cols) as never)
      .executeTakeFirstOrThrow();
  const institutions = await read('institutions', INSTITUTION_COLS);
  const scores = await read('institution_scores', SCORE_COLS);
  return `${institutions.n}:${institutions.revisions ?? 0}:${scores.n}:${scores.revisions ?? 0}`;
}
