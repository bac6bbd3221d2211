import { countStatus, GOVERNANCE_KIND_LABELS, governanceRatio, gradeOf, RESULT_ZH, weightedRatio, type Finding, type GovernanceKind } from '@weian/shared';
import { forbidden, notFound } from '../../errors.js';
import { getFindings, listInstitutionHostFindings } from '../../storage/findings.js';
import { listHistoryAt } from '../../storage/scoreHistory.js';
import { listHostScores, listInstitutionScores } from '../../storage/scores.js';
import { storedFinding } from '../../storage/mappers.js';
import { listHosts } from '../../storage/hosts.js';
import { getInstitution } from '../../storage/institutions.js';
import { listRegions } from '../../storage/regions.js';
import type { Scope } from '../../storage/scope.js';
import type { ServiceDeps } from '../deps.js';
import { getInstitutionDetail } from '../directory.js';
import { institutionFindings } from '../findings.js';
import { rankingPeriod, rankingRowOf } from '../rankings.js';
import { institutionRecords } from '../records.js';
import { settingsForRegion } from '../settings.js';

/**
 * Everything an institution report shows, gathered once for the PDF and the XLSX: the score of the
 * period (the live score, or the month's last snapshot) with its parts, then findings, MLPS
 * deadlines, governance records and exceptions as they stand when the report is made (the
 * database keeps scores per day, not past findings).
 */
export async function institutionReport(deps: ServiceDeps, scope: Scope, input: { institutionCode: string; period?: string | undefined }) {
  // Admins see every institution, so telling them one does not exist leaks nothing; to anyone else
  // an unknown code and another region's institution look the same.
  if (scope.kind === 'all' && !(await getInstitution(deps.db, input.institutionCode))) throw notFound(`institution ${input.institutionCode} does not exist`);
  const inst = await getInstitutionDetail(deps, scope, input.institutionCode);
  const now = deps.now();
  const p = rankingPeriod(now, input.period);
  const codes = [inst.code];
  const rows = p.day === null ? await listInstitutionScores(deps.db, scope, inst.regionCode, codes) : await listHistoryAt(deps.db, scope, inst.regionCode, p.day, codes);
  const previous = new Map((await listHistoryAt(deps.db, scope, inst.regionCode, p.previousDay, codes)).map((r) => [r.code, r.score]));
  const regionNames = new Map((await listRegions(deps.db, { prefix: inst.regionCode, ancestors: [] })).map((r) => [r.code, r.name]));
  if (!rows[0] && p.day === null) throw forbidden(`institution ${inst.code} is not visible to you`);
  const score = rows[0] ? rankingRowOf(rows[0], regionNames, previous) : null;
  const settings = await settingsForRegion(deps.db, inst.regionCode);
  const hostNames = new Map((await listHosts(deps.db, scope, { institutionCode: inst.code, limit: 10_000, offset: 0 })).map((h) => [h.id, h.hostname]));
  // Every host's findings as scored, so each row carries what its score is rebuilt from by hand:
  // passed counts beside the failing ones, and the weights earned of those possible.
  const byHost = new Map<string, Finding[]>();
  for (const f of await listInstitutionHostFindings(deps.db, inst.code)) byHost.set(f.subject_id, [...(byHost.get(f.subject_id) ?? []), storedFinding(f)]);
  const basis = (hostId: string) => {
    const fs = byHost.get(hostId) ?? [];
    return { passed: countStatus(fs, now, 'pass'), unknown: countStatus(fs, now, 'unknown'), ...weightedRatio(fs, now) };
  };
  const hosts = (await listHostScores(deps.db, inst.code))
    .map((h) => ({
      id: h.host_id,
      hostname: hostNames.get(h.host_id) ?? h.host_id,
      score: h.score,
      capped: h.capped === 1,
      mlpsLevel: h.mlps_level,
      failing: { critical: h.failing_critical, high: h.failing_high, medium: h.failing_medium, low: h.failing_low },
      ...basis(h.host_id),
    }))
    .sort((a, b) => (a.score ?? -1) - (b.score ?? -1) || a.hostname.localeCompare(b.hostname));
  const findings = await institutionFindings(deps, scope, inst.code);
  // The governance part's weights as they stand now, so it can be rebuilt beside the failing items listed.
  const governanceBasis = governanceRatio((await getFindings(deps.db, 'institution', inst.code)).map(storedFinding), now);
  const records = await institutionRecords(deps, scope, inst.code);
  return {
    institution: { ...inst, regionName: regionNames.get(inst.regionCode) ?? inst.regionCode, typeLabel: score?.typeLabel ?? null },
    period: p.period,
    previousPeriod: p.previousPeriod,
    live: p.live,
    generatedAt: now.toISOString(),
    weights: settings.weights,
    /** Null for a past month without a snapshot of this institution. */
    score: score && { ...score, grade: gradeOf(score.score) },
    hosts,
    governanceBasis,
    findings: [...findings.institution.filter((f) => f.status === 'fail' || f.status === 'unknown'), ...findings.failingHostFindings].map((f) => ({
      ...f,
      subject: f.subjectKind === 'host' ? (hostNames.get(f.subjectId) ?? f.subjectId) : '机构',
    })),
    systems: records.systems,
    governance: records.governance.map((g) => ({ ...g, label: GOVERNANCE_KIND_LABELS[g.kind as GovernanceKind]?.zh ?? g.kind })),
    governanceDeadlines: records.governanceDeadlines.map((d) => ({ ...d, label: GOVERNANCE_KIND_LABELS[d.kind]?.zh ?? d.kind })),
    exceptions: records.exceptions,
  };
}

export type InstitutionReport = Awaited<ReturnType<typeof institutionReport>>;

export const STATUS_ZH: Record<string, string> = { ...RESULT_ZH, ok: '正常', 'due-soon': '即将到期', overdue: '已逾期' };
