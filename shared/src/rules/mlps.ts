import { CalendarRangeError, chinaDate, daysBetween } from '../calendar.js';
import { calendarGapZh, deadlineStatus, evaluationDueOn, evaluationIntervalYears, filingDueOn, isLive } from '../deadlines.js';
import { systemsOver100k } from '../dataRegister.js';
import type { MlpsSystem } from '../schemas/records.js';
import { combine, fail, notApplicable, pass, unknown, type InstitutionChecks } from './check.js';
import type { CheckResult } from './types.js';
import type { InstitutionCheckInput } from './inputs.js';

const liveSystems = (input: InstitutionCheckInput, now: Date) => input.systems.filter((s) => isLive(s, now));
/** One result per live system, aggregated (any fail fails, else any unknown…). */
const perSystem = (input: InstitutionCheckInput, now: Date, judge: (s: MlpsSystem) => CheckResult, none: CheckResult) =>
  combine(
    liveSystems(input, now).map((s) => ({ label: s.name, result: judge(s) })),
    none,
  );
const soonNote = (status: string, zh: string, en: string) => (status === 'due-soon' ? { zh: `（${zh}）`, en: ` (${en})` } : { zh: '', en: '' });

export const mlpsChecks: InstitutionChecks<'INST-MLPS-UNGRADED' | 'INST-MLPS-FILING' | 'INST-MLPS-EVALUATION' | 'INST-MLPS-PRELAUNCH-TEST'> = {
  'INST-MLPS-UNGRADED': (input, _t, now) => {
    const live = liveSystems(input, now);
    if (live.length === 0) return fail('没有在用的定级对象', 'no live MLPS system recorded', { systems: 0 });
    const ungraded = live.filter((s) => s.level === null).map((s) => s.name);
    return ungraded.length
      ? fail(`未定级：${ungraded.join('、')}`, `not graded: ${ungraded.join(', ')}`, { ungraded })
      : pass(`${live.length} 个定级对象均已定级`, `all ${live.length} systems are graded`, { systems: live.length });
  },

  'INST-MLPS-FILING': (input, t, now) =>
    perSystem(
      input,
      now,
      (s) => {
        if (s.level === null || s.level < 2) return notApplicable(`${s.name}：一级或未定级，无需备案`, `${s.name}: level 1 or ungraded, no filing required`);
        if (s.gradedOn === null) return unknown(`${s.name}：未录入定级日期`, `${s.name}: no grading date recorded`, { reason: 'no-grading-date' });
        let due: string;
        try {
          due = filingDueOn(s.gradedOn, t.workingDays, input.calendar);
        } catch (e) {
          if (e instanceof CalendarRangeError) return unknown(`${s.name}：${calendarGapZh(e)}`, `${s.name}: ${e.message}`, { reason: 'calendar-out-of-range' });
          throw e;
        }
        const data = { system: s.id, gradedOn: s.gradedOn, dueOn: due, filedOn: s.filedOn };
        if (s.filedOn !== null) {
          // Filed: the obligation is met; lateness stays on record but nothing is left to fix.
          const late = s.filedOn > due;
          return pass(`${s.name}：已于 ${s.filedOn} 备案${late ? `（晚于期限 ${due}）` : ''}`, `${s.name}: filed on ${s.filedOn}${late ? ` (after the deadline ${due})` : ''}`, { ...data, late });
        }
        const status = deadlineStatus(due, now, input.dueSoonDays);
        if (status === 'overdue')
          return fail(`${s.name}：${s.gradedOn} 定级，应于 ${due} 前备案，至今未备案`, `${s.name}: graded ${s.gradedOn}, filing was due by ${due} and is missing`, { ...data, deadline: status });
        const note = soonNote(status, '即将到期', 'due soon');
        return pass(`${s.name}：应于 ${due} 前备案${note.zh}`, `${s.name}: filing due by ${due}${note.en}`, { ...data, deadline: status });
      },
      notApplicable('没有需要备案的二级及以上定级对象', 'no live system of level 2 or above to file'),
    ),

  'INST-MLPS-EVALUATION': (input, t, now) => {
    // M6(4): the data register's volume bands can put a level-2 system on the 3-year cycle too.
    const over100k = systemsOver100k(input.dataRegister);
    return perSystem(
      input,
      now,
      (sys) => {
        const s = over100k.has(sys.id) && !sys.personalInfoOver100k ? { ...sys, personalInfoOver100k: true } : sys;
        const years = evaluationIntervalYears(s, t);
        if (years === null) return notApplicable(`${s.name}：一级或未定级，无测评要求`, `${s.name}: level 1 or ungraded, no evaluation required`);
        const severity = s.level !== null && s.level >= 3 ? 'critical' : 'high';
        const due = evaluationDueOn(s, t);
        if (due === null) return unknown(`${s.name}：未录入测评日期或定级日期`, `${s.name}: neither an evaluation nor a grading date recorded`, { reason: 'no-date' }, severity);
        const status = deadlineStatus(due, now, input.dueSoonDays);
        const from = s.lastEvaluatedOn
          ? { zh: `最近测评 ${s.lastEvaluatedOn}`, en: `last evaluated ${s.lastEvaluatedOn}` }
          : { zh: `从未测评，自定级日 ${s.gradedOn} 起算`, en: `never evaluated, counted from grading on ${s.gradedOn}` };
        const data = { system: s.id, level: s.level, intervalYears: years, personalInfoOver100k: s.personalInfoOver100k, lastEvaluatedOn: s.lastEvaluatedOn, dueOn: due, deadline: status };
        if (status === 'overdue')
          return fail(
            `${s.name}（${s.level}级，每 ${years} 年）：${from.zh}，应于 ${due} 前测评，已逾期 ${daysBetween(due, chinaDate(now))} 天`,
            `${s.name} (level ${s.level}, every ${years} years): ${from.en}; evaluation was due by ${due}`,
            data,
            severity,
          );
        const note = soonNote(status, '即将到期', 'due soon');
        return pass(`${s.name}：${from.zh}，下次应于 ${due} 前测评${note.zh}`, `${s.name}: ${from.en}; next due by ${due}${note.en}`, data, severity);
      },
      notApplicable('没有需要测评的二级及以上定级对象', 'no live system of level 2 or above to evaluate'),
    );
  },

  'INST-MLPS-PRELAUNCH-TEST': (input, _t, now) => {
    const today = chinaDate(now);
    return perSystem(
      input,
      now,
      (s) => {
        if (s.wentLiveOn === null || s.wentLiveOn > today) return notApplicable(`${s.name}：尚未上线`, `${s.name}: not live yet`);
        const data = { system: s.id, wentLiveOn: s.wentLiveOn, prelaunchTestedOn: s.prelaunchTestedOn };
        if (s.prelaunchTestedOn === null) return fail(`${s.name}：${s.wentLiveOn} 上线，无上线前安全测试记录`, `${s.name}: went live on ${s.wentLiveOn} with no security test recorded`, data);
        if (s.prelaunchTestedOn > s.wentLiveOn)
          return fail(`${s.name}：安全测试（${s.prelaunchTestedOn}）晚于上线日（${s.wentLiveOn}）`, `${s.name}: security test (${s.prelaunchTestedOn}) came after go-live (${s.wentLiveOn})`, data);
        return pass(`${s.name}：上线前 ${s.prelaunchTestedOn} 已做安全测试`, `${s.name}: security tested on ${s.prelaunchTestedOn} before go-live`, data);
      },
      notApplicable('没有已上线的定级对象', 'no live system has gone live yet'),
    );
  },
};
