import { GRADES, gradeOf, regionScore, RULE_DATA_BY_ID, round1, type RuleId } from '@weian/shared';
import { listFailingByRule, listInstitutionScores, regionTrend } from '../storage/findings.js';
import { listRegions } from '../storage/regions.js';
import type { Scope } from '../storage/scope.js';
import type { ServiceDeps } from './deps.js';
import { regionPrefix, visibleRegion } from './rankings.js';
import { chinaDate } from '@weian/shared';

const CHILD_PREFIX = { 2: 4, 4: 6, 6: null } as const;

/** Hooks later capabilities register to add figures (alerts add their open counts). */
export type OverviewExtra = (deps: ServiceDeps, scope: Scope, regionPrefix: string) => Promise<Record<string, unknown>>;
const extras: OverviewExtra[] = [];
export const addOverviewExtra = (fn: OverviewExtra) => void extras.push(fn);

/** Everything the region overview shows, computed in the database from stored scores and findings. */
export async function regionOverview(deps: ServiceDeps, scope: Scope, regionCode: string) {
  const region = await visibleRegion(deps, scope, regionCode);
  const prefix = regionPrefix(regionCode);
  const now = deps.now();
  const rows = await listInstitutionScores(deps.db, scope, prefix);
  const scored = rows.map((r) => r.score ?? 0);
  const average = regionScore(scored);
  const distribution = Object.fromEntries(GRADES.map((g) => [g.letter, 0])) as Record<string, number>;
  for (const s of scored) distribution[gradeOf(s).letter]!++;
  const childLen = CHILD_PREFIX[prefix.length as 2 | 4 | 6];
  const names = new Map((await listRegions(deps.db, { prefix, ancestors: [] })).map((r) => [r.code, r.name]));
  const groups = new Map<string, number[]>();
  for (const r of rows) {
    const key = childLen ? r.region_code.slice(0, childLen).padEnd(6, '0') : r.code;
    groups.set(key, [...(groups.get(key) ?? []), r.score ?? 0]);
  }
  const since = chinaDate(new Date(now.getTime() - 90 * 86_400_000));
  const trend = await regionTrend(deps.db, regionCode, since);
  // Top failing rules: summed from the counts each institution keeps with its score.
  const byRule = new Map<string, { ruleId: string; severity: string; count: number }>();
  for (const r of await listFailingByRule(deps.db, scope, prefix)) {
    for (const [ruleId, severity, n] of JSON.parse(r.failing_by_rule ?? '[]') as Array<[string, string, number]>) {
      const k = `${ruleId}|${severity}`;
      byRule.set(k, { ruleId, severity, count: (byRule.get(k)?.count ?? 0) + n });
    }
  }
  const top = [...byRule.values()].sort((a, b) => b.count - a.count || a.ruleId.localeCompare(b.ruleId)).slice(0, 10);
  const extra = Object.assign({}, ...(await Promise.all(extras.map((fn) => fn(deps, scope, prefix)))));
  return {
    region,
    kpis: {
      institutions: rows.length,
      hostsRegistered: rows.reduce((n, r) => n + (r.hosts_registered ?? 0), 0),
      hostsReporting: rows.reduce((n, r) => n + (r.hosts_reporting ?? 0), 0),
      averageScore: average,
      grade: average === null ? null : gradeOf(average).letter,
      overdueMlps: rows.reduce((n, r) => n + (r.overdue_mlps ?? 0), 0),
      failingCritical: rows.reduce((n, r) => n + (r.failing_critical ?? 0), 0),
      failingHigh: rows.reduce((n, r) => n + (r.failing_high ?? 0), 0),
      ...extra,
    },
    distribution,
    trend: trend.map((t) => ({ day: t.day, score: round1(t.score_sum / t.institutions), institutions: t.institutions })),
    topFailingRules: top.map((t) => ({ ...t, title: RULE_DATA_BY_ID[t.ruleId as RuleId]?.title ?? { zh: t.ruleId, en: t.ruleId } })),
    subRegions: [...groups.entries()]
      .map(([code, scores]) => ({ code, name: names.get(code) ?? rows.find((r) => r.code === code)?.name ?? code, institutions: scores.length, averageScore: regionScore(scores) }))
      .sort((a, b) => (b.averageScore ?? 0) - (a.averageScore ?? 0)),
  };
}
