import { describe, expect, it } from 'vitest';
import { applyScanSettings, DEFAULT_SCAN_SCHEDULE, inScanWindow, nextRoundAt, ScanSettings, scanLoosenings, windowEnd, windowWithin } from './scanSchedule.js';

// China time is UTC+8: 22:00 China time is 14:00 UTC.
const at = (iso: string) => new Date(iso);

describe('the scanner schedule', () => {
  const night = { from: '22:00', to: '06:00' };
  it('a window may run over midnight; the next round waits for it and for the interval', () => {
    expect(inScanWindow(night, at('2026-12-07T15:00:00Z'))).toBe(true); // 23:00
    expect(inScanWindow(night, at('2026-12-07T21:59:00Z'))).toBe(true); // 05:59
    expect(inScanWindow(night, at('2026-12-07T22:00:00Z'))).toBe(false); // 06:00
    const s = { intervalHours: 24, window: night };
    // Never scanned, at 10:00 China time: the window opens at 22:00.
    expect(nextRoundAt(s, null, at('2026-12-07T02:00:00Z')).toISOString()).toBe('2026-12-07T14:00:00.000Z');
    // Inside the window and never scanned: now.
    expect(nextRoundAt(s, null, at('2026-12-07T15:30:00Z')).toISOString()).toBe('2026-12-07T15:30:00.000Z');
    // Last round at 23:00 yesterday: due at 23:00 today, inside the window.
    expect(nextRoundAt(s, at('2026-12-06T15:00:00Z'), at('2026-12-07T02:00:00Z')).toISOString()).toBe('2026-12-07T15:00:00.000Z');
    // Last round at 05:00 with a 24 h interval: 05:00 next day is still inside.
    expect(nextRoundAt(s, at('2026-12-06T21:00:00Z'), at('2026-12-07T02:00:00Z')).toISOString()).toBe('2026-12-07T21:00:00.000Z');
    // Every 6 h, no window.
    expect(nextRoundAt({ intervalHours: 6, window: null }, at('2026-12-07T02:00:00Z'), at('2026-12-07T03:00:00Z')).toISOString()).toBe('2026-12-07T08:00:00.000Z');
    expect(windowEnd(night, at('2026-12-07T15:00:00Z'))!.toISOString()).toBe('2026-12-07T22:00:00.000Z');
    expect(windowEnd(night, at('2026-12-07T02:00:00Z'))).toBeNull();
    expect(windowEnd(null, at('2026-12-07T02:00:00Z'))).toBeNull();
  });
  it('bounded: no figure above the maximum, no empty window', () => {
    expect(ScanSettings.safeParse({ ratePerSecond: 501 }).success).toBe(false);
    expect(ScanSettings.safeParse({ concurrency: 0 }).success).toBe(false);
    expect(ScanSettings.safeParse({ intervalHours: 24 * 8 }).success).toBe(false);
    expect(ScanSettings.safeParse({ window: { from: '22:00', to: '22:00' } }).success).toBe(false);
    expect(ScanSettings.safeParse({ window: { from: '24:00', to: '06:00' } }).success).toBe(false);
  });
  it('below the province only gentler and closer: lower rate and concurrency, a window inside, a shorter interval, more ports', () => {
    const province = applyScanSettings(DEFAULT_SCAN_SCHEDULE, { ratePerSecond: 20, concurrency: 10, intervalHours: 24, window: { from: '20:00', to: '08:00' }, ports: [10086] }, true);
    expect(province).toEqual({ ratePerSecond: 20, concurrency: 10, intervalHours: 24, window: { from: '20:00', to: '08:00' }, ports: [10086] });
    const county = { ratePerSecond: 10, concurrency: 20, intervalHours: 12, window: { from: '22:00', to: '06:00' }, ports: [8888] };
    expect(scanLoosenings(province, county)).toEqual(['scanning.concurrency: 20 is above 10 set above']);
    expect(applyScanSettings(province, county, false)).toEqual({ ratePerSecond: 10, concurrency: 10, intervalHours: 12, window: { from: '22:00', to: '06:00' }, ports: [8888, 10086] });
    expect(scanLoosenings(province, { window: { from: '18:00', to: '06:00' } })).toEqual(['scanning.window: 18:00–06:00 is not inside 20:00–08:00 set above']);
    expect(scanLoosenings(province, { intervalHours: 48 })).toHaveLength(1);
    expect(windowWithin({ from: '23:00', to: '01:00' }, null)).toBe(true);
    expect(windowWithin(null, { from: '23:00', to: '01:00' })).toBe(false);
  });
});
