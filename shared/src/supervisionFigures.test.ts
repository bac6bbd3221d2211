import { describe, expect, it } from 'vitest';
import { supervisionFigures } from './supervisionFigures.js';

// Instants in UTC; China dates are 8 hours ahead (2026-11-10T17:00Z is 2026-11-11 in China).
const notices = [
  { issuedAt: '2026-11-02T02:00:00Z', deadline: '2026-11-16', closedAt: '2026-11-10T17:00:00Z' }, // closed on time (11-11)
  { issuedAt: '2026-11-02T02:00:00Z', deadline: '2026-11-16', closedAt: '2026-11-20T02:00:00Z' }, // closed late
  { issuedAt: '2026-11-03T02:00:00Z', deadline: '2026-11-17', closedAt: null }, // still open
  { issuedAt: '2026-12-01T02:00:00Z', deadline: '2026-12-15', closedAt: null }, // issued after November
];

describe('supervision figures beside the ranking', () => {
  it('counts open, overdue and the on-time rate as of a date', () => {
    expect(supervisionFigures(notices, undefined, '2026-11-12')).toMatchObject({ noticesOpen: 2, noticesOverdue: 0, noticesOnTimeRate: 100 });
    expect(supervisionFigures(notices, undefined, '2026-11-30')).toMatchObject({ noticesOpen: 1, noticesOverdue: 1, noticesOnTimeRate: 50 });
    expect(supervisionFigures(notices, undefined, '2026-12-20')).toMatchObject({ noticesOpen: 2, noticesOverdue: 2, noticesOnTimeRate: 50 });
    expect(supervisionFigures([], undefined, '2026-11-30')).toMatchObject({ noticesOpen: 0, noticesOverdue: 0, noticesOnTimeRate: null });
  });
  it('a self-inspection counts once submitted (or accepted) by the date; returned or a draft does not', () => {
    const submitted = { status: 'accepted', submittedAt: '2026-11-20T02:00:00Z', percent: 87.5 };
    expect(supervisionFigures([], submitted, '2026-11-30')).toMatchObject({ selfInspectionSubmitted: true, selfInspectionPercent: 87.5 });
    expect(supervisionFigures([], submitted, '2026-11-19')).toMatchObject({ selfInspectionSubmitted: false, selfInspectionPercent: null });
    expect(supervisionFigures([], { ...submitted, status: 'returned' }, '2026-11-30')).toMatchObject({ selfInspectionSubmitted: false, selfInspectionPercent: null });
    expect(supervisionFigures([], undefined, '2026-11-30')).toMatchObject({ selfInspectionSubmitted: false, selfInspectionPercent: null });
  });
});
