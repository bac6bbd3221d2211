import chineseDays from 'chinese-days';
import { describe, expect, it } from 'vitest';
import { addMonths, addWorkingDays, CALENDAR_LAST_YEAR, CalendarRangeError, chinaDate, isWorkingDay } from './calendar.js';
import { filingDueOn } from './deadlines.js';

describe('working days (chinese-days)', () => {
  it('knows the 2025 National Day arrangement', () => {
    // State Council 2025: Oct 1–8 off; Sunday Sep 28 and Saturday Oct 11 are worked (调休).
    expect(isWorkingDay('2025-09-28')).toBe(true);
    expect(isWorkingDay('2025-10-01')).toBe(false);
    expect(isWorkingDay('2025-10-08')).toBe(false);
    expect(isWorkingDay('2025-10-11')).toBe(true);
    expect(isWorkingDay('2025-10-12')).toBe(false);
  });

  it('files 10 working days after grading across National Day 2025', () => {
    // Graded Sunday 2025-09-28 (itself a 调休 working day, not counted). Working days after it:
    //  1 Mon 09-29, 2 Tue 09-30, [Oct 1–8 holiday], 3 Thu 10-09, 4 Fri 10-10,
    //  5 Sat 10-11 (调休), [Sun 10-12], 6 Mon 10-13, 7 10-14, 8 10-15, 9 10-16, 10 Fri 10-17.
    expect(filingDueOn('2025-09-28')).toBe('2025-10-17');
    // Graded the Friday before: 09-28 (调休 Sunday) counts as day 1 → due Thu 10-16.
    expect(filingDueOn('2025-09-26')).toBe('2025-10-16');
  });

  it('counts a 调休 Saturday as a working day', () => {
    // Spring Festival 2025: Jan 28–Feb 4 off, Saturday Feb 8 worked. Graded Wed 2025-02-05:
    //  1 Thu 02-06, 2 Fri 02-07, 3 Sat 02-08 (调休), 4 Mon 02-10, 5 02-11, 6 02-12, 7 02-13,
    //  8 Fri 02-14, 9 Mon 02-17, 10 Tue 02-18. Counting weekdays only would give 02-19.
    expect(isWorkingDay('2025-02-08')).toBe(true);
    expect(filingDueOn('2025-02-05')).toBe('2025-02-18');
  });

  it('refuses dates outside the official calendar instead of guessing weekdays', () => {
    expect(() => addWorkingDays('2003-12-30', 1)).toThrow(CalendarRangeError);
    expect(() => addWorkingDays('2027-01-04', 1)).toThrow(/no official working-day calendar for 2027-01-04/);
    // Starting inside the range but walking out of it fails too.
    expect(() => filingDueOn('2026-12-25')).toThrow(CalendarRangeError);
  });

  it('is told when chinese-days gains a year (raise CALENDAR_LAST_YEAR then)', () => {
    // The package marks the last covered year's holidays; the year after carries none.
    expect(chineseDays.isHoliday(`${CALENDAR_LAST_YEAR}-10-01`)).toBe(true);
    expect(chineseDays.getDayDetail(`${CALENDAR_LAST_YEAR + 1}-10-01`).name).not.toMatch(/National Day|国庆/);
  });
});

describe('civil dates', () => {
  it('takes the China date of an instant (UTC+8)', () => {
    expect(chinaDate(new Date('2025-09-30T15:59:59Z'))).toBe('2025-09-30');
    expect(chinaDate(new Date('2025-09-30T16:00:00Z'))).toBe('2025-10-01');
  });
  it('clamps month arithmetic to the end of shorter months', () => {
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
    expect(addMonths('2025-01-31', 1)).toBe('2025-02-28');
    expect(addMonths('2025-03-10', 12)).toBe('2026-03-10');
  });
});
