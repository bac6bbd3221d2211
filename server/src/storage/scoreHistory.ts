import type { ExpressionBuilder } from 'kysely';
import { institutionPart, regionAncestors, toTenths, type RegionPart } from '@weian/shared';
import type { Database, Db, ScoreHistoryTable } from './schema.js';
import { INSTITUTION_COLS, inScope, type Scope } from './scope.js';
import { INSTITUTION_IDENTITY, SCORE_FIELDS } from './scores.js';

// The daily snapshots of scores, per institution and per region: trends and past periods' rankings.

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

export const lastSnapshotDay = (day: string) => (eb: ExpressionBuilder<Database & { h: ScoreHistoryTable }, 'h'>) =>
  eb
    .selectFrom('score_history as h2')
    .select((e) => e.fn.max('h2.day').as('d'))
    .whereRef('h2.institution_code', '=', 'h.institution_code')
    .where('h2.day', '<=', day);

/**
 * A region's (province, city or county code) daily score sum and institution count from `since` on,
 * as a region part (shared/src/regionFigures.ts): the trend line is `regionFigures([part])`.
 */
export async function regionTrend(db: Db, regionCode: string, since: string) {
  const rows = await db
    .selectFrom('region_score_history')
    .select(['day', 'score_sum', 'score_tenths', 'institutions'])
    .where('region_code', '=', regionCode)
    .where('day', '>=', since)
    .orderBy('day')
    .execute();
  // Rows from before score_tenths existed: their sum was of one-decimal scores in double precision.
  return rows.map((r) => ({
    day: r.day,
    part: { institutions: r.institutions, scoreTenths: r.score_tenths === null ? toTenths(r.score_sum) : Number(r.score_tenths), grade: null } satisfies RegionPart,
  }));
}
