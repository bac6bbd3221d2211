import { setImmediate } from 'node:timers/promises';
import { gradeOf, rankInstitutions, type ResolvedSettings } from '@weian/shared';
import { listHistoryAt, listInstitutionScores, listRankingKeys } from '../../storage/findings.js';
import { listRegions } from '../../storage/regions.js';
import type { Scope } from '../../storage/scope.js';
import type { ServiceDeps } from '../deps.js';
import { rankingPeriod, rankingRowOf, regionPrefix, visibleRegion, type RankingRowOut } from '../rankings.js';
import { regionChain } from '../regions.js';
import { settingsForRegion } from '../settings.js';

/**
 * A ranking read for export without holding a province in memory at once.
 *
 * Approach: the order of a ranking needs only (code, name, score, failing critical, failing high),
 * and the name tie-break is a Chinese (pinyin) collation that neither SQLite nor PostgreSQL
 * reproduces exactly as ICU in Node does. So the sort keys of the whole region are read first
 * (a few dozen bytes per institution), ranked with the same `rankInstitutions` as `ranking()`, and
 * then the full rows are read from SQL one page of codes at a time, in that order, and yielded.
 * Each row is built by `rankingRowOf`, as in `ranking()`. A live ranking is a moving target (ingest
 * goes on): a row keeps the score and counts it was ranked by, so the file is always in order.
 */
export const PAGE_SIZE = 500;

const CHILD_PREFIX: Record<number, number | null> = { 2: 4, 4: 6, 6: null };

export interface RankingSource {
  region: { code: string; name: string };
  period: string;
  previousPeriod: string;
  live: boolean;
  generatedAt: string;
  /** The region's settings in force: score weights and each rule's switch and thresholds (the methodology sheet). */
  settings: ResolvedSettings;
  /** Institutions in the ranking. */
  total: number;
  /** The regions one level down that have institutions in this ranking (none below a county). */
  subRegions: Array<{ code: string; name: string; total: number }>;
  /** The rows in rank order; with a sub-region code, that sub-region's own ranking (as `ranking()` of it). */
  rows(subRegionCode?: string): AsyncGenerator<RankingRowOut>;
}

type Key = { code: string; name: string; regionCode: string; score: number; failing: { critical: number; high: number; medium: number; low: number } };

export async function openRanking(deps: ServiceDeps, scope: Scope, input: { regionCode: string; period?: string | undefined }, pageSize = PAGE_SIZE): Promise<RankingSource> {
  const now = deps.now();
  const region = await visibleRegion(deps, scope, input.regionCode);
  const p = rankingPeriod(now, input.period);
  const prefix = regionPrefix(input.regionCode);
  const keys: Key[] = (await listRankingKeys(deps.db, scope, prefix, p.day)).map((k) => ({
    code: k.code,
    name: k.name,
    regionCode: k.region_code,
    score: k.score ?? 0,
    failing: { critical: k.failing_critical ?? 0, high: k.failing_high ?? 0, medium: 0, low: 0 },
  }));
  const regionNames = new Map((await listRegions(deps.db, { prefix, ancestors: [] })).map((r) => [r.code, r.name]));
  const settings = await settingsForRegion(deps.db, input.regionCode);

  const childLen = CHILD_PREFIX[prefix.length] ?? null;
  const subRegions = new Map<string, number>();
  for (const k of childLen ? keys : []) {
    const code = k.regionCode.slice(0, childLen!).padEnd(6, '0');
    subRegions.set(code, (subRegions.get(code) ?? 0) + 1);
  }
  const nameOf = (code: string) => regionNames.get(code) ?? regionChain(code).at(-1)!.name;

  async function* rows(subRegionCode?: string): AsyncGenerator<RankingRowOut> {
    const sub = subRegionCode ? regionPrefix(subRegionCode) : null;
    const ranked = rankInstitutions(sub ? keys.filter((k) => k.regionCode.startsWith(sub)) : keys);
    for (let i = 0; i < ranked.length; i += pageSize) {
      const page = ranked.slice(i, i + pageSize);
      const codes = page.map((k) => k.code);
      const full = p.day === null ? await listInstitutionScores(deps.db, scope, prefix, codes) : await listHistoryAt(deps.db, scope, prefix, p.day, codes);
      const byCode = new Map(full.map((r) => [r.code, r]));
      const previous = new Map((await listHistoryAt(deps.db, scope, prefix, p.previousDay, codes)).map((r) => [r.code, r.score]));
      for (const k of page) {
        const r = byCode.get(k.code);
        // Removed between the two reads: it is no longer in the region, so it leaves the file too.
        if (!r) continue;
        const row = rankingRowOf({ ...r, score: k.score, failing_critical: k.failing.critical, failing_high: k.failing.high }, regionNames, previous);
        yield { ...row, position: k.position, rank: k.rank, grade: gradeOf(row.score).letter };
      }
      // SQLite answers synchronously: without a turn of the event loop per page, a province would hold
      // the process (ingest, other requests, the zip's deflate callbacks) until the whole file is made.
      await setImmediate();
    }
  }

  return {
    region,
    period: p.period,
    previousPeriod: p.previousPeriod,
    live: p.live,
    generatedAt: now.toISOString(),
    settings,
    total: keys.length,
    subRegions: [...subRegions.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([code, total]) => ({ code, name: nameOf(code), total })),
    rows,
  };
}
