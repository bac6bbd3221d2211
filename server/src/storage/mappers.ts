import type { Finding, GovernanceRecordInput, MlpsLevel, MlpsSystem, RiskException } from '@weian/shared';
import type { FindingsTable, GovernanceRecordsTable, MlpsSystemsTable, RiskExceptionsTable } from './schema.js';

// Stored rows in the shapes the rules and the API speak (and back), beside the tables they read.

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

/** A stored finding in the rule engine's shape, for scoring without re-evaluating. */
export const storedFinding = (r: FindingsTable): Finding => ({
  ruleId: r.rule_id as Finding['ruleId'],
  subject: r.subject_kind,
  status: r.status,
  severity: r.severity,
  evidence: JSON.parse(r.evidence) as Finding['evidence'],
  exception: r.exception_id ? { id: r.exception_id, expiresOn: r.exception_expires_on! } : null,
});

/** A finding as stored for a subject; `since` is when its current status began. */
export const findingRow = (subject: { kind: 'host' | 'institution'; id: string; institutionCode: string }, f: Finding, at: string, since: string): FindingsTable => ({
  subject_kind: subject.kind,
  subject_id: subject.id,
  rule_id: f.ruleId,
  institution_code: subject.institutionCode,
  status: f.status,
  severity: f.severity,
  evidence: JSON.stringify(f.evidence),
  exception_id: f.exception?.id ?? null,
  exception_expires_on: f.exception?.expiresOn ?? null,
  since,
  evaluated_at: at,
});
