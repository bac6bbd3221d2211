import type { Db } from './schema.js';
import { lastSnapshotDay } from './scoreHistory.js';
import { INSTITUTION_COLS, inScope, type Scope } from './scope.js';

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
export function listRankingKeys(
  db: Db,
  scope: Scope,
  regionPrefix: string,
  day: string | null,
  opts: { extra?: readonly RankingKeyExtra[]; codes?: readonly string[] } = {},
): Promise<RankingKeyRow[]> {
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
