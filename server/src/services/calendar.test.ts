import { readFileSync } from 'node:fs';
import type { HolidayArrangementInput } from '@weian/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../testing/harness.js';
import { calendarStatus, getArrangement, loadArrangement } from './calendar.js';
import { workingCalendarFor } from './workingCalendar.js';

const { example: _flag, note: _note, ...y2027 } = JSON.parse(readFileSync(new URL('../../../docs/calendar-2027.example.json', import.meta.url), 'utf8')) as HolidayArrangementInput & { note: string };

describe.each(['sqlite', 'postgres'] as const)('the admin banner and stored arrangements (%s)', (dialect) => {
  let t: TestDb;
  afterEach(() => t?.close());

  it('asks for next year from 1 November (China time) until it is loaded', async () => {
    t = await createTestDb(dialect, new Date('2026-10-31T15:59:00Z')); // 23:59 on 31 October in China
    expect((await calendarStatus(t.deps)).missingYear).toBeNull();
    t.clock.advance(60_000); // 00:00 on 1 November
    expect((await calendarStatus(t.deps)).missingYear).toBe(2027);
    await loadArrangement(t.deps, 'admin', y2027);
    expect((await calendarStatus(t.deps)).missingYear).toBeNull();
    expect((await workingCalendarFor(t.deps)).isWorkingDay('2027-01-31')).toBe(true);
  });

  it('asks for the current year when it has none', async () => {
    t = await createTestDb(dialect, new Date('2027-03-01T02:00:00Z'));
    const s = await calendarStatus(t.deps);
    expect(s.missingYear).toBe(2027);
    expect(s.currentYear).toBe(2027);
  });

  it('replaces a year loaded again (a corrected notice)', async () => {
    t = await createTestDb(dialect);
    await loadArrangement(t.deps, 'admin', y2027);
    await loadArrangement(t.deps, 'other-admin', { ...y2027, workdays: y2027.workdays.slice(1) });
    const s = await calendarStatus(t.deps);
    expect(s.loaded.map((l) => [l.year, l.loadedBy, l.workdays])).toEqual([[2027, 'other-admin', y2027.workdays.length - 1]]);
    expect((await getArrangement(t.deps, 2027))?.workdays).toEqual(y2027.workdays.slice(1));
    expect((await workingCalendarFor(t.deps)).isWorkingDay('2027-01-31')).toBe(false);
  });
});
