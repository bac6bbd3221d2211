// Issuing a notice from where the problem is seen (rankings, an institution, a finding, an alert): each
// place links to the notices page with a query that pre-fills the issue form; the form then sends the
// same `notices.issue` as a notice typed in by hand. Pure, so the mappings are tested without a browser.
import { RULE_DATA_BY_ID, RULE_IDS, type IssueNoticeInput, type RuleId, type Severity } from '@weian/shared';

export type NoticeSource =
  /** Rows picked in the rankings. */
  | { kind: 'rankingRows'; institutionCodes: readonly string[] }
  /** The rankings' current filter (only a region and one grade are something the server filters on). */
  | { kind: 'rankingFilter'; regionCode: string; grades: readonly string[]; types: readonly string[]; text: string }
  | { kind: 'institution'; institutionCode: string }
  /** A failing finding, or an alert: the item links to its rule, and to its host when it is a host's. */
  | { kind: 'finding' | 'alert'; institutionCode: string; ruleId: string; subjectKind: string; subjectId: string; severity: string; evidenceZh?: string };

export interface IssueForm {
  /** One code: that institution; several (comma, space or 、 between): those; none: the filter below. */
  institutionCodes: string;
  regionCode: string;
  failingRuleId: string;
  /** The rule item's one subject (a host id), when issued from a finding or alert. */
  subjectId: string;
  grade: string;
  mlpsFilingOverdue: boolean;
  title: string;
  requirement: string;
  severity: Severity;
  workingDays: number;
  itemTitle: string;
  itemRequirement: string;
}

export const blankIssueForm = (): IssueForm => ({
  institutionCodes: '',
  regionCode: '',
  failingRuleId: '',
  subjectId: '',
  grade: '',
  mlpsFilingOverdue: false,
  title: '',
  requirement: '',
  severity: 'high',
  workingDays: 10,
  itemTitle: '',
  itemRequirement: '',
});

/** The rule the "MLPS filing overdue" filter reuses the verdict of: with no other rule chosen, it is also the item. */
export const MLPS_FILING_RULE: RuleId = 'INST-MLPS-FILING';
const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];
const GRADES = ['A', 'B', 'C', 'D'];
const isRule = (id: string): id is RuleId => (RULE_IDS as readonly string[]).includes(id);
const CODE = /^[A-Za-z0-9_-]{1,64}$/;
const REGION = /^\d{6}$/;

type Query = Record<string, string | undefined>;

/** The query a link to the notices page carries for `source`; null when the source cannot be said as a notice target. */
export function noticeQuery(source: NoticeSource): Query | null {
  switch (source.kind) {
    case 'rankingRows':
      return source.institutionCodes.length ? { to: [...new Set(source.institutionCodes)].join(',') } : null;
    case 'rankingFilter':
      // Types and free text are not notice filters: those rankings are issued to by picking rows.
      if (source.types.length || source.text.trim() || source.grades.length > 1) return null;
      return { region: source.regionCode, grade: source.grades[0] };
    case 'institution':
      return { to: source.institutionCode };
    case 'finding':
    case 'alert': {
      const severity = (SEVERITIES as readonly string[]).includes(source.severity) ? source.severity : undefined;
      if (isRule(source.ruleId)) return { to: source.institutionCode, rule: source.ruleId, subject: source.subjectKind === 'host' ? source.subjectId : undefined, severity };
      // An alert of no catalogue rule (offline, an overdue notice…): a free-text item saying what it said.
      return { to: source.institutionCode, item: (source.evidenceZh ?? source.ruleId).slice(0, 200), severity };
    }
  }
}

const one = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

/** The issue form as a link's query pre-fills it; anything malformed is left blank, the server judges the rest. */
export function formFromQuery(query: Readonly<Record<string, unknown>>): IssueForm {
  const form = blankIssueForm();
  form.institutionCodes = one(query.to)
    .split(',')
    .filter((c) => CODE.test(c))
    .join(',');
  const region = one(query.region);
  if (REGION.test(region)) form.regionCode = region;
  const grade = one(query.grade);
  if (GRADES.includes(grade)) form.grade = grade;
  if (one(query.mlpsFiling) === '1') form.mlpsFilingOverdue = true;
  const severity = one(query.severity);
  if ((SEVERITIES as readonly string[]).includes(severity)) form.severity = severity as Severity;
  const rule = one(query.rule);
  if (isRule(rule)) {
    const data = RULE_DATA_BY_ID[rule];
    form.failingRuleId = rule;
    const subject = one(query.subject);
    if (CODE.test(subject)) form.subjectId = subject;
    form.title = `关于限期整改“${data.title.zh}”问题的通知`;
    form.requirement = data.remediation.zh;
  }
  const item = one(query.item).slice(0, 200);
  if (item) {
    form.itemTitle = item;
    form.title ||= '关于限期整改网络安全问题的通知';
    form.requirement ||= '请按期完成整改，并逐项反馈整改措施和佐证材料';
  }
  return form;
}

/** What the form sends: the server's `notices.issue` input. */
export function issueInput(form: IssueForm): IssueNoticeInput {
  const codes = [...new Set(form.institutionCodes.split(/[\s,，、]+/).filter(Boolean))];
  const ruleId = form.failingRuleId.trim() || (form.mlpsFilingOverdue && !codes.length ? MLPS_FILING_RULE : '');
  const subjectId = form.subjectId.trim();
  const itemTitle = form.itemTitle.trim();
  const items: IssueNoticeInput['items'] = [
    ...(ruleId ? [{ kind: 'rule' as const, ruleId: ruleId as RuleId, ...(subjectId ? { subjectId } : {}) }] : []),
    ...(itemTitle ? [{ kind: 'text' as const, title: itemTitle, requirement: form.itemRequirement.trim() || itemTitle }] : []),
  ];
  const target: IssueNoticeInput['target'] =
    codes.length === 1
      ? { kind: 'institution', institutionCode: codes[0]! }
      : codes.length > 1
        ? { kind: 'institutions', institutionCodes: codes }
        : {
            kind: 'filter',
            ...(form.regionCode ? { regionCode: form.regionCode } : {}),
            ...(form.failingRuleId.trim() ? { failingRuleId: form.failingRuleId.trim() as RuleId } : {}),
            ...(form.grade ? { grade: form.grade as 'A' | 'B' | 'C' | 'D' } : {}),
            ...(form.mlpsFilingOverdue ? { mlpsFilingOverdue: true as const } : {}),
          };
  return { target, title: form.title.trim(), requirement: form.requirement.trim(), severity: form.severity, due: { workingDays: form.workingDays }, items };
}
