import { childPrefixLength, codeOfPrefix, regionFigures, regionPrefix, RULE_DATA_BY_ID, type RegionPart, type RuleId } from '@weian/shared';
import { countOpenBySeverity } from '../storage/alerts.js';
import { regionInstitutionGroups, regionScoreGroups } from '../storage/overviewAggregates.js';
import { regionTrend } from '../storage/scoreHistory.js';
import { listFailingByRule, listScoreRevisions } from '../storage/scores.js';
import { regionCache } from './regionCache.js';
import { listRegions } from '../storage/regions.js';
import type { Scope } from '../storage/scope.js';
import { perDeps, type ServiceDeps } from './deps.js';
import { visibleRegion } from './regions.js';
import { chinaDate } from '@weian/shared';

/** The figures of a region computed from its stored scores, read again only when a score changed. */
const scoreFiguresCache = regionCache<ScoreFigures>();
type ScoreFigures = Awaited<ReturnType<typeof readScoreFigures>>;

async function readScoreFigures(deps: ServiceDeps, scope: Scope, prefix: string) {
  // Under a province or city the groups are its cities or counties; under a county, its institutions.
  const childLen = childPrefixLength(prefix.length);
  const scored = await regionScoreGroups(deps.db, scope, prefix, childLen);
  const counted = await regionInstitutionGroups(deps.db, scope, prefix, childLen);
  // Each group's parts (sums per grade from the database), then its institutions without a score yet:
  // the region and each group are figured by the one function (shared/src/regionFigures.ts).
  const groups = new Map(counted.map((c) => [c.group, { name: c.name, institutions: c.institutions, parts: [] as RegionPart[] }]));
  for (const r of scored) groups.get(r.group)?.parts.push({ ...r, grade: r.grade as RegionPart['grade'] });
  for (const g of groups.values()) {
    const unscored = g.institutions - g.parts.reduce((n, p) => n + p.institutions, 0);
    if (unscored > 0) g.parts.push({ institutions: unscored, scoreTenths: 0, grade: null });
  }
  const all = regionFigures([...groups.values()].flatMap((g) => g.parts));
  return {
    institutions: all.institutions,
    average: all.averageScore,
    grade: all.grade,
    distribution: all.distribution,
    totals: all.totals,
    groups: [...groups.entries()].map(([code, g]) => ({ code, institutionName: g.name, institutions: g.institutions, averageScore: regionFigures(g.parts).averageScore })),
    topFailing: await topFailingRules(deps, scope, prefix),
    childLen,
  };
}

/**
 * Everything the region overview shows, computed from stored scores: counts and sums in the database,
 * grades as stored with each score (on the displayed one-decimal score, as everywhere else).
 */
export async function regionOverview(deps: ServiceDeps, scope: Scope, regionCode: string) {
  const region = await visibleRegion(deps, scope, regionCode);
  const prefix = regionPrefix(regionCode);
  const now = deps.now();
  const f = await scoreFiguresCache(deps, scope, prefix, '', () => readScoreFigures(deps, scope, prefix));
  const names = f.childLen ? new Map((await listRegions(deps.db, { prefix, ancestors: [] })).map((r) => [r.code, r.name])) : null;
  const since = chinaDate(new Date(now.getTime() - 90 * 86_400_000));
  const trend = await regionTrend(deps.db, regionCode, since);
  // Open alerts move apart from scores, so they are counted on every look (one grouped count).
  const openAlerts = await countOpenBySeverity(deps.db, scope, prefix);
  return {
    region,
    kpis: {
      institutions: f.institutions,
      ...f.totals,
      averageScore: f.average,
      grade: f.grade,
      openCriticalAlerts: openAlerts.critical ?? 0,
      openHighAlerts: openAlerts.high ?? 0,
    },
    distribution: { ...f.distribution },
    trend: trendWithToday(trend, chinaDate(now), f),
    topFailingRules: f.topFailing.map((t) => ({ ...t, title: RULE_DATA_BY_ID[t.ruleId as RuleId]?.title ?? { zh: t.ruleId, en: t.ruleId } })),
    subRegions: f.groups
      .map((g) => {
        const code = names ? codeOfPrefix(g.code) : g.code;
        return { code, name: names ? (names.get(code) ?? code) : g.institutionName, institutions: g.institutions, averageScore: g.averageScore };
      })
      .sort((a, b) => (b.averageScore ?? 0) - (a.averageScore ?? 0)),
  };
}

/**
 * The daily points, by the same function as the card (one number, one formula), and today's point is
 * the card's own figure: the day's snapshot is taken once, while scores move on during the day.
 */
function trendWithToday(trend: Awaited<ReturnType<typeof regionTrend>>, today: string, f: { average: number | null; institutions: number }) {
  // A snapshot row has an institution, so its average is never null.
  const points = trend.filter((t) => t.day < today).map((t) => ({ day: t.day, score: regionFigures([t.part]).averageScore ?? 0, institutions: t.part.institutions }));
  return f.average === null ? points : [...points, { day: today, score: f.average, institutions: f.institutions }];
}

type FailingCounts = Array<[string, string, number]>;
/** One institution's counts, parsed, each with its `rule|severity` key made once (a key's hash is kept with the string). */
type ParsedCounts = Array<{ key: string; ruleId: string; severity: string; n: number }>;
/**
 * Parsed failing-by-rule counts, per institution, kept with the score revision they are of. Reading
 * and parsing them all was the largest part of a province overview (5,000 institutions: 2.2 MB of
 * JSON); the revisions are a few bytes each, so between two looks only what changed is read again.
 */
const parsedFailing = perDeps(() => ({ byInstitution: new Map<string, { revision: number; counts: ParsedCounts }>() }));
const READ_AT_ONCE = 500;

/** The ten rules failing most often in the region: summed from the counts each institution keeps with its score. */
async function topFailingRules(deps: ServiceDeps, scope: Scope, prefix: string) {
  const cache = parsedFailing(deps);
  const revisions = await listScoreRevisions(deps.db, scope, prefix);
  // Institutions out of every region looked at lately are dropped now and then, so the memo cannot outgrow the province.
  if (cache.byInstitution.size > 2 * revisions.length + 10_000) cache.byInstitution = new Map();
  const parsed = cache.byInstitution;
  const stale = revisions.filter((r) => parsed.get(r.institution_code)?.revision !== r.revision).map((r) => r.institution_code);
  for (let i = 0; i < stale.length; i += READ_AT_ONCE) {
    for (const r of await listFailingByRule(deps.db, stale.slice(i, i + READ_AT_ONCE))) {
      const counts = (JSON.parse(r.failing_by_rule ?? '[]') as FailingCounts).map(([ruleId, severity, n]) => ({ key: `${ruleId}|${severity}`, ruleId, severity, n }));
      parsed.set(r.institution_code, { revision: r.revision, counts });
    }
  }
  const byRule = new Map<string, { ruleId: string; severity: string; count: number }>();
  for (const r of revisions) {
    // Written again since the revisions were read: its newer counts are used, as a later look would.
    for (const c of parsed.get(r.institution_code)?.counts ?? []) {
      const e = byRule.get(c.key);
      if (e) e.count += c.n;
      else byRule.set(c.key, { ruleId: c.ruleId, severity: c.severity, count: c.n });
    }
  }
  return [...byRule.values()].sort((a, b) => b.count - a.count || a.ruleId.localeCompare(b.ruleId)).slice(0, 10);
}
