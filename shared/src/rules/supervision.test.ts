import { describe, expect, it } from 'vitest';
import { FIXTURE_NOW as NOW, healthyInstitution } from './fixtures.js';
import { articlesText } from '../articles.js';
import { DEFAULT_SETTINGS, evaluateInstitution, RULE_DATA_BY_ID, type Finding } from './index.js';
import type { InstitutionRuleInput, RectificationItemFact } from './inputs.js';

const judge = (input: InstitutionRuleInput, now = NOW) => Object.fromEntries(evaluateInstitution(input, DEFAULT_SETTINGS, now).map((f) => [f.ruleId, f])) as Record<string, Finding>;
const item = (over: Partial<RectificationItemFact> = {}): RectificationItemFact => ({
  notice: '西湖卫安整改〔2026〕3号',
  title: '高危端口',
  deadline: '2026-03-10',
  status: 'pending',
  verified: false,
  ...over,
});
const rectify = (items: RectificationItemFact[] | null | undefined, now = NOW) => judge(healthyInstitution({ rectification: items }), now)['INST-RECTIFY-OVERDUE']!;
const report = (selfInspections: InstitutionRuleInput['selfInspections'], now = NOW) => judge(healthyInstitution({ selfInspections }), now)['INST-SELF-INSPECTION-REPORT']!;

// NOW is 2026-03-16 (Monday) in China.
describe('INST-RECTIFY-OVERDUE', () => {
  it('fails for an item past its deadline that the institution has not done, naming it', () => {
    for (const status of ['pending', 'answered', 'returned'] as const) {
      const f = rectify([item({ status })]);
      expect(f, status).toMatchObject({ status: 'fail', severity: 'high' });
      expect(f.evidence.zh).toContain('西湖卫安整改〔2026〕3号「高危端口」（期限 2026-03-10）');
      expect(f.evidence.data).toEqual({ overdue: [{ notice: '西湖卫安整改〔2026〕3号', title: '高危端口', deadline: '2026-03-10', status, verified: false }] });
    }
  });

  it('is still on time on the deadline day itself, and fails the day after', () => {
    expect(rectify([item({ deadline: '2026-03-16' })]).status).toBe('pass');
    expect(rectify([item({ deadline: '2026-03-16' })], new Date('2026-03-16T16:00:00Z')).status).toBe('fail');
  });

  it('passes once done: accepted, submitted and waiting for review (the bureau is late, not the hospital), or verified by the data', () => {
    expect(rectify([item({ status: 'accepted' })])).toMatchObject({ status: 'pass', evidence: { en: 'every rectification item is done' } });
    const waiting = rectify([item({ status: 'submitted' })]);
    expect(waiting.status).toBe('pass');
    expect(waiting.evidence.zh).toContain('1 项已反馈待复核');
    expect(rectify([item({ verified: true })]).status).toBe('pass');
  });

  it('passes with items not yet due, naming the first deadline', () => {
    const f = rectify([item({ deadline: '2026-04-01' }), item({ deadline: '2026-03-20', title: '补丁' })]);
    expect(f).toMatchObject({ status: 'pass', evidence: { data: { open: 2, nextDeadline: '2026-03-20' } } });
  });

  it('one overdue item among others fails the institution', () => {
    expect(rectify([item({ deadline: '2026-04-01' }), item({ status: 'accepted' }), item({ title: '弱口令' })]).evidence.en).toMatch(
      /^1 rectification item\(s\) past their deadline and not done: .*"弱口令"/,
    );
  });

  it('is not applicable without an open notice, and unknown when the notices were not read', () => {
    expect(rectify([]).status).toBe('not-applicable');
    expect(rectify(undefined)).toMatchObject({ status: 'unknown', evidence: { data: { reason: 'no-notice-records' } } });
    expect(rectify(null).status).toBe('unknown');
  });
});

describe('INST-SELF-INSPECTION-REPORT', () => {
  const y = (year: number, deadline: string | null, submittedOn: string | null = null) => ({ year, deadline, submittedOn });

  it("before this year's deadline, last year's report stands: submitted passes, missing fails", () => {
    expect(report([y(2025, '2025-11-30', '2025-11-20'), y(2026, '2026-11-30')])).toMatchObject({ status: 'pass', evidence: { data: { year: 2025, late: false } } });
    const missed = report([y(2025, '2025-11-30'), y(2026, '2026-11-30')]);
    expect(missed).toMatchObject({ status: 'fail', severity: 'high', evidence: { data: { year: 2025, deadline: '2025-11-30' } } });
    expect(missed.evidence.zh).toBe('2025 年度自查自评及整改情况应于 2025-11-30 前报送，逾期 106 天仍未报送（退回修改的视为未报送）');
  });

  it("fails once this year's deadline passes without a submission, and passes when submitted, late noted", () => {
    expect(report([y(2025, '2025-11-30', '2025-11-20'), y(2026, '2026-03-13')]).status).toBe('fail');
    const late = report([y(2026, '2026-03-13', '2026-03-16')]);
    expect(late).toMatchObject({ status: 'pass', evidence: { data: { year: 2026, late: true } } });
    expect(late.evidence.en).toMatch(/after the deadline 2026-03-13/);
  });

  it("passes while this year's report is not yet due (due soon said), and a submission before it counts", () => {
    expect(report([y(2026, '2026-11-30')]).evidence.en).toBe('the 2026 self-inspection report is due by 2026-11-30');
    expect(report([y(2026, '2026-03-31')]).evidence.zh).toContain('即将到期');
    expect(report([y(2025, '2025-11-30'), y(2026, '2026-11-30', '2026-03-01')]).status).toBe('pass');
  });

  it('is not applicable where the region set no deadline, and unknown when the self-inspections were not read', () => {
    expect(report([y(2026, null)]).status).toBe('not-applicable');
    expect(report([]).status).toBe('not-applicable');
    expect(report(undefined)).toMatchObject({ status: 'unknown', evidence: { data: { reason: 'no-self-inspection-records' } } });
  });

  it('cites 第九条; INST-RECTIFY-OVERDUE also 第四条 (the supervising duty)', () => {
    expect(articlesText(RULE_DATA_BY_ID['INST-SELF-INSPECTION-REPORT'].articles).zh).toBe('《管理办法》第九条');
    expect(articlesText(RULE_DATA_BY_ID['INST-RECTIFY-OVERDUE'].articles).zh).toBe('《管理办法》第九条；《管理办法》第四条');
  });
});
