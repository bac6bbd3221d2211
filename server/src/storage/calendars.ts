import type { Db, HolidayCalendarsTable } from './schema.js';

export function listHolidayCalendars(db: Db): Promise<HolidayCalendarsTable[]> {
  return db.selectFrom('holiday_calendars').selectAll().orderBy('year').execute();
}

/** A year loaded again replaces the previous load (a corrected notice). */
export async function upsertHolidayCalendar(db: Db, row: HolidayCalendarsTable): Promise<void> {
  await db
    .insertInto('holiday_calendars')
    .values(row)
    .onConflict((oc) => oc.column('year').doUpdateSet({ arrangement: row.arrangement, loaded_at: row.loaded_at, loaded_by: row.loaded_by }))
    .execute();
}

/** Institutions whose filing deadline could not be computed (unknown): the ones a newly loaded year can decide. */
export async function institutionsWithUnknownFiling(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('findings').select('subject_id').where('subject_kind', '=', 'institution').where('rule_id', '=', 'INST-MLPS-FILING').where('status', '=', 'unknown').execute();
  return rows.map((r) => r.subject_id);
}
