import { workingCalendar, type HolidayArrangement, type WorkingCalendar } from '@weian/shared';
import { listHolidayCalendars } from '../storage/calendars.js';
import type { Db } from '../storage/schema.js';
import { perDeps, type ServiceDeps } from './deps.js';

/**
 * The working-day calendar the server judges deadlines with: chinese-days' packaged years plus the
 * official arrangements an administrator loaded (stored, so they survive restarts and reach every
 * process on one PostgreSQL). Built once and kept for a minute: other processes see a load within that.
 */
const CACHE_MS = 60_000;
const cache = perDeps(() => ({ calendar: null as Promise<WorkingCalendar> | null, at: 0 }));

/** `db`: the transaction the caller is in, if any (SQLite has one connection). */
export function workingCalendarFor(deps: ServiceDeps, db: Db = deps.db): Promise<WorkingCalendar> {
  const c = cache(deps);
  if (!c.calendar || Date.now() - c.at > CACHE_MS) {
    c.at = Date.now();
    c.calendar = listHolidayCalendars(db).then(
      (rows) => workingCalendar(rows.map((r) => JSON.parse(r.arrangement) as HolidayArrangement)),
      (e: unknown) => {
        c.calendar = null;
        throw e;
      },
    );
  }
  return c.calendar;
}

/** After a load on this process: the next computation reads the database again. */
export const forgetWorkingCalendar = (deps: ServiceDeps): void => {
  cache(deps).calendar = null;
};
