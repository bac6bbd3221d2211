import { z } from 'zod';
import { DEFAULT_SCAN_LIMITS, MAX_SCAN_LIMITS } from './exposure.js';

/**
 * When and how hard a region's scanners scan (issue 24: "rate, concurrency and schedule bounded and
 * shown"). The server hands the schedule in force to each scanner with its target list; the scanner
 * starts no round before it is due nor outside the window, and never exceeds the rate or concurrency.
 * Each field is optional in a region's settings: the rest is inherited. Below the province a level may
 * only be gentler on the hospitals' links (lower rate and concurrency, a window inside the one above)
 * and watch at least as closely (a shorter interval, more ports); it can never loosen what is set above.
 */

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');
export const ScanSettings = z.object({
  /** Connection attempts started per second, at most. */
  ratePerSecond: z.number().min(0.1).max(MAX_SCAN_LIMITS.ratePerSecond).optional(),
  /** Connections open at once, at most. */
  concurrency: z.number().int().min(1).max(MAX_SCAN_LIMITS.concurrency).optional(),
  /** Hours between the starts of two rounds, at least (the EXT rules want a complete round every 7 days). */
  intervalHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 7)
    .optional(),
  /** China time (UTC+8) within which rounds run, e.g. 22:00–06:00 outside clinic hours; absent: any time. */
  window: z
    .object({ from: HHMM, to: HHMM })
    .refine((w) => w.from !== w.to, 'the window must not be empty')
    .optional(),
  /** Ports the region adds to the high-risk list. */
  ports: z.array(z.number().int().min(1).max(65535)).max(200).optional(),
});
export type ScanSettings = z.infer<typeof ScanSettings>;

export interface ScanWindow {
  from: string;
  to: string;
}
/** The schedule in force: every figure present. */
export interface ScanSchedule {
  ratePerSecond: number;
  concurrency: number;
  intervalHours: number;
  window: ScanWindow | null;
  ports: number[];
}
export const DEFAULT_SCAN_SCHEDULE: ScanSchedule = {
  ratePerSecond: DEFAULT_SCAN_LIMITS.ratePerSecond,
  concurrency: DEFAULT_SCAN_LIMITS.concurrency,
  intervalHours: 24,
  window: null,
  ports: [],
};

const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MIN = 1440;
const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
/** Whether minute-of-day `m` lies in the window (a window may run over midnight: 22:00–06:00). */
const minuteIn = (w: ScanWindow, m: number) => {
  const from = minutes(w.from);
  const to = minutes(w.to);
  return from < to ? m >= from && m < to : m >= from || m < to;
};
/** Whether every minute of `inner` lies in `outer` (no outer window: the whole day). */
export function windowWithin(inner: ScanWindow | null, outer: ScanWindow | null): boolean {
  if (!outer) return true;
  if (!inner) return false;
  return Array.from({ length: DAY_MIN }, (_, m) => m).every((m) => !minuteIn(inner, m) || minuteIn(outer, m));
}
const chinaMinute = (at: Date) => Math.floor(((at.getTime() + CHINA_OFFSET_MS) % 86_400_000) / 60_000);

export function inScanWindow(w: ScanWindow | null, at: Date): boolean {
  return !w || minuteIn(w, chinaMinute(at));
}

/** When the window that `at` lies in closes (null: no window, or `at` is outside it). */
export function windowEnd(w: ScanWindow | null, at: Date): Date | null {
  if (!w || !inScanWindow(w, at)) return null;
  const m = chinaMinute(at);
  const left = (minutes(w.to) - m + DAY_MIN) % DAY_MIN || DAY_MIN;
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000 + left * 60_000);
}

/** The earliest time a scanner may start its next round: `intervalHours` after the last one was reported, inside the window. */
export function nextRoundAt(s: Pick<ScanSchedule, 'intervalHours' | 'window'>, lastRoundAt: Date | null, now: Date): Date {
  const due = new Date(Math.max(now.getTime(), lastRoundAt ? lastRoundAt.getTime() + s.intervalHours * 3_600_000 : 0));
  if (!s.window || inScanWindow(s.window, due)) return due;
  const wait = (minutes(s.window.from) - chinaMinute(due) + DAY_MIN) % DAY_MIN;
  return new Date(Math.floor(due.getTime() / 60_000) * 60_000 + wait * 60_000);
}

/** A region's own scan settings over what it inherits: the province's apply as given (`baseline`), a lower level's only where tighter. */
export function applyScanSettings(inherited: ScanSchedule, own: ScanSettings | undefined, baseline: boolean): ScanSchedule {
  if (!own) return inherited;
  const pick = (k: 'ratePerSecond' | 'concurrency' | 'intervalHours') => {
    const v = own[k];
    return v !== undefined && (baseline || v < inherited[k]) ? v : inherited[k];
  };
  const window = own.window && (baseline || windowWithin(own.window, inherited.window)) ? own.window : inherited.window;
  const ports = baseline && own.ports ? own.ports : [...new Set([...inherited.ports, ...(own.ports ?? [])])].slice(0, 200);
  return { ratePerSecond: pick('ratePerSecond'), concurrency: pick('concurrency'), intervalHours: pick('intervalHours'), window, ports: ports.sort((a, b) => a - b) };
}

/** What a lower level's scan settings would loosen against what it inherits, one line each. */
export function scanLoosenings(inherited: ScanSchedule, own: ScanSettings | undefined): string[] {
  const out: string[] = [];
  for (const k of ['ratePerSecond', 'concurrency', 'intervalHours'] as const)
    if (own?.[k] !== undefined && own[k] > inherited[k]) out.push(`scanning.${k}: ${own[k]} is above ${inherited[k]} set above`);
  if (own?.window && !windowWithin(own.window, inherited.window))
    out.push(`scanning.window: ${own.window.from}–${own.window.to} is not inside ${inherited.window!.from}–${inherited.window!.to} set above`);
  return out;
}

/** What the server hands a scanner with its targets (targetList.ts on the scanner reads the same shape). */
export const ScanScheduleWire = z.object({
  intervalHours: z.number().int().positive(),
  window: z.object({ from: HHMM, to: HHMM }).nullable(),
  /** ISO time before which no round may start; the list handed out before it is empty. */
  nextRoundAt: z.string(),
});
export type ScanScheduleWire = z.infer<typeof ScanScheduleWire>;
