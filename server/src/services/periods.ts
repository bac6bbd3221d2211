import { chinaDate } from '@weian/shared';
import { badRequest } from '../errors.js';

/** A ranking period is a calendar month in China time, "YYYY-MM". */
export const PERIOD_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function currentPeriod(now: Date): string {
  return chinaDate(now).slice(0, 7);
}

export function previousPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** Last day of the period (YYYY-MM-DD): a past period is judged by its last snapshot. */
export function periodEnd(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${period}-${String(last).padStart(2, '0')}`;
}

export function checkPeriod(period: string, now: Date): string {
  if (!PERIOD_RE.test(period)) throw badRequest(`period must be YYYY-MM, got "${period}"`);
  if (period > currentPeriod(now)) throw badRequest(`period ${period} has not begun yet`);
  return period;
}
