import { setImmediate } from 'node:timers/promises';
import { childPrefixLength, codeOfPrefix, institutionPart, rankInstitutions, regionPrefix, type RegionPart, type ResolvedSettings } from '@weian/shared';
import type { Scope } from '../../storage/scope.js';
import type { ServiceDeps } from '../deps.js';
import { openRankingKeys, type RankingKey, type RankingRowOut } from '../rankings.js';
import { regionChain } from '../regions.js';

/**
 * A ranking read for export without holding a province in memory at once: the region's keys are
 * ranked as for `ranking()` (`openRankingKeys`), then the full rows are read one page of codes at a
 * time, in rank order, and yielded.
 */
export const PAGE_SIZE = 500;

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

export async function openRanking(deps: ServiceDeps, scope: Scope, input: { regionCode: string; period?: string | undefined }, pageSize = PAGE_SIZE): Promise<RankingSource> {
  const r = await openRankingKeys(deps, scope, input, ['region_code']);
  // Asked for above: every key has its region.
  const regionOf = (k: RankingKey) => k.stored.region_code!;
  const childLen = childPrefixLength(r.prefix.length);
  const subRegions = new Map<string, number>();
  for (const k of childLen ? r.ranked : []) {
    const code = codeOfPrefix(regionOf(k).slice(0, childLen!));
    subRegions.set(code, (subRegions.get(code) ?? 0) + 1);
  }
  const nameOf = (code: string) => r.regionNames.get(code) ?? regionChain(code).at(-1)!.name;

  async function* rows(subRegionCode?: string): AsyncGenerator<RankingRowOut> {
    const sub = subRegionCode ? regionPrefix(subRegionCode) : null;
    const ranked = sub ? rankInstitutions(r.ranked.filter((k) => regionOf(k).startsWith(sub))) : r.ranked;
    for (let i = 0; i < ranked.length; i += pageSize) {
      yield* await r.rowsOf(ranked.slice(i, i + pageSize));
      // SQLite answers synchronously: without a turn of the event loop per page, a province would hold
      // the process (ingest, other requests, the zip's deflate callbacks) until the whole file is made.
      await setImmediate();
    }
  }

  return {
    ...r.header,
    settings: r.settings,
    total: r.ranked.length,
    subRegions: [...subRegions.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([code, total]) => ({ code, name: nameOf(code), total })),
    rows,
  };
}

/** A ranking row as a part of its region's figures (shared/src/regionFigures.ts), for every export's summary. */
export const regionPartOf = (row: RankingRowOut): RegionPart =>
  institutionPart(row.score, {
    hostsRegistered: row.hostsRegistered,
    hostsReporting: row.hostsReporting,
    failingCritical: row.failing.critical,
    failingHigh: row.failing.high,
    overdueMlps: row.overdueMlps,
  });
