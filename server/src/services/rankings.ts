import { gradeOf, INSTITUTION_TYPE_LABELS, rankInstitutions, round1, type InstitutionType } from '@weian/shared';
import { forbidden } from '../errors.js';
import { listHistoryAt, listInstitutionScores } from '../storage/findings.js';
import { getRegion, listRegions } from '../storage/regions.js';
import type { Scope } from '../storage/scope.js';
import type { ServiceDeps } from './deps.js';
import { checkPeriod, currentPeriod, periodEnd, previousPeriod } from './periods.js';
import { regionChain } from './regions.js';
import { regionLevelOf } from './scope.js';
import { settingsForRegion } from './settings.js';

const PREFIX = { province: 2, city: 4, county: 6 } as const;
export const regionPrefix = (code: string) => code.slice(0, PREFIX[regionLevelOf(code) ?? 'county']);

type Row = Awaited<ReturnType<typeof listInstitutionScores>>[number];

/** A region the caller may look at as a whole: inside their scope (institution users have no region). */
export async function visibleRegion(deps: ServiceDeps, scope: Scope, code: string) {
  regionChain(code);
  // At or below the caller's own region; institution users look at their institution, not a region.
  if (!(scope.kind === 'all' || (scope.kind === 'region' && code.startsWith(scope.prefix)))) throw forbidden(`region ${code} is not visible to you`);
  const region = await getRegion(deps.db, code);
  return { code, name: region?.name ?? regionChain(code).at(-1)!.name };
}

/** The period a ranking is for: the current month is live, a past month is read from its last daily snapshot. */
export function rankingPeriod(now: Date, requested: string | undefined) {
  const period = requested ? checkPeriod(requested, now) : currentPeriod(now);
  const live = period === currentPeriod(now);
  return { period, live, previousPeriod: previousPeriod(period), day: live ? null : periodEnd(period), previousDay: periodEnd(previousPeriod(period)) };
}

/** One ranking row (before ranks) from stored scores; shared with the paged export so the two cannot differ. */
export function rankingRowOf(r: Row, regionNames: ReadonlyMap<string, string>, previous: ReadonlyMap<string, number>) {
  return {
    code: r.code,
    name: r.name,
    type: r.type as InstitutionType,
    typeLabel: INSTITUTION_TYPE_LABELS[r.type as InstitutionType] ?? INSTITUTION_TYPE_LABELS.other,
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
    change: previous.has(r.code) ? round1((r.score ?? 0) - previous.get(r.code)!) : null,
  };
}

/**
 * Institutions of a region in rank order (DESIGN.md: score desc, fewer critical, fewer high, name),
 * for the current period (live scores) or a past month (its last daily snapshot), with the change
 * against the previous period.
 */
export async function ranking(deps: ServiceDeps, scope: Scope, input: { regionCode: string; period?: string | undefined }) {
  const now = deps.now();
  const region = await visibleRegion(deps, scope, input.regionCode);
  const { period, live, previousPeriod, day, previousDay } = rankingPeriod(now, input.period);
  const prefix = regionPrefix(input.regionCode);
  const rows: Row[] = day === null ? await listInstitutionScores(deps.db, scope, prefix) : await listHistoryAt(deps.db, scope, prefix, day);
  const previous = new Map((await listHistoryAt(deps.db, scope, prefix, previousDay)).map((r) => [r.code, r.score]));
  const regionNames = new Map((await listRegions(deps.db, { prefix, ancestors: [] })).map((r) => [r.code, r.name]));
  const ranked = rankInstitutions(rows.map((r) => rankingRowOf(r, regionNames, previous))).map((r) => ({ ...r, grade: gradeOf(r.score).letter }));
  const settings = await settingsForRegion(deps.db, input.regionCode);
  return { region, period, previousPeriod, live, generatedAt: now.toISOString(), weights: settings.weights, rows: ranked };
}

export type RankingRowOut = Awaited<ReturnType<typeof ranking>>['rows'][number];
