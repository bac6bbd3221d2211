import { addMonths, addWorkingDays, addYears, CalendarRangeError, chinaDate, daysBetween, PACKAGED_CALENDAR, type IsoDate, type WorkingCalendar } from './calendar.js';
import type { GovernanceKind, GovernanceRecordInput, MlpsSystem } from './schemas/records.js';

/**
 * Due dates of the Measures' recurring obligations (M6 filing and evaluation; yearly governance
 * items) and whether each is ok, due soon or overdue. The rules use these; so do the dashboard's
 * deadline lists, through the server.
 */
export type DeadlineStatus = 'ok' | 'due-soon' | 'overdue';
export const DEFAULT_DUE_SOON_DAYS = 30;

export function deadlineStatus(dueOn: IsoDate, now: Date, dueSoonDays: number = DEFAULT_DUE_SOON_DAYS): DeadlineStatus {
  const today = chinaDate(now);
  if (today > dueOn) return 'overdue';
  return daysBetween(today, dueOn) <= dueSoonDays ? 'due-soon' : 'ok';
}

/** A due date, or why there is none to compute (missing record, or outside the holiday calendar). */
/** A date past the working-day calendar, in words: the English message names a package, not what is missing. */
export const calendarGapZh = (e: CalendarRangeError) => `尚无 ${e.date.slice(0, 4)} 年的国务院节假日安排，无法计算工作日`;

/** `reasonZh`: why it cannot be computed, in the words a bureau reads (views and exports show it). */
export type Deadline = { dueOn: IsoDate; status: DeadlineStatus } | { dueOn: null; status: 'unknown'; reason: string; reasonZh: string };
const dated = (dueOn: IsoDate, now: Date, dueSoonDays: number): Deadline => ({ dueOn, status: deadlineStatus(dueOn, now, dueSoonDays) });

// ---- MLPS -----------------------------------------------------------------------------------
/** M6(2): filed with the public security organ within 10 working days after the level is determined. */
export const FILING_WORKING_DAYS = 10;
export const filingDueOn = (gradedOn: IsoDate, workingDays: number = FILING_WORKING_DAYS, calendar: WorkingCalendar = PACKAGED_CALENDAR): IsoDate => addWorkingDays(gradedOn, workingDays, calendar);

/** M6(4): level 3/4 yearly; level 2 every 3 years with >100,000 people's personal information, else every 5. */
export interface EvaluationIntervals {
  yearsLevel3: number;
  yearsLevel2PersonalInfo: number;
  yearsLevel2: number;
}
export const DEFAULT_EVALUATION_INTERVALS: EvaluationIntervals = { yearsLevel3: 1, yearsLevel2PersonalInfo: 3, yearsLevel2: 5 };

export function evaluationIntervalYears(system: Pick<MlpsSystem, 'level' | 'personalInfoOver100k'>, iv: EvaluationIntervals = DEFAULT_EVALUATION_INTERVALS): number | null {
  if (system.level === null || system.level < 2) return null;
  if (system.level >= 3) return iv.yearsLevel3;
  return system.personalInfoOver100k ? iv.yearsLevel2PersonalInfo : iv.yearsLevel2;
}

/** Counted from the last evaluation; a system never evaluated counts from its grading. */
export function evaluationDueOn(system: Pick<MlpsSystem, 'level' | 'personalInfoOver100k' | 'lastEvaluatedOn' | 'gradedOn'>, iv: EvaluationIntervals = DEFAULT_EVALUATION_INTERVALS): IsoDate | null {
  const years = evaluationIntervalYears(system, iv);
  const base = system.lastEvaluatedOn ?? system.gradedOn;
  return years === null || base === null ? null : addYears(base, years);
}

/** Retired on day X: no longer live from X on. */
export const isLive = (system: Pick<MlpsSystem, 'retiredOn'>, now: Date): boolean => system.retiredOn === null || system.retiredOn > chinaDate(now);

export interface MlpsDeadlines {
  /** null: nothing to file (level 1, ungraded) or already filed. */
  filing: Deadline | null;
  /** null: no evaluation obligation (level 1, ungraded). */
  evaluation: Deadline | null;
}
export function mlpsDeadlines(
  system: MlpsSystem,
  now: Date,
  opts: { dueSoonDays?: number; filingWorkingDays?: number; intervals?: EvaluationIntervals; calendar?: WorkingCalendar } = {},
): MlpsDeadlines {
  const soon = opts.dueSoonDays ?? DEFAULT_DUE_SOON_DAYS;
  const needsFiling = system.level !== null && system.level >= 2 && system.filedOn === null;
  let filing: Deadline | null = null;
  if (needsFiling) {
    if (system.gradedOn === null) filing = { dueOn: null, status: 'unknown', reason: 'no grading date recorded', reasonZh: '未记录定级日期' };
    else {
      try {
        filing = dated(filingDueOn(system.gradedOn, opts.filingWorkingDays, opts.calendar), now, soon);
      } catch (e) {
        if (!(e instanceof CalendarRangeError)) throw e;
        filing = { dueOn: null, status: 'unknown', reason: e.message, reasonZh: calendarGapZh(e) };
      }
    }
  }
  const hasEvaluation = evaluationIntervalYears(system, opts.intervals) !== null;
  const evalDue = evaluationDueOn(system, opts.intervals);
  const evaluation: Deadline | null = !hasEvaluation
    ? null
    : evalDue === null
      ? { dueOn: null, status: 'unknown', reason: 'neither an evaluation nor a grading date recorded', reasonZh: '未记录测评日期或定级日期' }
      : dated(evalDue, now, soon);
  return { filing, evaluation };
}

// ---- governance -----------------------------------------------------------------------------
/** A self-inspection counts only with both a vulnerability scan and a penetration test (M9). */
export const qualifies = (r: GovernanceRecordInput): boolean => r.kind !== 'self-inspection' || (r.vulnerabilityScan && r.penetrationTest);

/** The latest qualifying record of a kind dated no later than today (future dates have not happened). */
export function latestRecord(records: readonly GovernanceRecordInput[], kind: GovernanceKind, now: Date): GovernanceRecordInput | null {
  const today = chinaDate(now);
  let best: GovernanceRecordInput | null = null;
  for (const r of records) if (r.kind === kind && r.date <= today && qualifies(r) && (!best || r.date > best.date)) best = r;
  return best;
}

export const yearlyDueOn = (lastOn: IsoDate, months = 12): IsoDate => addMonths(lastOn, months);

export interface GovernanceDeadline {
  lastOn: IsoDate | null;
  /** null with status 'overdue': never done. */
  dueOn: IsoDate | null;
  status: DeadlineStatus;
}
export function governanceDeadline(records: readonly GovernanceRecordInput[], kind: GovernanceKind, now: Date, opts: { months?: number; dueSoonDays?: number } = {}): GovernanceDeadline {
  const last = latestRecord(records, kind, now);
  if (!last) return { lastOn: null, dueOn: null, status: 'overdue' };
  const dueOn = yearlyDueOn(last.date, opts.months);
  return { lastOn: last.date, dueOn, status: deadlineStatus(dueOn, now, opts.dueSoonDays) };
}
