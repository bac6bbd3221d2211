import { describe, expect, it } from 'vitest';
import { formatBytes, formatDateTime, formatPercent } from './format.js';

describe('formatDateTime', () => {
  it('shows China time (UTC+8) whatever the input zone', () => {
    expect(formatDateTime('2026-11-23T01:18:03.000Z')).toBe('2026-11-23 09:18:03');
    expect(formatDateTime('2026-11-23T09:18:03+08:00')).toBe('2026-11-23 09:18:03');
    expect(formatDateTime(new Date(Date.UTC(2026, 0, 1, 0, 0, 0)))).toBe('2026-01-01 08:00:00');
  });
  it('crosses midnight and year ends into China time', () => {
    expect(formatDateTime('2026-12-31T16:30:00Z')).toBe('2027-01-01 00:30:00');
  });
  it('uses 00 for midnight, never 24', () => {
    expect(formatDateTime('2026-06-30T16:00:00Z')).toBe('2026-07-01 00:00:00');
  });
  it('shows a dash for no value or an unparseable one', () => {
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime(undefined)).toBe('—');
    expect(formatDateTime('not a date')).toBe('—');
  });
});

describe('formatBytes and formatPercent', () => {
  it('uses binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(16 * 1024 ** 3)).toBe('16.0 GB');
    expect(formatBytes(null)).toBe('—');
  });
  it('rounds shares and refuses a zero whole', () => {
    expect(formatPercent(1, 3)).toBe('33%');
    expect(formatPercent(1, 0)).toBe('—');
  });
});
