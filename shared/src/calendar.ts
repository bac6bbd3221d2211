import chineseDays from 'chinese-days';

/** A civil date in China, `YYYY-MM-DD`. Records (grading, filing, drills…) are dates, not instants. */
export type IsoDate = string;

/**
 * Years for which chinese-days 1.5 carries the State Council's holiday and 调休 notices.
 * Outside them we refuse rather than guess: a weekday fallback would silently mis-date deadlines
 * around Spring Festival and National Day. Raise this when the package is upgraded with a new year
 * (calendar.test.ts fails on the upgrade until you do).
 */
export const CALENDAR_FIRST_YEAR = 2004;
export const CALENDAR_LAST_YEAR = 2026;

export class CalendarRangeError extends Error {
  constructor(
    readonly date: IsoDate,
    covered = `${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_YEAR}`,
  ) {
    super(
      `no official working-day calendar for ${date}: the server has the State Council's holiday arrangements for ${covered}; ` +
        `an administrator loads the ${date.slice(0, 4)} arrangement once it is published (dashboard 节假日安排, or weian-server calendar import FILE)`,
    );
    this.name = 'CalendarRangeError';
  }
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;
/** China has one time zone and no daylight saving: civil dates are UTC+8. */
const CHINA_OFFSET_MS = 8 * 3_600_000;

export function isIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

function toUtc(date: IsoDate): number {
  if (!isIsoDate(date)) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  return Date.parse(`${date}T00:00:00Z`);
}
const fromUtc = (ms: number): IsoDate => new Date(ms).toISOString().slice(0, 10);

/** The date it is in China at `now`. */
export function chinaDate(now: Date): IsoDate {
  return fromUtc(now.getTime() + CHINA_OFFSET_MS);
}

export function addDays(date: IsoDate, n: number): IsoDate {
  return fromUtc(toUtc(date) + n * DAY_MS);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((toUtc(to) - toUtc(from)) / DAY_MS);
}

/** Calendar months later; the 31st (or 29 Feb) clamps to the last day of a shorter month. */
export function addMonths(date: IsoDate, n: number): IsoDate {
  const d = new Date(toUtc(date));
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + n;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return fromUtc(Date.UTC(y, m, Math.min(d.getUTCDate(), lastDay)));
}

export const addYears = (date: IsoDate, n: number): IsoDate => addMonths(date, 12 * n);

/**
 * One year's official arrangement as the 国务院办公厅 notice gives it: the holiday ranges and the
 * weekend days worked in lieu (调休). Validated by `HolidayArrangementSchema` (schemas/calendar.ts).
 */
export interface HolidayArrangement {
  year: number;
  holidays: ReadonlyArray<{ name: string; from: IsoDate; to: IsoDate }>;
  /** Saturdays and Sundays worked in lieu (调休上班). */
  workdays: readonly IsoDate[];
}

/**
 * The working-day calendar as a value, so deadline functions stay pure: the packaged chinese-days
 * years plus the arrangements an administrator loaded (a loaded year replaces the packaged one).
 */
export interface WorkingCalendar {
  isWorkingDay(date: IsoDate): boolean;
  covers(year: number): boolean;
  /** Years with data, for messages and the admin banner. */
  readonly years: readonly number[];
}

/** `2004–2026, 2028` */
function yearRanges(years: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < years.length;) {
    let j = i;
    while (j + 1 < years.length && years[j + 1] === years[j]! + 1) j++;
    parts.push(i === j ? `${years[i]}` : `${years[i]}–${years[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

export function workingCalendar(arrangements: readonly HolidayArrangement[] = []): WorkingCalendar {
  const loaded = new Map<number, { off: Set<IsoDate>; on: Set<IsoDate> }>();
  for (const a of arrangements) {
    const off = new Set<IsoDate>();
    for (const h of a.holidays) for (let d = h.from; d <= h.to; d = addDays(d, 1)) off.add(d);
    loaded.set(a.year, { off, on: new Set(a.workdays) });
  }
  const years = [...new Set([...Array.from({ length: CALENDAR_LAST_YEAR - CALENDAR_FIRST_YEAR + 1 }, (_, i) => CALENDAR_FIRST_YEAR + i), ...loaded.keys()])].sort((a, b) => a - b);
  const covered = new Set(years);
  const covers = (year: number) => covered.has(year);
  return {
    years,
    covers,
    isWorkingDay(date) {
      toUtc(date);
      const year = Number(date.slice(0, 4));
      if (!covers(year)) throw new CalendarRangeError(date, yearRanges(years));
      const y = loaded.get(year);
      if (!y) return chineseDays.isWorkday(date);
      if (y.on.has(date)) return true;
      const weekday = new Date(toUtc(date)).getUTCDay();
      return weekday !== 0 && weekday !== 6 && !y.off.has(date);
    },
  };
}

/** chinese-days alone: what every computation used before an administrator loaded a year. */
export const PACKAGED_CALENDAR: WorkingCalendar = workingCalendar();

/** Official working day: Monday–Friday unless a public holiday, plus the weekend days worked in lieu (调休). */
export function isWorkingDay(date: IsoDate, calendar: WorkingCalendar = PACKAGED_CALENDAR): boolean {
  return calendar.isWorkingDay(date);
}

/**
 * The n-th working day after `date` (the day itself is not counted, as "within 10 working days
 * after grading" is read). Throws CalendarRangeError when the count leaves the covered years.
 */
export function addWorkingDays(date: IsoDate, n: number, calendar: WorkingCalendar = PACKAGED_CALENDAR): IsoDate {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`working days must be a non-negative integer, got ${n}`);
  // The start date must be covered too: "after grading" is only meaningful on a known calendar.
  calendar.isWorkingDay(date);
  let day = date;
  for (let left = n; left > 0;) {
    day = addDays(day, 1);
    if (calendar.isWorkingDay(day)) left--;
  }
  return day;
}
