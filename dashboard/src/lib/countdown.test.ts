import { describe, expect, it } from 'vitest';
import { countdown } from './countdown.js';

const DUE = '2026-12-07T04:00:00.000Z';
const at = (iso: string) => Date.parse(iso);

describe('countdown', () => {
  it('counts down to the deadline in whole seconds, days from a day up', () => {
    expect(countdown(DUE, at('2026-12-07T00:59:58.500Z'))).toEqual({ overdue: false, days: 0, hours: 3, minutes: 0, seconds: 2 });
    expect(countdown(DUE, at('2026-12-07T03:59:59.999Z'))).toEqual({ overdue: false, days: 0, hours: 0, minutes: 0, seconds: 1 });
    expect(countdown(DUE, at('2026-11-06T02:30:00.000Z'))).toEqual({ overdue: false, days: 31, hours: 1, minutes: 30, seconds: 0 });
  });

  it('is overdue from the deadline on, and says by how much', () => {
    expect(countdown(DUE, at(DUE))).toEqual({ overdue: true, days: 0, hours: 0, minutes: 0, seconds: 0 });
    expect(countdown(DUE, at('2026-12-07T05:01:30.000Z'))).toEqual({ overdue: true, days: 0, hours: 1, minutes: 1, seconds: 30 });
  });

  it('has nothing to count without a deadline', () => {
    expect(countdown(null, 0)).toBeNull();
    expect(countdown('not a time', 0)).toBeNull();
  });
});
