import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CalendarRangeError, PACKAGED_CALENDAR, workingCalendar, type HolidayArrangement } from './calendar.js';
import { filingDueOn, mlpsDeadlines } from './deadlines.js';
import { arrangementProblems, HolidayArrangementSchema } from './schemas/calendar.js';
import type { MlpsSystem } from './schemas/records.js';

// The documented example file, with its "example" flag removed as an administrator would after
// typing in the notice: its dates are a test fixture here, not an official arrangement.
const exampleFile = JSON.parse(readFileSync(new URL('../../docs/calendar-2027.example.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const { example: _flag, ...typedIn } = exampleFile;
const y2027 = HolidayArrangementSchema.parse(typedIn);

const graded = (gradedOn: string): MlpsSystem =>
  ({
    id: 's1',
    name: 'HIS',
    level: 3,
    gradedOn,
    filedOn: null,
    lastEvaluatedOn: null,
    personalInfoOver100k: true,
    criticalInfrastructure: false,
    wentLiveOn: null,
    prelaunchTestedOn: null,
    retiredOn: null,
    hostIds: [],
  }) as unknown as MlpsSystem;

describe('deadlines across the 2026→2027 boundary', () => {
  it('are unknown without a 2027 arrangement (never a weekday guess)', () => {
    expect(() => filingDueOn('2026-12-24')).toThrow(CalendarRangeError);
    const d = mlpsDeadlines(graded('2026-12-24'), new Date('2026-12-24T04:00:00Z'));
    expect(d.filing).toMatchObject({ status: 'unknown', dueOn: null });
    expect(d.filing && 'reason' in d.filing ? d.filing.reason : '').toMatch(/2027.*calendar import/);
  });

  it('fall on the right date once the year is loaded (元旦 not counted)', () => {
    const calendar = workingCalendar([y2027]);
    // Thu 12-24 graded: Fri 25 (1), Mon 28–Thu 31 (2–5), Jan 1–3 off, Mon 4–Fri 8 (6–10).
    expect(filingDueOn('2026-12-24', 10, calendar)).toBe('2027-01-08');
    const d = mlpsDeadlines(graded('2026-12-24'), new Date('2026-12-24T04:00:00Z'), { calendar });
    expect(d.filing).toEqual({ dueOn: '2027-01-08', status: 'due-soon' });
    // A 调休 Sunday counts, the Spring Festival week does not: graded Thu 2027-01-28 →
    // Fri 29 (1), Sun 31 调休 (2), Feb 1–4 (3–6), Feb 5–12 off, Mon 15–Thu 18 (7–10).
    expect(filingDueOn('2027-01-28', 10, calendar)).toBe('2027-02-18');
    // The packaged years are unchanged, and years beyond the loaded one stay unknown.
    expect(calendar.isWorkingDay('2025-10-11')).toBe(true);
    expect(() => calendar.isWorkingDay('2028-01-03')).toThrow(/2004–2027/);
    expect(PACKAGED_CALENDAR.covers(2027)).toBe(false);
  });

  it('lets a loaded year replace the packaged one', () => {
    const patched: HolidayArrangement = { year: 2026, holidays: [{ name: 'x', from: '2026-03-02', to: '2026-03-02' }], workdays: [] };
    expect(PACKAGED_CALENDAR.isWorkingDay('2026-03-02')).toBe(true);
    expect(workingCalendar([patched]).isWorkingDay('2026-03-02')).toBe(false);
  });
});

describe('validating an arrangement', () => {
  const problems = (input: unknown) => {
    const r = HolidayArrangementSchema.safeParse(input);
    return r.success ? [] : arrangementProblems(r.error);
  };
  const base = typedIn as { year: number; holidays: Array<{ name: string; from: string; to: string }>; workdays: string[] };

  it('accepts the example once its flag is gone, and refuses it with the flag', () => {
    expect(problems(typedIn)).toEqual([]);
    expect(problems(exampleFile).join('\n')).toMatch(/这是示例文件.*this is the example file/);
  });
  it('refuses an incomplete year', () => {
    expect(problems({ ...base, holidays: base.holidays.filter((h) => !h.name.includes('国庆')) }).join('\n')).toMatch(/缺少国庆.*National Day is missing/);
  });
  it('refuses overlapping holidays', () => {
    expect(problems({ ...base, holidays: [...base.holidays.slice(0, 6), { name: '国庆节', from: '2027-09-16', to: '2027-10-07' }] }).join('\n')).toMatch(/国庆节 与 中秋节 在 2027-09-16 重叠/);
  });
  it('refuses 调休 days that are not weekends, inside holidays, or outside the year', () => {
    expect(problems({ ...base, workdays: ['2027-02-22'] }).join('\n')).toMatch(/2027-02-22 不是周六或周日/);
    expect(problems({ ...base, workdays: ['2027-10-02'] }).join('\n')).toMatch(/2027-10-02 落在假期 国庆节 内/);
    expect(problems({ ...base, workdays: ['2026-12-27'] }).join('\n')).toMatch(/2026-12-27 不在 2027 年内/);
  });
  it('refuses holiday dates outside the year, reversed ranges and bad dates', () => {
    expect(problems({ ...base, holidays: [{ name: '元旦', from: '2026-12-31', to: '2027-01-02' }, ...base.holidays.slice(1)] }).join('\n')).toMatch(/元旦：日期须在 2027 年内/);
    expect(problems({ ...base, holidays: [{ name: '元旦', from: '2027-01-03', to: '2027-01-01' }, ...base.holidays.slice(1)] }).join('\n')).toMatch(/结束日期早于开始日期/);
    expect(problems({ ...base, workdays: ['2027-02-30'] }).join('\n')).toMatch(/YYYY-MM-DD/);
  });
});
