import { chinaDate, daysBetween } from '../calendar.js';
import { deadlineStatus } from '../deadlines.js';
import { fail, notApplicable, pass, unknown, type InstitutionChecks } from './check.js';
import type { RectificationItemFact, SelfInspectionReportFact } from './inputs.js';

/**
 * The supervision loop (issue 22, 《管理办法》第九条): rectification notices answered by their deadline,
 * and the yearly self-inspection and rectification report submitted by the region's deadline. Judged on
 * the server's own records of notices and self-inspections; not read: unknown.
 */
type SupervisionRuleId = 'INST-RECTIFY-OVERDUE' | 'INST-SELF-INSPECTION-REPORT';

/**
 * Done by the institution: accepted by the bureau, submitted and waiting for its review (the bureau's
 * delay is not the hospital's), or verified by the agents' data (数据已核验: the finding is fixed).
 */
const settled = (i: RectificationItemFact) => i.status === 'accepted' || i.status === 'submitted' || i.verified;
const itemZh = (i: RectificationItemFact) => `${i.notice}「${i.title}」（期限 ${i.deadline}）`;
const itemEn = (i: RectificationItemFact) => `${i.notice} "${i.title}" (due ${i.deadline})`;
const itemData = (i: RectificationItemFact) => ({ notice: i.notice, title: i.title, deadline: i.deadline, status: i.status, verified: i.verified });

const NONE = (year: number) => ({ year, deadline: null, submittedOn: null }) satisfies SelfInspectionReportFact;

export const supervisionChecks: InstitutionChecks<SupervisionRuleId> = {
  'INST-RECTIFY-OVERDUE': (input, _t, now) => {
    const items = input.rectification;
    if (items == null) return unknown('未读取整改通知记录，无法判断', 'the rectification notices were not read, so this cannot be judged', { reason: 'no-notice-records' });
    if (items.length === 0) return notApplicable('没有未办结的整改通知', 'no rectification notice is open');
    const today = chinaDate(now);
    const open = items.filter((i) => !settled(i));
    const overdue = open.filter((i) => today > i.deadline);
    if (overdue.length)
      return fail(
        `${overdue.length} 项整改逾期未完成：${overdue.map(itemZh).join('；')}`,
        `${overdue.length} rectification item(s) past their deadline and not done: ${overdue.map(itemEn).join('; ')}`,
        { overdue: overdue.map(itemData) },
      );
    const waiting = items.filter((i) => i.status === 'submitted' && !i.verified).length;
    const next = open.map((i) => i.deadline).sort()[0];
    const rest = { zh: waiting ? `，${waiting} 项已反馈待复核` : '', en: waiting ? `; ${waiting} submitted and waiting for review` : '' };
    return pass(
      next ? `${open.length} 项整改未到期（最早 ${next}）${rest.zh}` : `整改项均已完成${rest.zh}`,
      next ? `${open.length} rectification item(s) not yet due (first on ${next})${rest.en}` : `every rectification item is done${rest.en}`,
      { items: items.length, open: open.length, waiting, nextDeadline: next ?? null },
    );
  },

  'INST-SELF-INSPECTION-REPORT': (input, _t, now) => {
    const facts = input.selfInspections;
    if (facts == null) return unknown('未读取自查自评记录，无法判断', 'the self-inspections were not read, so this cannot be judged', { reason: 'no-self-inspection-records' });
    const today = chinaDate(now);
    const year = Number(today.slice(0, 4));
    const of = (y: number): SelfInspectionReportFact => facts.find((f) => f.year === y) ?? NONE(y);
    const current = of(year);
    const previous = of(year - 1);
    const submitted = (f: SelfInspectionReportFact) => {
      const late = f.deadline !== null && f.submittedOn! > f.deadline;
      const data = { year: f.year, deadline: f.deadline, submittedOn: f.submittedOn, late };
      // Submitted: the duty is met; lateness stays on record, as with a late MLPS filing.
      return pass(
        `${f.year} 年度自查自评及整改情况已于 ${f.submittedOn} 报送${late ? `（晚于截止日 ${f.deadline}）` : ''}`,
        `the ${f.year} self-inspection and rectification report was submitted on ${f.submittedOn}${late ? ` (after the deadline ${f.deadline})` : ''}`,
        data,
      );
    };
    const missed = (f: SelfInspectionReportFact) =>
      fail(
        `${f.year} 年度自查自评及整改情况应于 ${f.deadline} 前报送，逾期 ${daysBetween(f.deadline!, today)} 天仍未报送（退回修改的视为未报送）`,
        `the ${f.year} self-inspection and rectification report was due by ${f.deadline} and has not been submitted (a returned one counts as not submitted)`,
        { year: f.year, deadline: f.deadline, submittedOn: null },
      );
    if (current.submittedOn) return submitted(current);
    if (current.deadline !== null && today > current.deadline) return missed(current);
    // This year's report is not due yet: last year's, if it was owed, stands until then.
    if (previous.submittedOn) return submitted(previous);
    if (previous.deadline !== null) return missed(previous);
    if (current.deadline === null) return notApplicable(`本地区未设定 ${year} 年度自查自评报送截止日`, `the region has set no deadline for the ${year} self-inspection report`, { year });
    const soon = deadlineStatus(current.deadline, now, input.dueSoonDays) === 'due-soon' ? { zh: '，即将到期', en: ', due soon' } : { zh: '', en: '' };
    return pass(`${year} 年度自查自评应于 ${current.deadline} 前报送${soon.zh}`, `the ${year} self-inspection report is due by ${current.deadline}${soon.en}`, {
      year,
      deadline: current.deadline,
      submittedOn: null,
    });
  },
};
