import { RULE_DATA_BY_ID, type RuleId } from '@weian/shared';
import { getFindings, listInstitutionFailingFindings } from '../storage/findings.js';
import { listTransitions } from '../storage/transitions.js';
import type { FindingsTable } from '../storage/schema.js';
import type { Scope } from '../storage/scope.js';
import type { ServiceDeps } from './deps.js';
import { getHostDetail } from './hosts.js';
import { getInstitutionDetail } from './directory.js';

const SEVERITY_ORDER = { critical: 0, high: 1, medium: 2, low: 3 } as const;
const STATUS_ORDER = { fail: 0, unknown: 1, pass: 2, 'not-applicable': 3 } as const;

/** A finding with what a person needs to act on it: title, articles, remediation, since when. */
export function presentFinding(r: FindingsTable) {
  const rule = RULE_DATA_BY_ID[r.rule_id as RuleId];
  return {
    subjectKind: r.subject_kind,
    subjectId: r.subject_id,
    ruleId: r.rule_id,
    title: rule?.title ?? { zh: r.rule_id, en: r.rule_id },
    articles: rule?.articles ?? [],
    remediation: rule?.remediation ?? { zh: '', en: '' },
    status: r.status,
    severity: r.severity,
    evidence: JSON.parse(r.evidence) as { zh: string; en: string; data?: Record<string, unknown> },
    exception: r.exception_id ? { id: r.exception_id, expiresOn: r.exception_expires_on } : null,
    since: r.since,
    evaluatedAt: r.evaluated_at,
  };
}
const order = (a: FindingsTable, b: FindingsTable) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.rule_id.localeCompare(b.rule_id);

export async function hostFindings(deps: ServiceDeps, scope: Scope, hostId: string) {
  await getHostDetail(deps, scope, hostId);
  const rows = await getFindings(deps.db, 'host', hostId);
  const history = await listTransitions(deps.db, 'host', hostId, 500);
  return {
    findings: rows.sort(order).map(presentFinding),
    history: history.map((t) => ({ ruleId: t.rule_id, from: t.from_status, to: t.to_status, severity: t.severity, at: t.at })),
  };
}

export async function institutionFindings(deps: ServiceDeps, scope: Scope, code: string) {
  await getInstitutionDetail(deps, scope, code);
  const own = await getFindings(deps.db, 'institution', code);
  const failing = await listInstitutionFailingFindings(deps.db, code);
  const history = await listTransitions(deps.db, 'institution', code, 200);
  return {
    institution: own.sort(order).map(presentFinding),
    failingHostFindings: failing
      .filter((f) => f.subject_kind === 'host')
      .sort(order)
      .map(presentFinding),
    history: history.map((t) => ({ ruleId: t.rule_id, from: t.from_status, to: t.to_status, severity: t.severity, at: t.at })),
  };
}
