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
  constructor(readonly date: IsoDate) {
    super(
      `no official working-day calendar for ${date}: chinese-days covers ${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_YEAR}; ` +
        'upgrade the package once the State Council publishes the holiday arrangement',
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

function assertCovered(date: IsoDate): void {
  const year = Number(date.slice(0, 4));
  if (year < CALENDAR_FIRST_YEAR || year > CALENDAR_LAST_YEAR) throw new CalendarRangeError(date);
}

/** Official working day: Monday–Friday unless a public holiday, plus the weekend days worked in lieu (调休). */
export function isWorkingDay(date: IsoDate): boolean {
  toUtc(date);
  assertCovered(date);
  return chineseDays.isWorkday(date);
}

/**
 * The n-th working day after `date` (the day itself is not counted, as "within 10 working days
 * after grading" is read). Throws CalendarRangeError when the count leaves the covered years.
 */
export function addWorkingDays(date: IsoDate, n: number): IsoDate {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`working days must be a non-negative integer, got ${n}`);
  assertCovered(date);
  let day = date;
  for (let left = n; left > 0; ) {
    day = addDays(day, 1);
    if (isWorkingDay(day)) left--;
  }
  return day;
}
