/** Loading official holiday arrangements and telling administrators when one is missing. */
import { chinaDate, HolidayArrangementSchema, type HolidayArrangementInput } from '@weian/shared';
import { institutionsWithUnknownFiling, listHolidayCalendars, upsertHolidayCalendar } from '../storage/calendars.js';
import type { ServiceDeps } from './deps.js';
import { evaluateInstitutionNow, type FindingChange } from './evaluation.js';
import { forgetWorkingCalendar, workingCalendarFor } from './workingCalendar.js';

export interface CalendarStatus {
  /** Every year with data (packaged and loaded). */
  years: number[];
  loaded: Array<{ year: number; source: string | null; holidays: number; workdays: number; loadedAt: string; loadedBy: string }>;
  currentYear: number;
  /** The year an administrator must load now: this one when missing, else next year from 1 November. */
  missingYear: number | null;
}

export async function calendarStatus(deps: ServiceDeps): Promise<CalendarStatus> {
  const calendar = await workingCalendarFor(deps);
  const rows = await listHolidayCalendars(deps.db);
  const today = chinaDate(deps.now());
  const year = Number(today.slice(0, 4));
  const missingYear = !calendar.covers(year) ? year : today >= `${year}-11-01` && !calendar.covers(year + 1) ? year + 1 : null;
  return {
    years: [...calendar.years],
    loaded: rows.map((r) => {
      const a = JSON.parse(r.arrangement) as HolidayArrangementInput;
      return { year: r.year, source: a.source ?? null, holidays: a.holidays.length, workdays: a.workdays.length, loadedAt: r.loaded_at, loadedBy: r.loaded_by };
    }),
    currentYear: year,
    missingYear,
  };
}

/** One loaded year, for the admin form to edit. */
export async function getArrangement(deps: ServiceDeps, year: number): Promise<HolidayArrangementInput | null> {
  const row = (await listHolidayCalendars(deps.db)).find((r) => r.year === year);
  return row ? (JSON.parse(row.arrangement) as HolidayArrangementInput) : null;
}

/**
 * Stores a year's arrangement (input already validated by HolidayArrangementSchema at the edge,
 * re-parsed here because the CLI and the API both call it) and re-judges the institutions whose
 * filing deadline was unknown. The caller records the audit entry (the API's middleware does).
 */
export async function loadArrangement(deps: ServiceDeps, by: string, input: HolidayArrangementInput): Promise<{ year: number; reevaluated: number }> {
  const a = HolidayArrangementSchema.parse(input);
  const stored: HolidayArrangementInput = { year: a.year, holidays: a.holidays, workdays: [...a.workdays].sort(), ...(a.source ? { source: a.source } : {}) };
  await upsertHolidayCalendar(deps.db, { year: a.year, arrangement: JSON.stringify(stored), loaded_at: deps.now().toISOString(), loaded_by: by });
  forgetWorkingCalendar(deps);
  const codes = await institutionsWithUnknownFiling(deps.db);
  let changes: FindingChange[] = [];
  for (const code of codes) changes = changes.concat(await deps.db.transaction().execute((tx) => evaluateInstitutionNow(deps, tx, code)));
  for (const c of changes) deps.bus.emit('finding.changed', c);
  return { year: a.year, reevaluated: codes.length };
}
