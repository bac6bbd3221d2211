import { sql } from 'kysely';
import type { Db } from './schema.js';
import { INSTITUTION_COLS, inScope, type Scope } from './scope.js';
import { SCORE_COLS } from './scores.js';

// A region's scores and institutions counted and summed in the database, for the overview.

/** A region's institutions grouped by the first `groupLen` digits of their region code, or one by one (null). */
const groupKey = (groupLen: number | null, regionCol: string, codeCol: string) => (groupLen ? sql<string>`substr(${sql.ref(regionCol)}, 1, ${sql.lit(groupLen)})` : sql<string>`${sql.ref(codeCol)}`);

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
