import { api, type ApiClient } from './client.js';
import { call } from './errors.js';
import type { In, Out } from './types.js';

type C = ApiClient['calendar'];
export type CalendarStatus = Out<C['status']['query']>;
export type HolidayArrangement = In<C['load']['mutate']>;

/** The official holiday arrangements behind working-day deadlines (administrators only). */
export const calendarApi = {
  status: () => call(() => api().calendar.status.query()),
  get: (year: number) => call(() => api().calendar.get.query({ year })),
  load: (arrangement: HolidayArrangement) => call(() => api().calendar.load.mutate(arrangement)),
};
