import { IssueNoticeInput } from '@weian/shared';
import { describe, expect, it } from 'vitest';
import { blankIssueForm, formFromQuery, issueInput, noticeQuery, type NoticeSource } from './noticePrefill.js';

/** A link followed: the source's query, as the notices page reads it, as the form sends it (checked by the server's schema). */
const follow = (source: NoticeSource, fill: (f: ReturnType<typeof blankIssueForm>) => void = () => {}) => {
  const form = formFromQuery(noticeQuery(source)!);
  fill(form);
  return IssueNoticeInput.parse(issueInput(form));
};

describe('issuing a notice from where the problem is seen', () => {
  it('a host finding: that institution, one item linked to the rule on that host, the finding’s severity, title and requirement from the rule', () => {
    const source: NoticeSource = { kind: 'finding', institutionCode: 'A', ruleId: 'HOST-PORT-REMOTE-PUBLIC', subjectKind: 'host', subjectId: 'h_1', severity: 'critical' };
    expect(noticeQuery(source)).toEqual({ to: 'A', rule: 'HOST-PORT-REMOTE-PUBLIC', subject: 'h_1', severity: 'critical' });
    const input = follow(source);
    expect(input).toMatchObject({
      target: { kind: 'institution', institutionCode: 'A' },
      severity: 'critical',
      items: [{ kind: 'rule', ruleId: 'HOST-PORT-REMOTE-PUBLIC', subjectId: 'h_1' }],
      due: { workingDays: 10 },
    });
    expect(input.title).toMatch(/^关于限期整改“.+”问题的通知$/);
    expect(input.requirement.length).toBeGreaterThan(0);
  });

  it('an institution finding links the rule without a subject (the institution is its only one)', () => {
    const input = follow({ kind: 'finding', institutionCode: 'B', ruleId: 'INST-MLPS-FILING', subjectKind: 'institution', subjectId: 'B', severity: 'high' });
    expect(input.items).toEqual([{ kind: 'rule', ruleId: 'INST-MLPS-FILING' }]);
  });

  it('an alert of a catalogue rule is like its finding; one of no rule becomes a free-text item with what it said', () => {
    expect(noticeQuery({ kind: 'alert', institutionCode: 'A', ruleId: 'HOST-OS-EOL', subjectKind: 'host', subjectId: 'h_2', severity: 'critical' })).toEqual({
      to: 'A',
      rule: 'HOST-OS-EOL',
      subject: 'h_2',
      severity: 'critical',
    });
    const input = follow({ kind: 'alert', institutionCode: 'A', ruleId: 'AGENT-OFFLINE', subjectKind: 'host', subjectId: 'h_2', severity: 'high', evidenceZh: 'his-a 自 2026-11-02 起无心跳' });
    expect(input.items).toEqual([{ kind: 'text', title: 'his-a 自 2026-11-02 起无心跳', requirement: 'his-a 自 2026-11-02 起无心跳' }]);
    expect(input.title).toBe('关于限期整改网络安全问题的通知');
  });

  it('rows picked in the rankings: one notice each; one row is one institution', () => {
    expect(noticeQuery({ kind: 'rankingRows', institutionCodes: ['A', 'B', 'A'] })).toEqual({ to: 'A,B' });
    expect(noticeQuery({ kind: 'rankingRows', institutionCodes: [] })).toBeNull();
    const fill = (f: ReturnType<typeof blankIssueForm>) => Object.assign(f, { title: '通知', requirement: '整改', itemTitle: '制度' });
    expect(follow({ kind: 'rankingRows', institutionCodes: ['A', 'B'] }, fill).target).toEqual({ kind: 'institutions', institutionCodes: ['A', 'B'] });
    expect(follow({ kind: 'rankingRows', institutionCodes: ['A'] }, fill).target).toEqual({ kind: 'institution', institutionCode: 'A' });
  });

  it('the rankings’ filter: region and one grade become the notice filter; types, text or several grades cannot be said', () => {
    const base = { kind: 'rankingFilter' as const, regionCode: '330106', types: [], text: '' };
    expect(noticeQuery({ ...base, grades: ['D'] })).toEqual({ region: '330106', grade: 'D' });
    const input = follow({ ...base, grades: ['D'] }, (f) => Object.assign(f, { title: '通知', requirement: '整改', itemTitle: '制度' }));
    expect(input.target).toEqual({ kind: 'filter', regionCode: '330106', grade: 'D' });
    for (const over of [{ grades: ['C', 'D'] }, { grades: [], types: ['cdc'] }, { grades: [], text: '卫生院' }]) expect(noticeQuery({ ...base, ...over }), JSON.stringify(over)).toBeNull();
  });

  it('the MLPS-filing-overdue filter: with no rule chosen, its rule is the item; with one, both must fail', () => {
    const form = { ...blankIssueForm(), mlpsFilingOverdue: true, title: '通知', requirement: '整改' };
    expect(IssueNoticeInput.parse(issueInput(form))).toMatchObject({ target: { kind: 'filter', mlpsFilingOverdue: true }, items: [{ kind: 'rule', ruleId: 'INST-MLPS-FILING' }] });
    expect(issueInput({ ...form, failingRuleId: 'HOST-OS-EOL' })).toMatchObject({
      target: { kind: 'filter', mlpsFilingOverdue: true, failingRuleId: 'HOST-OS-EOL' },
      items: [{ ruleId: 'HOST-OS-EOL' }],
    });
    expect(formFromQuery({ mlpsFiling: '1' }).mlpsFilingOverdue).toBe(true);
  });

  it('a hand-edited link pre-fills nothing it does not understand', () => {
    expect(formFromQuery({ to: 'A,<script>,B', rule: 'NOPE', subject: '../x', severity: 'urgent', grade: 'E', region: '33', item: 'x'.repeat(300) })).toEqual({
      ...blankIssueForm(),
      institutionCodes: 'A,B',
      itemTitle: 'x'.repeat(200),
      title: '关于限期整改网络安全问题的通知',
      requirement: '请按期完成整改，并逐项反馈整改措施和佐证材料',
    });
    expect(formFromQuery({ to: ['A', 'B'] })).toEqual(blankIssueForm());
  });
});
