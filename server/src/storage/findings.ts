import { sql, type ExpressionBuilder } from 'kysely';
import { institutionPart, regionAncestors, toTenths, type RegionPart } from '@weian/shared';
import { hot } from './hot.js';
import type { Database, Db, FindingsTable, HostScoresTable, InstitutionScoresTable, ScoreHistoryTable } from './schema.js';
import { INSTITUTION_COLS, inScope, type Scope } from './scope.js';

export type FindingRow = FindingsTable;

export function getFindings(db: Db, subjectKind: 'host' | 'institution', subjectId: string) {
  return db.selectFrom('findings').selectAll().where('subject_kind', '=', subjectKind).where('subject_id', '=', subjectId).execute();
}

export async function upsertFinding(db: Db, row: FindingRow): Promise<void> {
  const { subject_kind, subject_id, rule_id, ...rest } = row;
  void subject_kind;
  void subject_id;
  void rule_id;
  await db
    .insertInto('findings')
    .values(row)
    .onConflict((oc) => oc.columns(['subject_kind', 'subject_id', 'rule_id']).doUpdateSet(rest))
    .execute();
}

export async function deleteFinding(db: Db, subjectKind: 'host' | 'institution', subjectId: string, ruleId: string): Promise<void> {
  await db.deleteFrom('findings').where('subject_kind', '=', subjectKind).where('subject_id', '=', subjectId).where('rule_id', '=', ruleId).execute();
}

export async function insertTransition(db: Db, row: { id: string; subject_kind: 'host' | 'institution'; subject_id: string; rule_id: string; institution_code: string; from_status: string | null; to_status: string; severity: string; at: string }): Promise<void> {
  await db.insertInto('finding_transitions').values(row).execute();
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

export function listInstitutionFailingFindings(db: Db, institutionCode: string) {
  return db
    .selectFrom('findings')
    .selectAll()
    .where('institution_code', '=', institutionCode)
    .where('status', 'in', ['fail', 'unknown'])
    .orderBy('severity')
    .orderBy('rule_id')
    .limit(5000)
    .execute();
}

/** Every finding of an institution's hosts, passing ones too: what its host scores are rebuilt from in an export. */
export function listInstitutionHostFindings(db: Db, institutionCode: string) {
  return db.selectFrom('findings').selectAll().where('institution_code', '=', institutionCode).where('subject_kind', '=', 'host').execute();
}

// ---- security-update first sightings ----------------------------------------------------------------
export function getFirstSeen(db: Db, hostId: string) {
  return db.selectFrom('update_first_seen').select(['name', 'first_seen_at']).where('host_id', '=', hostId).execute();
}

/** Keeps first sightings of what is pending now, forgets what is no longer pending. */
export async function syncFirstSeen(db: Db, hostId: string, pending: string[], at: string, known: Set<string>): Promise<void> {
  const fresh = pending.filter((n) => !known.has(n));
  if (fresh.length) {
    for (let i = 0; i < fresh.length; i += 500) {
      await db
        .insertInto('update_first_seen')
        .values(fresh.slice(i, i + 500).map((name) => ({ host_id: hostId, name, first_seen_at: at })))
        .onConflict((oc) => oc.columns(['host_id', 'name']).doNothing())
        .execute();
    }
  }
  const gone = [...known].filter((n) => !pending.includes(n));
  for (let i = 0; i < gone.length; i += 500) await db.deleteFrom('update_first_seen').where('host_id', '=', hostId).where('name', 'in', gone.slice(i, i + 500)).execute();
}

// ---- scores -----------------------------------------------------------------------------------------
export async function upsertHostScore(db: Db, row: HostScoresTable): Promise<void> {
  const { host_id, ...rest } = row;
  void host_id;
  await db.insertInto('host_scores').values(row).onConflict((oc) => oc.column('host_id').doUpdateSet(rest)).execute();
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

const INSTITUTION_IDENTITY = ['institutions.code', 'institutions.name', 'institutions.type', 'institutions.region_code'] as const;
/** What a ranking row shows, the same whether read live (institution_scores) or as of a day (score_history). */
const SCORE_FIELDS = [
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

/**
 * The day's snapshot: every scored institution's score, and every province, city and county's exact
 * score sum over all its institutions (one with no score yet counts 0: the region policy of
 * shared/src/regionFigures.ts, as on the overview), so a trend reads 90 rows, not 90 × institutions.
 */
export async function snapshotScores(db: Db, day: string): Promise<void> {
  const rows = await db
    .selectFrom('institutions')
    .leftJoin('institution_scores as s', 's.institution_code', 'institutions.code')
    .select(['institutions.code', 'institutions.region_code'])
    .select(SCORE_FIELDS.map((f) => `s.${f}` as const))
    .execute();
  const regions = new Map<string, { tenths: number; n: number }>();
  for (const r of rows) {
    const part = institutionPart(r.score);
    for (const code of regionAncestors(r.region_code)) {
      const g = regions.get(code) ?? { tenths: 0, n: 0 };
      g.tenths += part.scoreTenths;
      g.n += part.institutions;
      regions.set(code, g);
    }
  }
  for (const [region_code, g] of regions) {
    const values = { score_sum: g.tenths / 10, score_tenths: g.tenths, institutions: g.n };
    await db
      .insertInto('region_score_history')
      .values({ region_code, day, ...values })
      .onConflict((oc) => oc.columns(['region_code', 'day']).doUpdateSet(values))
      .execute();
  }
  for (const r of rows) {
    // An institution without a score has no row of its own: its past rankings show no change against it.
    if (r.score === null) continue;
    const rest = Object.fromEntries(SCORE_FIELDS.map((f) => [f, r[f] ?? 0])) as Omit<ScoreHistoryTable, 'institution_code' | 'day' | 'region_code'>;
    const row: ScoreHistoryTable = { institution_code: r.code, day, region_code: r.region_code, ...rest };
    await db
      .insertInto('score_history')
      .values(row)
      .onConflict((oc) => oc.columns(['institution_code', 'day']).doUpdateSet({ region_code: r.region_code, ...rest }))
      .execute();
  }
}

/** The last snapshot on or before `day` for every institution in a region (or one page of `codes`): a past period's standing. */
export function listHistoryAt(db: Db, scope: Scope, regionPrefix: string, day: string, codes?: readonly string[]) {
  return db
    .selectFrom('score_history as h')
    .innerJoin('institutions', 'institutions.code', 'h.institution_code')
    .select(INSTITUTION_IDENTITY)
    .select(SCORE_FIELDS.map((f) => `h.${f}` as const))
    .where('institutions.region_code', 'like', `${regionPrefix}%`)
    .where(inScope(scope, INSTITUTION_COLS) as never)
    .where('h.day', '=', lastSnapshotDay(day))
    .$if(codes !== undefined, (q) => q.where('institutions.code', 'in', codes!))
    .execute();
}

const lastSnapshotDay = (day: string) => (eb: ExpressionBuilder<Database & { h: ScoreHistoryTable }, 'h'>) =>
  eb.selectFrom('score_history as h2').select((e) => e.fn.max('h2.day').as('d')).whereRef('h2.institution_code', '=', 'h.institution_code').where('h2.day', '<=', day);

/** One institution's ranking key, as `listRankingKeys` reads it. */
export interface RankingKeyRow {
  code: string;
  name: string;
  type: string;
  score: number | null;
  failing_critical: number | null;
  failing_high: number | null;
  /** Only when asked for (`extra`). */
  region_code?: string;
  coverage?: number | null;
  overdue_mlps?: number | null;
}
/** Key columns only some readers need: the export's sub-regions, two sort keys. */
export type RankingKeyExtra = 'region_code' | 'coverage' | 'overdue_mlps';
const RANK_FIELDS = ['score', 'failing_critical', 'failing_high'] as const;

/**
 * Only what ranks, filters and sorts a ranking (code, name, type, score, failing critical and high,
 * and the `extra` columns asked for), for the current scores (`day` null) or the last snapshot on or
 * before `day`: small enough to sort a province in memory, so the full rows can then be read page by
 * page in rank order. Every column read costs a province of 5,000 rows about a millisecond (the
 * driver makes a JavaScript value of each), hence the extras on request. `codes` narrows it to some
 * institutions (a page's previous scores).
 */
export function listRankingKeys(db: Db, scope: Scope, regionPrefix: string, day: string | null, opts: { extra?: readonly RankingKeyExtra[]; codes?: readonly string[] } = {}): Promise<RankingKeyRow[]> {
  const extra = opts.extra ?? [];
  const fields = [...RANK_FIELDS, ...extra.filter((c) => c !== 'region_code')];
  const base = db
    .selectFrom('institutions')
    .select(['institutions.code', 'institutions.name', 'institutions.type'])
    .$if(extra.includes('region_code'), (q) => q.select('institutions.region_code'))
    .where('institutions.region_code', 'like', `${regionPrefix}%`)
    .where(inScope(scope, INSTITUTION_COLS) as never)
    .$if(opts.codes !== undefined, (q) => q.where('institutions.code', 'in', opts.codes!))
    // A fixed input order: the stable sort then orders even two identical names the same on every read.
    .orderBy('institutions.code');
  if (day === null) {
    return base
      .leftJoin('institution_scores as s', 's.institution_code', 'institutions.code')
      .select(fields.map((f) => `s.${f}` as const))
      .execute();
  }
  return base
    .innerJoin('score_history as h', 'h.institution_code', 'institutions.code')
    .select(fields.map((f) => `h.${f}` as const))
    .where('h.day', '=', lastSnapshotDay(day))
    .execute();
}

/**
 * A region's (province, city or county code) daily score sum and institution count from `since` on,
 * as a region part (shared/src/regionFigures.ts): the trend line is `regionFigures([part])`.
 */
export async function regionTrend(db: Db, regionCode: string, since: string) {
  const rows = await db.selectFrom('region_score_history').select(['day', 'score_sum', 'score_tenths', 'institutions']).where('region_code', '=', regionCode).where('day', '>=', since).orderBy('day').execute();
  // Rows from before score_tenths existed: their sum was of one-decimal scores in double precision.
  return rows.map((r) => ({ day: r.day, part: { institutions: r.institutions, scoreTenths: r.score_tenths === null ? toTenths(r.score_sum) : Number(r.score_tenths), grade: null } satisfies RegionPart }));
}

/** The scope columns of institution_scores (it carries its institution's region code). */
const SCORE_COLS = { region: 'institution_scores.region_code', institution: 'institution_scores.institution_code' } as const;

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

/** A region's institutions grouped by the first `groupLen` digits of their region code, or one by one (null). */
const groupKey = (groupLen: number | null, regionCol: string, codeCol: string) =>
  groupLen ? sql<string>`substr(${sql.ref(regionCol)}, 1, ${sql.lit(groupLen)})` : sql<string>`${sql.ref(codeCol)}`;

/**
 * A region's scores summed in the database per group and grade: a few hundred rows for a province of
 * thousands of institutions. Sums are of integer tenths, exact in both dialects (a sum of `real`
 * scores is not), ready for shared/src/regionFigures.ts.
 */
export async function regionScoreGroups(db: Db, scope: Scope, regionPrefix: string, groupLen: number | null) {
  const key = groupKey(groupLen, 'region_code', 'institution_code');
  const rows = await db
    .selectFrom('institution_scores')
    .select((eb) => [
      key.as('grp'),
      'grade',
      eb.fn.countAll<string | number>().as('n'),
      sql<string | number>`sum(cast(round(cast(score as double precision) * 10) as bigint))`.as('score_tenths'),
      eb.fn.sum<string | number>('hosts_registered').as('hosts_registered'),
      eb.fn.sum<string | number>('hosts_reporting').as('hosts_reporting'),
      eb.fn.sum<string | number>('overdue_mlps').as('overdue_mlps'),
      eb.fn.sum<string | number>('failing_critical').as('failing_critical'),
      eb.fn.sum<string | number>('failing_high').as('failing_high'),
    ])
    .where('region_code', 'like', `${regionPrefix}%`)
    .where(inScope(scope, SCORE_COLS) as never)
    .groupBy([key, 'grade'])
    .execute();
  // PostgreSQL counts and sums integers as bigint (a string).
  return rows.map((r) => ({
    group: r.grp,
    grade: r.grade,
    institutions: Number(r.n),
    scoreTenths: Number(r.score_tenths),
    hostsRegistered: Number(r.hosts_registered),
    hostsReporting: Number(r.hosts_reporting),
    overdueMlps: Number(r.overdue_mlps),
    failingCritical: Number(r.failing_critical),
    failingHigh: Number(r.failing_high),
  }));
}

/** A region's institutions counted per group (as `regionScoreGroups`), scored or not; one by one, with names. */
export async function regionInstitutionGroups(db: Db, scope: Scope, regionPrefix: string, groupLen: number | null) {
  const key = groupKey(groupLen, 'region_code', 'code');
  const rows = await db
    .selectFrom('institutions')
    .select((eb) => [key.as('grp'), eb.fn.countAll<string | number>().as('n'), eb.fn.max('name').as('name')])
    .where('region_code', 'like', `${regionPrefix}%`)
    .where(inScope(scope, INSTITUTION_COLS) as never)
    .groupBy(key)
    .execute();
  return rows.map((r) => ({ group: r.grp, institutions: Number(r.n), name: r.name }));
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
