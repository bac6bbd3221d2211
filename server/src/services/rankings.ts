import {
  chinaDate,
  compareNames,
  gradeOf,
  INSTITUTION_TYPE_LABELS,
  INSTITUTION_TYPES,
  rankInstitutions,
  regionPrefix,
  round1,
  type Grade,
  type IncidentPeriodCounts,
  type InstitutionType,
  type ResolvedSettings,
  type SupervisionFigures,
} from '@weian/shared';
import { listRankingKeys, type RankingKeyExtra, type RankingKeyRow } from '../storage/rankingKeys.js';
import { listHistoryAt } from '../storage/scoreHistory.js';
import { listInstitutionScores } from '../storage/scores.js';
import { listRegions } from '../storage/regions.js';
import type { Scope } from '../storage/scope.js';
import { perDeps, type ServiceDeps } from './deps.js';
import { regionCache } from './regionCache.js';
import { incidentCountsFor } from './incidents.js';
import { checkPeriod, currentPeriod, periodEnd, previousPeriod } from './periods.js';
import { visibleRegion } from './regions.js';
import { judgedOtherwiseBelow, settingsForRegion, tightenedBelow } from './settings.js';
import { judgeInstitutionUnder, type InstitutionScoreRow } from './evaluation.js';
import { supervisionFiguresOf } from './supervisionFigures.js';

type Row = Awaited<ReturnType<typeof listInstitutionScores>>[number];

/** The period a ranking is for: the current month is live, a past month is read from its last daily snapshot. */
export function rankingPeriod(now: Date, requested: string | undefined) {
  const period = requested ? checkPeriod(requested, now) : currentPeriod(now);
  const live = period === currentPeriod(now);
  return { period, live, previousPeriod: previousPeriod(period), day: live ? null : periodEnd(period), previousDay: periodEnd(previousPeriod(period)) };
}

const typeLabelOf = (type: string) => INSTITUTION_TYPE_LABELS[type as InstitutionType] ?? INSTITUTION_TYPE_LABELS.other;
/** Against the previous period's last snapshot; null when the institution had none. */
const changeOf = (score: number, previous: number | undefined) => (previous === undefined ? null : round1(score - previous));

/** One ranking row (before ranks) from stored scores; shared with the paged export so the two cannot differ. */
export function rankingRowOf(r: Row, regionNames: ReadonlyMap<string, string>, previous: ReadonlyMap<string, number>) {
  return {
    code: r.code,
    name: r.name,
    type: r.type as InstitutionType,
    typeLabel: typeLabelOf(r.type),
    regionCode: r.region_code,
    regionName: regionNames.get(r.region_code) ?? r.region_code,
    // No score yet (nothing reported) ranks as 0: missing evidence is never a pass.
    score: r.score ?? 0,
    technical: r.technical ?? 0,
    governance: r.governance ?? 0,
    coverage: r.coverage ?? 0,
    failing: { critical: r.failing_critical ?? 0, high: r.failing_high ?? 0, medium: r.failing_medium ?? 0, low: r.failing_low ?? 0 },
    hostsRegistered: r.hosts_registered ?? 0,
    hostsReporting: r.hosts_reporting ?? 0,
    overdueMlps: r.overdue_mlps ?? 0,
    change: changeOf(r.score ?? 0, previous.get(r.code)),
  };
}

export type RankingRowOut = ReturnType<typeof rankingRowOf> & SupervisionFigures & { position: number; rank: number; grade: Grade['letter']; incidents: IncidentPeriodCounts };

/** One institution as a ranking orders and filters it, with the stored values it was read from (`extra` ones too). */
function rankingKeyOf(stored: RankingKeyRow) {
  const score = stored.score ?? 0;
  return {
    code: stored.code,
    name: stored.name,
    type: stored.type,
    score,
    grade: gradeOf(score).letter,
    // Only critical and high decide the order (DESIGN.md); the full row has the others.
    failing: { critical: stored.failing_critical ?? 0, high: stored.failing_high ?? 0, medium: 0, low: 0 },
    stored,
  };
}
export type RankingKey = ReturnType<typeof rankingKeyOf>;
export type RankedKey = RankingKey & { position: number; rank: number };

/**
 * Keys of institutions in `regions` (those judged otherwise than by `settings`) replaced by their
 * institution judged under `settings` (evaluation.ts): the full row's values ride along in `stored`,
 * so the page and the export show what was ranked.
 */
async function judgedUnder(deps: ServiceDeps, settings: ResolvedSettings, otherwise: { regions: readonly string[]; fingerprint: string }, keys: RankingKeyRow[]): Promise<RankingKeyRow[]> {
  if (!otherwise.regions.length) return keys;
  const prefixes = otherwise.regions.map(regionPrefix);
  // Judging again costs a few milliseconds a host: only institutions whose stored score changed since are judged again.
  const cache = judgedRows(deps);
  if (!cache.has(otherwise.fingerprint) && cache.size >= 16) cache.clear();
  const judgedBefore = cache.get(otherwise.fingerprint) ?? new Map<string, { revision: number; row: InstitutionScoreRow }>();
  cache.set(otherwise.fingerprint, judgedBefore);
  const out: RankingKeyRow[] = [];
  for (const k of keys) {
    const judged = prefixes.some((p) => k.region_code?.startsWith(p)) ? await judgeInstitutionUnder(deps, deps.db, k.code, settings, judgedBefore) : null;
    out.push(judged ? { ...k, ...judged } : k);
  }
  return out;
}

/** Institutions judged under another region's settings, per fingerprint of the settings (judgedOtherwiseBelow), with the revision they were judged at. */
const judgedRows = perDeps(() => new Map<string, Map<string, { revision: number; row: InstitutionScoreRow }>>());

/** Live rankings' ranked keys, per region, scope, key columns read and the settings they were judged by. */
const rankedLive = regionCache<RankedKey[]>();

/**
 * A region's ranking for a period, read in two steps, for the paged `ranking()` and the streamed
 * export alike.
 *
 * The order of a ranking needs only a few columns, and the name tie-break is a Chinese (pinyin)
 * collation that neither SQLite nor PostgreSQL reproduces exactly as ICU in Node does. So the keys
 * of the whole region (a few dozen bytes per institution: what ranks, filters and sorts) are read
 * first and ranked with `rankInstitutions`; `rowsOf` then reads the full rows of the few that are
 * shown or written, in the order given. A live ranking is a moving target (ingest goes on): a row
 * keeps the values it was ranked, filtered and sorted by, so what is shown is always in order.
 */
export async function openRankingKeys(deps: ServiceDeps, scope: Scope, input: { regionCode: string; period?: string | undefined }, extra: readonly RankingKeyExtra[] = []) {
  const now = deps.now();
  const region = await visibleRegion(deps, scope, input.regionCode);
  const p = rankingPeriod(now, input.period);
  const prefix = regionPrefix(input.regionCode);
  const settings = await settingsForRegion(deps.db, input.regionCode);
  // One rule set for everyone ranked: institutions of regions below that judge more strictly are
  // judged again under this region's settings (a past month is read as its snapshots stored it).
  const otherwise = p.live ? await judgedOtherwiseBelow(deps.db, input.regionCode, prefix) : { regions: [], fingerprint: '' };
  const readRanked = async () => {
    const keys = await listRankingKeys(deps.db, scope, prefix, p.day, { extra: otherwise.regions.length && !extra.includes('region_code') ? [...extra, 'region_code'] : extra });
    return rankInstitutions((await judgedUnder(deps, settings, otherwise, keys)).map(rankingKeyOf));
  };
  // A live ranking is read and ordered again only when a score, an institution or the settings that judge it changed (a province: ~20 ms).
  const variant = otherwise.regions.length ? `${extra.join(',')}|${otherwise.fingerprint}` : extra.join(',');
  const ranked: RankedKey[] = p.live ? await rankedLive(deps, scope, prefix, variant, readRanked) : await readRanked();
  const regionNames = new Map((await listRegions(deps.db, { prefix, ancestors: [] })).map((r) => [r.code, r.name]));

  /** The previous period's scores (its last snapshot), of some institutions or of the whole region. */
  const previousScores = async (codes?: readonly string[]) => new Map((await listRankingKeys(deps.db, scope, prefix, p.previousDay, { codes })).map((k) => [k.code, k.score ?? 0]));

  /** The full rows of ranked keys, in their order; `previous` when already read for the whole region. */
  async function rowsOf(page: readonly RankedKey[], previous?: ReadonlyMap<string, number>): Promise<RankingRowOut[]> {
    if (!page.length) return [];
    const codes = page.map((k) => k.code);
    const full = p.day === null ? await listInstitutionScores(deps.db, scope, prefix, codes) : await listHistoryAt(deps.db, scope, prefix, p.day, codes);
    const byCode = new Map(full.map((r) => [r.code, r]));
    const before = previous ?? (await previousScores(codes));
    // Incidents: counted for the column, not scored (methodology).
    const incidents = await incidentCountsFor(deps, codes, p.period);
    const supervision = await supervisionFiguresOf(deps.db, codes, p.day ?? chinaDate(now));
    return page.flatMap((k) => {
      const r = byCode.get(k.code);
      // Removed between the two reads: it is no longer in the region, so it leaves the ranking too.
      if (!r) return [];
      return [{ ...rankingRowOf({ ...r, ...k.stored }, regionNames, before), ...supervision.get(k.code)!, position: k.position, rank: k.rank, grade: k.grade, incidents: incidents.get(k.code)! }];
    });
  }

  /** What every ranking (page or file) says about itself. */
  const header = { region, period: p.period, previousPeriod: p.previousPeriod, live: p.live, generatedAt: now.toISOString() };
  return { header, settings, prefix, regionNames, ranked, rowsOf, previousScores };
}

// ---- the paged ranking --------------------------------------------------------------------------

export const RANKING_SORTS = ['rank', 'name', 'type', 'score', 'grade', 'critical', 'high', 'coverage', 'overdueMlps', 'change'] as const;
export type RankingSort = (typeof RANKING_SORTS)[number];
export type SortOrder = 'asc' | 'desc';
export const RANKING_PAGE_SIZE = { default: 50, max: 500 } as const;

export interface RankingFilter {
  types?: readonly string[] | undefined;
  grades?: readonly string[] | undefined;
  /** Name contains, case-insensitive. */
  text?: string | undefined;
}
export interface RankingQuery extends RankingFilter {
  regionCode: string;
  period?: string | undefined;
  /** 1-based. */
  page?: number | undefined;
  pageSize?: number | undefined;
  sort?: RankingSort | undefined;
  order?: SortOrder | undefined;
}

/** The keys a filter keeps (any of the types, any of the grades, the name containing the text), order kept. */
export function filterRanking<K extends RankingKey>(keys: readonly K[], f: RankingFilter): K[] {
  const types = f.types?.length ? new Set(f.types) : null;
  const grades = f.grades?.length ? new Set<string>(f.grades) : null;
  const text = f.text?.trim().toLowerCase() ?? '';
  return keys.filter((k) => (!types || types.has(k.type)) && (!grades || grades.has(k.grade)) && (!text || k.name.toLowerCase().includes(text)));
}

// Catalogue order (hospitals first), which reads the same in both languages; unknown types last.
const typeOrder = (type: string) => {
  const i = INSTITUTION_TYPES.indexOf(type as InstitutionType);
  return i < 0 ? INSTITUTION_TYPES.length : i;
};
type Compare = (a: RankedKey, b: RankedKey) => number;
const byNumber =
  (value: (k: RankedKey) => number): Compare =>
  (a, b) =>
    value(a) - value(b);
/** Each sort's ascending order, and the key column it needs read beyond those that rank. */
const SORTS: Record<Exclude<RankingSort, 'change'>, { ascending: Compare; reads?: RankingKeyExtra }> = {
  rank: { ascending: byNumber((k) => k.position) },
  name: { ascending: (a, b) => compareNames(a.name, b.name) },
  type: { ascending: byNumber((k) => typeOrder(k.type)) },
  score: { ascending: byNumber((k) => k.score) },
  // A before D: by the letter.
  grade: { ascending: (a, b) => (a.grade < b.grade ? -1 : a.grade > b.grade ? 1 : 0) },
  critical: { ascending: byNumber((k) => k.failing.critical) },
  high: { ascending: byNumber((k) => k.failing.high) },
  // As the row shows them: no score yet is 0.
  coverage: { ascending: byNumber((k) => k.stored.coverage ?? 0), reads: 'coverage' },
  overdueMlps: { ascending: byNumber((k) => k.stored.overdue_mlps ?? 0), reads: 'overdue_mlps' },
};

/**
 * Ranked keys in the order asked for. Equal values keep rank order in either direction (the sort is
 * stable and the keys come in rank order), so a tie lists by true rank. `change` (needed only to sort
 * by it): an institution without a previous score has none and goes last either way.
 */
export function sortRanking(keys: readonly RankedKey[], sort: RankingSort, order: SortOrder, change: (k: RankedKey) => number | null = () => null): RankedKey[] {
  const dir = order === 'desc' ? -1 : 1;
  if (sort !== 'change') return [...keys].sort((a, b) => dir * SORTS[sort].ascending(a, b));
  const values = new Map(keys.map((k) => [k, change(k)]));
  return [...keys].sort((a, b) => {
    const x = values.get(a)!;
    const y = values.get(b)!;
    return x === null || y === null ? Number(x === null) - Number(y === null) : dir * (x - y);
  });
}

/** The institution types present, in catalogue order, as [type, label] pairs: the options of the type filter. */
export function typesOf(keys: readonly { type: string }[]): Array<[string, { zh: string; en: string }]> {
  return [...new Set(keys.map((k) => k.type))].sort((a, b) => typeOrder(a) - typeOrder(b)).map((type) => [type, typeLabelOf(type)]);
}

/**
 * 评估排名, one page: the institutions of a region for the current period (live scores) or a past
 * month (its last daily snapshot), filtered, sorted and paged. Rank and position are always over the
 * whole region (DESIGN.md: score desc, fewer critical, fewer high, name), so a filtered or re-sorted
 * page shows each institution's true rank. Only the page's rows are read in full.
 */
export async function ranking(deps: ServiceDeps, scope: Scope, q: RankingQuery) {
  const sort = q.sort ?? 'rank';
  const reads = sort === 'change' ? undefined : SORTS[sort].reads;
  const r = await openRankingKeys(deps, scope, q, reads ? [reads] : []);
  const ranked = r.ranked;
  // The change of every institution only to sort by it; otherwise just the page's.
  const previous = sort === 'change' ? await r.previousScores() : undefined;
  const shown = sortRanking(filterRanking(ranked, q), sort, q.order ?? 'asc', (k) => changeOf(k.score, previous?.get(k.code)));
  const page = q.page ?? 1;
  const pageSize = q.pageSize ?? RANKING_PAGE_SIZE.default;
  return {
    ...r.header,
    weights: r.settings.weights,
    /** Regions below that judge their institutions by stricter settings than this region's, and the rules they tighten. */
    tightenedBelow: (await tightenedBelow(deps.db, q.regionCode, r.prefix)).map((t) => ({ ...t, regionName: r.regionNames.get(t.regionCode) ?? t.regionCode })),
    /** Institutions the filter keeps; `totalAll`: in the ranking. */
    total: shown.length,
    totalAll: ranked.length,
    types: typesOf(ranked),
    page,
    pageSize,
    rows: await r.rowsOf(shown.slice((page - 1) * pageSize, page * pageSize), previous),
  };
}
