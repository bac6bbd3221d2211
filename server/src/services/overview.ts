import { GRADES, gradeOf, regionScore, RULE_DATA_BY_ID, round1, type RuleId } from '@weian/shared';
import { listFailingByRule, listRegionScores, regionTotals, regionTrend } from '../storage/findings.js';
import { listRegions } from '../storage/regions.js';
import type { Scope } from '../storage/scope.js';
import { perDeps, type ServiceDeps } from './deps.js';
import { regionPrefix, visibleRegion } from './rankings.js';
import { chinaDate } from '@weian/shared';

const CHILD_PREFIX = { 2: 4, 4: 6, 6: null } as const;

/** Hooks later capabilities register to add figures (alerts add their open counts). */
export type OverviewExtra = (deps: ServiceDeps, scope: Scope, regionPrefix: string) => Promise<Record<string, unknown>>;
const extras: OverviewExtra[] = [];
export const addOverviewExtra = (fn: OverviewExtra) => void extras.push(fn);

/**
 * Everything the region overview shows, computed from stored scores: counts summed in the database,
 * scores grouped here (grades are on the displayed one-decimal score, as everywhere else).
 */
export async function regionOverview(deps: ServiceDeps, scope: Scope, regionCode: string) {
  const region = await visibleRegion(deps, scope, regionCode);
  const prefix = regionPrefix(regionCode);
  const now = deps.now();
  const rows = await listRegionScores(deps.db, scope, prefix);
  const totals = await regionTotals(deps.db, scope, prefix);
  const scored = rows.map((r) => r.score ?? 0);
  const average = regionScore(scored);
  const distribution = Object.fromEntries(GRADES.map((g) => [g.letter, 0])) as Record<string, number>;
  for (const s of scored) distribution[gradeOf(s).letter]!++;
  const childLen = CHILD_PREFIX[prefix.length as 2 | 4 | 6];
  const names = new Map((await listRegions(deps.db, { prefix, ancestors: [] })).map((r) => [r.code, r.name]));
  const groups = new Map<string, { name: string; scores: number[] }>();
  for (const r of rows) {
    // Under a province or city the groups are its cities or counties; under a county, its institutions.
    const key = childLen ? r.region_code.slice(0, childLen).padEnd(6, '0') : r.code;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { name: childLen ? (names.get(key) ?? key) : r.name, scores: [] }));
    g.scores.push(r.score ?? 0);
  }
  const since = chinaDate(new Date(now.getTime() - 90 * 86_400_000));
  const trend = await regionTrend(deps.db, regionCode, since);
  const top = topFailingRules(deps, await listFailingByRule(deps.db, scope, prefix));
  const extra = Object.assign({}, ...(await Promise.all(extras.map((fn) => fn(deps, scope, prefix)))));
  return {
    region,
    kpis: {
      institutions: rows.length,
      hostsRegistered: totals.hostsRegistered,
      hostsReporting: totals.hostsReporting,
      averageScore: average,
      grade: average === null ? null : gradeOf(average).letter,
      overdueMlps: totals.overdueMlps,
      failingCritical: totals.failingCritical,
      failingHigh: totals.failingHigh,
      ...extra,
    },
    distribution,
    trend: trend.map((t) => ({ day: t.day, score: round1(t.score_sum / t.institutions), institutions: t.institutions })),
    topFailingRules: top.map((t) => ({ ...t, title: RULE_DATA_BY_ID[t.ruleId as RuleId]?.title ?? { zh: t.ruleId, en: t.ruleId } })),
    subRegions: [...groups.entries()]
      .map(([code, g]) => ({ code, name: g.name, institutions: g.scores.length, averageScore: regionScore(g.scores) }))
      .sort((a, b) => (b.averageScore ?? 0) - (a.averageScore ?? 0)),
  };
}

type FailingCounts = Array<[string, string, number]>;
/** One institution's counts, parsed, each with its `rule|severity` key made once (a key's hash is kept with the string). */
type ParsedCounts = Array<{ key: string; ruleId: string; severity: string; n: number }>;
/**
 * Parsed failing-by-rule counts, per institution, kept with the JSON they came from. Parsing them
 * all was the largest part of a province overview (5,000 institutions: 2.5 MB of JSON, 10 ms);
 * comparing the text is a fraction of that, so between two looks only what changed is parsed again.
 */
const parsedFailing = perDeps(() => ({ byInstitution: new Map<string, { raw: string | null; counts: ParsedCounts }>() }));

/** The ten rules failing most often in the region: summed from the counts each institution keeps with its score. */
function topFailingRules(deps: ServiceDeps, rows: Array<{ institution_code: string; failing_by_rule: string | null }>) {
  const cache = parsedFailing(deps);
  // Institutions deleted since are dropped now and then, so the memo cannot outgrow the province.
  if (cache.byInstitution.size > 2 * rows.length + 10_000) cache.byInstitution = new Map();
  const parsed = cache.byInstitution;
  const byRule = new Map<string, { ruleId: string; severity: string; count: number }>();
  for (const r of rows) {
    let memo = parsed.get(r.institution_code);
    if (!memo || memo.raw !== r.failing_by_rule) {
      const counts = (JSON.parse(r.failing_by_rule ?? '[]') as FailingCounts).map(([ruleId, severity, n]) => ({ key: `${ruleId}|${severity}`, ruleId, severity, n }));
      parsed.set(r.institution_code, (memo = { raw: r.failing_by_rule, counts }));
    }
    for (const c of memo.counts) {
      const e = byRule.get(c.key);
      if (e) e.count += c.n;
      else byRule.set(c.key, { ruleId: c.ruleId, severity: c.severity, count: c.n });
    }
  }
  return [...byRule.values()].sort((a, b) => b.count - a.count || a.ruleId.localeCompare(b.ruleId)).slice(0, 10);
}
