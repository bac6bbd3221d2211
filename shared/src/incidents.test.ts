import { describe, expect, it } from 'vitest';
import {
  applyIncidentSettings,
  canIncident,
  DEFAULT_INCIDENT_SETTINGS,
  ESPECIALLY_MAJOR_LINE,
  gradeIncident,
  gradingCriteria,
  gradingProblem,
  incidentLoosenings,
  incidentSettingsProblems,
  resolveSettings,
  IncidentDraftInput,
  incidentFlags,
  incidentPeriodCounts,
  incidentTimesProblem,
  reportDeadline,
  summaryDeadline,
  IncidentSettings,
  RegionSettings,
} from './index.js';

const none = { cii: false, systemsDownHours: 0, recordsLeaked: 0, patientsAffected: 0 };
const draft = { title: '勒索病毒加密 HIS 数据库', type: 'ransomware' as const, discoveredAt: '2026-11-02T01:00:00Z', impact: '门诊挂号中断', measures: '断网隔离' };

describe('incident grading', () => {
  it('grades by the guide figures: outage counts for CII only, leaks for everyone', () => {
    expect(gradeIncident(none)).toBe('general');
    expect(gradeIncident({ ...none, systemsDownHours: 12 })).toBe('general');
    expect(gradeIncident({ ...none, cii: true, systemsDownHours: 0.5 })).toBe('large');
    expect(gradeIncident({ ...none, cii: true, systemsDownHours: 2 })).toBe('major');
    expect(gradeIncident({ ...none, cii: true, systemsDownHours: 6 })).toBe('especially-major');
    expect(gradeIncident({ ...none, recordsLeaked: 999_999 })).toBe('general');
    expect(gradeIncident({ ...none, recordsLeaked: 1_000_000 })).toBe('large');
    expect(gradeIncident({ ...none, recordsLeaked: 10_000_000 })).toBe('major');
  });
  it('refuses a level below what the criteria give, and a higher one without a reason', () => {
    expect(gradingProblem({ level: 'general', criteria: { ...none, recordsLeaked: 2_000_000 } })).toEqual({ path: 'level', message: expect.stringMatching(/较大/) as string });
    expect(gradingProblem({ level: 'large', criteria: none })?.path).toBe('gradingReason');
    expect(gradingProblem({ level: 'large', criteria: none, gradingReason: '重要网络和信息系统遭受较大的系统损失' })).toBeNull();
    expect(gradingProblem({ level: 'general', criteria: none })).toBeNull();
  });
  it('grades by the region’s figures for 重大 and 较大; the confirmed 特别重大 line stays', () => {
    const facts = { ...none, recordsLeaked: 600_000 };
    expect(gradeIncident(facts)).toBe('general');
    const stricter = applyIncidentSettings(DEFAULT_INCIDENT_SETTINGS, { largeRecordsLeaked: 500_000, majorCiiDownHours: 1 }, false);
    expect(gradeIncident(facts, stricter)).toBe('large');
    expect(gradeIncident({ ...none, cii: true, systemsDownHours: 1 }, stricter)).toBe('major');
    expect(gradingProblem({ level: 'general', criteria: facts }, stricter)?.path).toBe('level');
    expect(gradingCriteria(stricter).map((g) => [g.level, g.confirmed])).toEqual([
      ['especially-major', true],
      ['major', false],
      ['large', false],
    ]);
    expect(gradingCriteria(stricter)[0]).toMatchObject(ESPECIALLY_MAJOR_LINE);
    // Figures cannot go above the confirmed line.
    expect(IncidentSettings.safeParse({ majorRecordsLeaked: 200_000_000 }).success).toBe(false);
    expect(IncidentSettings.safeParse({ largeCiiDownHours: 7 }).success).toBe(false);
  });
  it('tightens down the region tree: the province sets any figure, a lower level only lowers one', () => {
    const province = applyIncidentSettings(DEFAULT_INCIDENT_SETTINGS, { largeRecordsLeaked: 2_000_000, summaryDays: 45 }, true);
    expect(province).toMatchObject({ largeRecordsLeaked: 2_000_000, summaryDays: 45, majorRecordsLeaked: 10_000_000 });
    // A county's looser figure does not count, a stricter one does; what it leaves out is inherited.
    expect(applyIncidentSettings(province, { largeRecordsLeaked: 3_000_000, summaryDays: 20 }, false)).toMatchObject({ largeRecordsLeaked: 2_000_000, summaryDays: 20, generalReportHours: 24 });
    expect(incidentLoosenings(province, { largeRecordsLeaked: 3_000_000, summaryDays: 20 })).toEqual(['incidents.largeRecordsLeaked: 3000000 is looser than 2000000 set above']);
    expect(incidentLoosenings(province, undefined)).toEqual([]);
    expect(incidentSettingsProblems({ ...DEFAULT_INCIDENT_SETTINGS, largeRecordsLeaked: 20_000_000 })).toEqual([expect.stringMatching(/较大 leak figure/)]);
    expect(incidentSettingsProblems({ ...DEFAULT_INCIDENT_SETTINGS, largeCiiDownHours: 3 })).toEqual([expect.stringMatching(/较大 outage figure/)]);
    expect(incidentSettingsProblems(DEFAULT_INCIDENT_SETTINGS)).toEqual([]);
  });
  it('bounds texts and needs criteria', () => {
    expect(IncidentDraftInput.safeParse({ ...draft, level: 'general', criteria: none, impact: 'x'.repeat(4001) }).success).toBe(false);
    expect(IncidentDraftInput.safeParse({ ...draft, level: 'general' }).success).toBe(false);
    expect(IncidentDraftInput.safeParse({ ...draft, level: 'general', criteria: none, discoveredAt: 'yesterday' }).success).toBe(false);
  });
});

describe('incident clock', () => {
  const at = new Date('2026-11-02T01:00:00Z');
  it('gives 1 h for CII and 4 h for others from 较大 up, the region hours for 一般', () => {
    expect(reportDeadline('large', true, at).toISOString()).toBe('2026-11-02T02:00:00.000Z');
    expect(reportDeadline('major', false, at).toISOString()).toBe('2026-11-02T05:00:00.000Z');
    expect(reportDeadline('general', true, at).toISOString()).toBe('2026-11-03T01:00:00.000Z');
    expect(reportDeadline('general', false, at, { ...DEFAULT_INCIDENT_SETTINGS, generalReportHours: 8 }).toISOString()).toBe('2026-11-02T09:00:00.000Z');
    expect(summaryDeadline(at).toISOString()).toBe('2026-12-02T01:00:00.000Z');
  });
  it('flags a late report and a missing summary', () => {
    const base = { status: 'closed' as const, reportDeadline: '2026-11-02T05:00:00Z', reportedAt: '2026-11-02T05:00:01Z', summaryDeadline: '2026-12-02T01:00:00Z', summarizedAt: null };
    expect(incidentFlags(base, new Date('2026-11-10T00:00:00Z'))).toEqual({ late: true, summaryOverdue: false });
    expect(incidentFlags({ ...base, reportedAt: '2026-11-02T04:59:59Z' }, new Date('2026-12-03T00:00:00Z'))).toEqual({ late: false, summaryOverdue: true });
  });
  it('refuses a discovery in the future or after the report time', () => {
    expect(incidentTimesProblem('2026-11-02T03:00:00Z', new Date('2026-11-02T02:00:00Z'))).toMatch(/future/);
    expect(incidentTimesProblem('2026-11-02T01:00:00Z', new Date('2026-11-02T02:00:00Z'))).toBeNull();
  });
  it('allows each action only from its statuses', () => {
    expect(canIncident('close', 'reported')).toBe(true);
    expect(canIncident('close', 'closed')).toBe(false);
    expect(canIncident('summary', 'reported')).toBe(false);
    expect(canIncident('follow-up', 'summarized')).toBe(false);
  });
  it('region settings carry the incident settings with their documented defaults', () => {
    expect(RegionSettings.parse({}).incidents).toBeUndefined();
    // Only what a region sets is stored; the rest is inherited, down to the documented defaults.
    expect(RegionSettings.parse({ incidents: { summaryDays: 20 } }).incidents).toEqual({ summaryDays: 20 });
    // The documented defaults: 一般 24 h, summary 30 days, 重大 2 h / 10 million, 较大 0.5 h / 1 million.
    expect(Object.entries(resolveSettings(RegionSettings.parse({})).incidents).flat()).toEqual([
      'generalReportHours',
      24,
      'summaryDays',
      30,
      'majorCiiDownHours',
      2,
      'majorRecordsLeaked',
      10_000_000,
      'largeCiiDownHours',
      0.5,
      'largeRecordsLeaked',
      1_000_000,
    ]);
    expect(RegionSettings.safeParse({ incidents: { unknownFigure: 1 } }).success).toBe(false);
    expect(RegionSettings.safeParse({ incidents: { summaryDays: 0 } }).success).toBe(false);
  });
});

describe('incidentPeriodCounts (the rankings column)', () => {
  const inc = (reportedAt: string, over: Partial<Parameters<typeof incidentPeriodCounts>[0][number]> = {}) => ({
    status: 'reported' as const,
    reportDeadline: new Date(Date.parse(reportedAt) - 60_000).toISOString(),
    reportedAt,
    summaryDeadline: null,
    summarizedAt: null,
    ...over,
  });
  it('counts late reports within the month in China time, judged at its end', () => {
    // 2026-11-30T16:30Z is 2026-12-01 00:30 in China: December's, not November's.
    const rows = [inc('2026-11-01T00:00:00Z'), inc('2026-11-30T15:59:00Z'), inc('2026-11-30T16:30:00Z'), inc('2026-10-31T15:00:00Z', { reportDeadline: '2026-10-31T16:00:00Z' })];
    expect(incidentPeriodCounts(rows, '2026-11', new Date('2027-01-01T00:00:00Z'))).toEqual({ late: 2, summaryMissing: 0 });
    expect(incidentPeriodCounts(rows, '2026-12', new Date('2027-01-01T00:00:00Z'))).toEqual({ late: 1, summaryMissing: 0 });
  });
  it('counts a summary due in the month as missing when absent or late at the end, not before it falls due', () => {
    const due = '2026-11-20T02:00:00Z';
    const closed = (summarizedAt: string | null) =>
      inc('2026-10-01T02:00:00Z', { status: summarizedAt ? 'summarized' : 'closed', reportDeadline: '2026-10-01T03:00:00Z', summaryDeadline: due, summarizedAt });
    expect(incidentPeriodCounts([closed(null)], '2026-11', new Date('2026-11-20T01:00:00Z'))).toEqual({ late: 0, summaryMissing: 0 });
    expect(incidentPeriodCounts([closed(null), closed('2026-11-21T00:00:00Z'), closed('2026-11-19T00:00:00Z')], '2026-11', new Date('2026-12-05T00:00:00Z'))).toEqual({ late: 0, summaryMissing: 2 });
  });
});
