import { governanceDeadline } from '../deadlines.js';
import { GOVERNANCE_KIND_LABELS, type GovernanceKind } from '../schemas/records.js';
import { fail, pass, type InstitutionCheck, type InstitutionChecks } from './check.js';
import type { CheckResult } from './types.js';
import type { InstitutionCheckInput } from './inputs.js';

type YearlyRuleId = 'INST-GOV-LEADERSHIP' | 'INST-GOV-SELF-INSPECTION' | 'INST-GOV-DRILL' | 'INST-DATA-INVENTORY' | 'INST-GOV-TRAINING' | 'INST-GOV-PERMISSION-REVIEW';

/** Every governance rule has one shape: the latest record of a kind must be younger than the interval. */
export function yearly(kind: GovernanceKind): (input: InstitutionCheckInput, t: { maxMonths: number }, now: Date) => CheckResult {
  const label = GOVERNANCE_KIND_LABELS[kind];
  return (input, t, now) => {
    const d = governanceDeadline(input.governance, kind, now, { months: t.maxMonths, dueSoonDays: input.dueSoonDays });
    const incomplete =
      kind === 'self-inspection' && input.governance.some((r) => r.kind === 'self-inspection' && !(r.vulnerabilityScan && r.penetrationTest))
        ? { zh: '（有自查记录缺少漏洞扫描或渗透测试，不计入）', en: ' (self-inspections without both a vulnerability scan and a penetration test do not count)' }
        : { zh: '', en: '' };
    const data = { kind, lastOn: d.lastOn, dueOn: d.dueOn, deadline: d.status };
    if (d.lastOn === null) return fail(`没有${label.zh}记录${incomplete.zh}`, `no ${label.en.toLowerCase()} recorded${incomplete.en}`, data);
    if (d.status === 'overdue')
      return fail(
        `最近一次${label.zh}在 ${d.lastOn}，已超过 ${t.maxMonths} 个月（应于 ${d.dueOn} 前）${incomplete.zh}`,
        `last ${label.en.toLowerCase()} on ${d.lastOn}, over ${t.maxMonths} months ago (due by ${d.dueOn})${incomplete.en}`,
        data,
      );
    const soon = d.status === 'due-soon' ? { zh: '，即将到期', en: ', due soon' } : { zh: '', en: '' };
    return pass(`最近一次${label.zh}在 ${d.lastOn}，下次应于 ${d.dueOn} 前${soon.zh}`, `last ${label.en.toLowerCase()} on ${d.lastOn}; next due by ${d.dueOn}${soon.en}`, data);
  };
}

const checks: Record<YearlyRuleId, InstitutionCheck<YearlyRuleId>> = {
  'INST-GOV-LEADERSHIP': yearly('leadership-meeting'),
  'INST-GOV-SELF-INSPECTION': yearly('self-inspection'),
  'INST-GOV-DRILL': yearly('emergency-drill'),
  'INST-DATA-INVENTORY': yearly('data-inventory'),
  'INST-GOV-TRAINING': yearly('training'),
  'INST-GOV-PERMISSION-REVIEW': yearly('permission-review'),
};
export const governanceChecks: InstitutionChecks<YearlyRuleId> = checks;
