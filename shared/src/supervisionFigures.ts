/**
 * What rankings and exports show of the bureau's supervision loop beside the score: rectification
 * notices (open, overdue, on-time rate) and the year's self-inspection (submitted, score). Pure, from
 * the facts the server reads, as of a China date (today for a live ranking, a past month's last day).
 * They are shown beside the score and do not change it: the score stays what the agents and the
 * institution's records show (the methodology says so).
 */
import { chinaDate, type IsoDate } from './calendar.js';

export interface NoticeFact {
  issuedAt: string;
  /** China date. */
  deadline: IsoDate;
  closedAt: string | null;
}
export interface SelfInspectionFact {
  status: string;
  submittedAt: string | null;
  percent: number | null;
}
export interface SupervisionFigures {
  noticesOpen: number;
  noticesOverdue: number;
  /** Percent of notices closed by `asOf` that closed on or before their deadline; null when none closed. */
  noticesOnTimeRate: number | null;
  selfInspectionSubmitted: boolean;
  /** The self-inspection's final score in percent of its template (the bureau's scores where it gave them). */
  selfInspectionPercent: number | null;
}

const day = (instant: string) => chinaDate(new Date(instant));

export function supervisionFigures(notices: readonly NoticeFact[], inspection: SelfInspectionFact | undefined, asOf: IsoDate): SupervisionFigures {
  const issued = notices.filter((n) => day(n.issuedAt) <= asOf);
  const open = issued.filter((n) => !n.closedAt || day(n.closedAt) > asOf);
  const closed = issued.filter((n) => n.closedAt && day(n.closedAt) <= asOf);
  const onTime = closed.filter((n) => day(n.closedAt!) <= n.deadline).length;
  const submitted = !!inspection && (inspection.status === 'submitted' || inspection.status === 'accepted') && !!inspection.submittedAt && day(inspection.submittedAt) <= asOf;
  return {
    noticesOpen: open.length,
    noticesOverdue: open.filter((n) => n.deadline < asOf).length,
    noticesOnTimeRate: closed.length ? Math.round((onTime / closed.length) * 1000) / 10 : null,
    selfInspectionSubmitted: submitted,
    selfInspectionPercent: submitted ? inspection.percent : null,
  };
}

/** The methodology's section on these columns (docs/methodology.md). */
export function supervisionMethod(lang: 'zh' | 'en'): string {
  if (lang === 'zh')
    return `### 整改与自查列

排名和导出文件在得分之外列出以下各列，均按排名日期计算（当月为今天，历史月份为该月最后一天，中国时区）。这些列本身**不计入得分**。计入得分的是两条机构规则（与其他机构规则一样计入管理部分，各为高危、权重 5）：INST-RECTIFY-OVERDUE（未办结通知中有整改项过期限仍未完成：既未通过、也未反馈待复核、关联检查项也未经探针数据核验合规；没有未办结通知时不适用，未到期时合规）和 INST-SELF-INSPECTION-REPORT（本年度——截止日未到时为上一年度——的自查自评到地区截止日仍未提交；逾期提交合规并注明；地区未设截止日的年度不适用）。通知份数、按期办结率和自查得分率只列示。

- **整改中通知**：截至该日已下发、尚未办结的整改通知份数。
- **逾期通知**：其中整改期限（工作日计算后的日期）早于该日的份数。
- **按期办结率**：截至该日已办结的通知中，在整改期限当日或之前办结的比例（%）；尚无办结的通知时为空。
- **自查已报送**：该日所在年度的自查自评表已提交（已提交或已审核），且提交日期不晚于该日。退回修改的视为未报送。
- **自查得分率**：已报送的自查表核定得分占满分的比例（%）：卫健部门给出核定分（现场检查）的条目按核定分，其余按自评分。
`;
  return `### Rectification and self-inspection columns

Rankings and exports list these columns beside the score, each as of the ranking's date (today for the current month, a past month's last day; China time). The columns themselves **do not count in the score**. Two institution rules do, in the governance part like every institution rule (each high, weight 5): INST-RECTIFY-OVERDUE (an item of an open notice past its deadline and not done: not accepted, not submitted and waiting for review, not verified by the agents' data; not applicable without an open notice, a pass while nothing is due) and INST-SELF-INSPECTION-REPORT (this year's self-inspection, or last year's until this year's deadline, not submitted by the region's deadline; a late submission passes and is noted; a year without a deadline is not applicable). The counts of notices, the on-time rate and the self-inspection score are shown only.

- **Notices open**: rectification notices issued by that date and not closed.
- **Notices overdue**: of those, the ones whose deadline (the date the working days give) is before that date.
- **On-time rate**: of the notices closed by that date, the percent closed on or before their deadline; empty when none closed.
- **Self-inspection submitted**: the year's self-inspection is submitted (submitted or accepted) on or before that date. A returned one counts as not submitted.
- **Self-inspection score**: the submitted self-inspection's final score in percent of its points: the bureau's score (on-site inspection) where it gave one, else the self-score.
`;
}
