import {
  chinaDate,
  countFailing,
  evaluateHost,
  evaluateInstitution,
  hostScore,
  institutionScore,
  mlpsDeadlines,
  reportingWindowHours,
  type Finding,
  type GovernanceRecordInput,
  type MlpsLevel,
  type MlpsSystem,
  type RiskException,
} from '@weian/shared';
import { failingByRule, getFindings, getFirstSeen, listHostScores, syncFirstSeen, upsertFinding, deleteFinding, insertTransition, upsertHostScore, upsertInstitutionScore } from '../storage/findings.js';
import { getHost, listInstitutionHosts } from '../storage/hosts.js';
import { getInstitution } from '../storage/institutions.js';
import { hostMlpsLevel, listExceptions, listGovernance, listMlpsSystems, listSystemHosts } from '../storage/records.js';
import { getSections } from '../storage/reports.js';
import type { Db, FindingsTable, GovernanceRecordsTable, MlpsSystemsTable, RiskExceptionsTable } from '../storage/schema.js';
import type { ServiceDeps } from './deps.js';
import { storedSections, toHostSections } from './sections.js';
import { newId } from './secrets.js';
import { settingsForRegion } from './settings.js';
import { exposuresOfHost } from '../storage/scanners.js';
import { workingCalendarFor } from './workingCalendar.js';

const ALL: { kind: 'all' } = { kind: 'all' };

/** A finding whose status changed: what alerts and live views react to. */
export interface FindingChange {
  subjectKind: 'host' | 'institution';
  subjectId: string;
  ruleId: string;
  institutionCode: string;
  regionCode: string;
  from: Finding['status'] | null;
  to: Finding['status'];
  severity: Finding['severity'];
  evidence: { zh: string; en: string };
  at: string;
}

// ---- row ↔ record conversions ------------------------------------------------------------------------
export const systemOf = (r: MlpsSystemsTable, hostIds: string[]): MlpsSystem => ({
  id: r.id,
  name: r.name,
  level: r.level as MlpsLevel | null,
  criticalInfrastructure: Boolean(r.critical_infrastructure),
  personalInfoOver100k: Boolean(r.personal_info_over_100k),
  gradedOn: r.graded_on,
  filedOn: r.filed_on,
  lastEvaluatedOn: r.last_evaluated_on,
  wentLiveOn: r.went_live_on,
  prelaunchTestedOn: r.prelaunch_tested_on,
  retiredOn: r.retired_on,
  hostIds,
});
export const governanceOf = (r: GovernanceRecordsTable): GovernanceRecordInput & { id: string } =>
  r.kind === 'self-inspection'
    ? { id: r.id, kind: 'self-inspection', date: r.date, vulnerabilityScan: Boolean(r.vulnerability_scan), penetrationTest: Boolean(r.penetration_test), ...(r.note ? { note: r.note } : {}) }
    : ({ id: r.id, kind: r.kind, date: r.date, ...(r.note ? { note: r.note } : {}) } as GovernanceRecordInput & { id: string });
export const exceptionOf = (r: RiskExceptionsTable): RiskException => ({
  id: r.id,
  subject: { kind: r.subject_kind, id: r.subject_id },
  ruleId: r.rule_id as RiskException['ruleId'],
  reason: r.reason,
  approver: r.approver,
  expiresOn: r.expires_on,
});

export async function loadSystems(db: Db, institutionCode: string): Promise<MlpsSystem[]> {
  const rows = await listMlpsSystems(db, institutionCode);
  const links = await listSystemHosts(db, rows.map((r) => r.id));
  return rows.map((r) => systemOf(r, links.filter((l) => l.system_id === r.id).map((l) => l.host_id)));
}

// ---- findings ----------------------------------------------------------------------------------------------
/**
 * Stores a subject's new findings: a status change gets a transition (so "failing since when" is
 * always answerable) and a new `since`; unchanged findings are not rewritten.
 */
async function persistFindings(db: Db, subject: { kind: 'host' | 'institution'; id: string; institutionCode: string; regionCode: string }, findings: Finding[], at: string): Promise<FindingChange[]> {
  const existing = new Map((await getFindings(db, subject.kind, subject.id)).map((f) => [f.rule_id, f]));
  const changes: FindingChange[] = [];
  for (const f of findings) {
    const old = existing.get(f.ruleId);
    existing.delete(f.ruleId);
    const evidence = JSON.stringify(f.evidence);
    const statusChanged = old?.status !== f.status;
    if (!statusChanged && old.severity === f.severity && old.evidence === evidence && old.exception_id === (f.exception?.id ?? null)) continue;
    const row: FindingsTable = {
      subject_kind: subject.kind,
      subject_id: subject.id,
      rule_id: f.ruleId,
      institution_code: subject.institutionCode,
      status: f.status,
      severity: f.severity,
      evidence,
      exception_id: f.exception?.id ?? null,
      exception_expires_on: f.exception?.expiresOn ?? null,
      since: statusChanged ? at : old.since,
      evaluated_at: at,
    };
    await upsertFinding(db, row);
    if (statusChanged) {
      await insertTransition(db, { id: newId('ft'), subject_kind: subject.kind, subject_id: subject.id, rule_id: f.ruleId, institution_code: subject.institutionCode, from_status: old?.status ?? null, to_status: f.status, severity: f.severity, at });
      changes.push({ subjectKind: subject.kind, subjectId: subject.id, ruleId: f.ruleId, institutionCode: subject.institutionCode, regionCode: subject.regionCode, from: old?.status ?? null, to: f.status, severity: f.severity, evidence: { zh: f.evidence.zh, en: f.evidence.en }, at });
    }
  }
  // Rules that no longer apply (disabled by the region): their findings go.
  for (const gone of existing.values()) await deleteFinding(db, subject.kind, subject.id, gone.rule_id);
  return changes;
}

/** Evaluates one host's rules from what is stored now, stores findings and the host's score. */
export async function evaluateHostNow(deps: ServiceDeps, db: Db, hostId: string): Promise<FindingChange[]> {
  const host = await getHost(db, ALL, hostId);
  if (!host || host.status === 'retired') return [];
  const now = deps.now();
  const at = now.toISOString();
  const settings = await settingsForRegion(db, host.region_code);
  const sections = toHostSections(storedSections(await getSections(db, hostId)));
  // The agent knows what is pending now; how long it has been pending is what the server remembers.
  const firstSeenRows = await getFirstSeen(db, hostId);
  const known = new Map(firstSeenRows.map((r) => [r.name, new Date(r.first_seen_at)]));
  if (sections.patches.status === 'ok') {
    const pending = sections.patches.data.pending.filter((p) => p.security).map((p) => p.name);
    await syncFirstSeen(db, hostId, pending, at, new Set(known.keys()));
    for (const n of pending) if (!known.has(n)) known.set(n, now);
    for (const n of [...known.keys()]) if (!pending.includes(n)) known.delete(n);
  }
  const mlpsLevel = (await hostMlpsLevel(db, hostId, chinaDate(now))) as MlpsLevel | null;
  const exceptions = (await listExceptions(db, { subjectKind: 'host', subjectId: hostId })).map(exceptionOf);
  const seenFromOutside = (await exposuresOfHost(db, hostId)).map((e) => ({ port: e.internal_port!, address: e.address, externalPort: e.port }));
  const findings = evaluateHost({ sections, mlpsLevel, securityUpdateFirstSeen: known, lastReportAt: host.last_report_at ? new Date(host.last_report_at) : null, exceptions, seenFromOutside }, settings, now);
  const changes = await persistFindings(db, { kind: 'host', id: hostId, institutionCode: host.institution_code, regionCode: host.region_code }, findings, at);
  const score = hostScore(findings, now);
  const failing = countFailing(findings, now);
  await upsertHostScore(db, {
    host_id: hostId,
    institution_code: host.institution_code,
    score: score.score,
    capped: score.capped ? 1 : 0,
    mlps_level: mlpsLevel,
    failing_critical: failing.critical,
    failing_high: failing.high,
    failing_medium: failing.medium,
    failing_low: failing.low,
    updated_at: at,
  });
  return changes;
}

/** Institution rules (MLPS, governance, coverage), then the institution's score. */
export async function evaluateInstitutionNow(deps: ServiceDeps, db: Db, institutionCode: string): Promise<FindingChange[]> {
  const inst = await getInstitution(db, institutionCode);
  if (!inst) return [];
  const now = deps.now();
  const at = now.toISOString();
  const settings = await settingsForRegion(db, inst.region_code);
  const coverage = await coverageOf(db, institutionCode, now, reportingWindowHours(settings));
  const systems = await loadSystems(db, institutionCode);
  const governance = (await listGovernance(db, institutionCode)).map(governanceOf);
  const exceptions = (await listExceptions(db, { subjectKind: 'institution', subjectId: institutionCode })).map(exceptionOf);
  const calendar = await workingCalendarFor(deps, db);
  const findings = evaluateInstitution({ systems, governance, coverage, exceptions, calendar }, settings, now);
  const changes = await persistFindings(db, { kind: 'institution', id: institutionCode, institutionCode, regionCode: inst.region_code }, findings, at);
  await refreshInstitutionScore(deps, db, institutionCode, { findings, systems, coverage });
  return changes;
}

async function coverageOf(db: Db, institutionCode: string, now: Date, windowHours: number) {
  const hosts = await listInstitutionHosts(db, institutionCode);
  const since = new Date(now.getTime() - windowHours * 3600_000).toISOString();
  return { registered: hosts.length, reporting: hosts.filter((h) => h.last_report_at !== null && h.last_report_at >= since).length };
}

/**
 * Recomputes an institution's score from its hosts' current scores and its own findings. Called
 * after every host evaluation (cheap: indexed reads of one institution) and after record edits.
 */
export async function refreshInstitutionScore(
  deps: ServiceDeps,
  db: Db,
  institutionCode: string,
  known?: { findings?: Finding[]; systems?: MlpsSystem[]; coverage?: { registered: number; reporting: number } },
): Promise<void> {
  const inst = await getInstitution(db, institutionCode);
  if (!inst) return;
  const now = deps.now();
  const settings = await settingsForRegion(db, inst.region_code);
  const hostScores = await listHostScores(db, institutionCode);
  const stored = known?.findings ?? (await getFindings(db, 'institution', institutionCode)).map(storedFinding);
  const coverage = known?.coverage ?? (await coverageOf(db, institutionCode, now, reportingWindowHours(settings)));
  const systems = known?.systems ?? (await loadSystems(db, institutionCode));
  const s = institutionScore({ hosts: hostScores.map((h) => ({ score: h.score, mlpsLevel: h.mlps_level as MlpsLevel | null })), findings: stored, coverage }, settings.weights, now);
  const failing = countFailing(stored, now);
  for (const h of hostScores) {
    failing.critical += h.failing_critical;
    failing.high += h.failing_high;
    failing.medium += h.failing_medium;
    failing.low += h.failing_low;
  }
  const calendar = await workingCalendarFor(deps, db);
  const overdue = systems.reduce((n, sys) => {
    const d = mlpsDeadlines(sys, now, { dueSoonDays: settings.dueSoonDays, calendar });
    return n + [d.filing, d.evaluation].filter((x) => x?.status === 'overdue').length;
  }, 0);
  const byRule = (await failingByRule(db, institutionCode)).map((r) => [r.rule_id, r.severity, Number(r.n)]);
  await upsertInstitutionScore(db, {
    failing_by_rule: JSON.stringify(byRule),
    institution_code: institutionCode,
    region_code: inst.region_code,
    score: s.score,
    grade: s.grade.letter,
    technical: s.technical,
    governance: s.governance,
    coverage: s.coverage,
    failing_critical: failing.critical,
    failing_high: failing.high,
    failing_medium: failing.medium,
    failing_low: failing.low,
    hosts_registered: coverage.registered,
    hosts_reporting: coverage.reporting,
    overdue_mlps: overdue,
    updated_at: now.toISOString(),
  });
}

/** A stored finding in the rule engine's shape, for scoring without re-evaluating. */
export const storedFinding = (r: FindingsTable): Finding => ({
  ruleId: r.rule_id as Finding['ruleId'],
  subject: r.subject_kind,
  status: r.status,
  severity: r.severity,
  evidence: JSON.parse(r.evidence) as Finding['evidence'],
  exception: r.exception_id ? { id: r.exception_id, expiresOn: r.exception_expires_on! } : null,
});
