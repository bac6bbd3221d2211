import { describe, expect, it } from 'vitest';
import { GovernanceRecordInput, MlpsSystemInput, RiskExceptionInput } from './records.js';

const sys = {
  name: 'HIS',
  level: 3,
  criticalInfrastructure: false,
  personalInfoOver100k: true,
  gradedOn: '2025-04-01',
  filedOn: '2025-04-10',
  lastEvaluatedOn: null,
  wentLiveOn: null,
  prelaunchTestedOn: null,
  retiredOn: null,
  hostIds: [],
};

describe('record schemas', () => {
  it('accepts a valid MLPS system and rejects impossible ones', () => {
    expect(MlpsSystemInput.safeParse(sys).success).toBe(true);
    expect(MlpsSystemInput.safeParse({ ...sys, level: 5 }).success).toBe(false);
    expect(MlpsSystemInput.safeParse({ ...sys, gradedOn: '2025-02-30' }).success).toBe(false);
    expect(MlpsSystemInput.safeParse({ ...sys, filedOn: '2025-03-01' }).success).toBe(false); // before grading
    expect(MlpsSystemInput.safeParse({ ...sys, level: null }).success).toBe(false); // graded without a level
    expect(MlpsSystemInput.safeParse({ ...sys, hostIds: ['a', 'a'] }).success).toBe(false);
  });

  it('governance records: kinds, self-inspection booleans, note bound', () => {
    expect(GovernanceRecordInput.safeParse({ kind: 'self-inspection', date: '2025-10-01', vulnerabilityScan: true, penetrationTest: false }).success).toBe(true);
    expect(GovernanceRecordInput.safeParse({ kind: 'self-inspection', date: '2025-10-01' }).success).toBe(false);
    expect(GovernanceRecordInput.safeParse({ kind: 'training', date: '2025-10-01', note: 'x'.repeat(2000) }).success).toBe(true);
    expect(GovernanceRecordInput.safeParse({ kind: 'training', date: '2025-10-01', note: 'x'.repeat(2001) }).success).toBe(false);
    expect(GovernanceRecordInput.safeParse({ kind: 'party', date: '2025-10-01' }).success).toBe(false);
  });

  it('exceptions name a known rule of the right subject', () => {
    const e = { subject: { kind: 'host', id: 'h1' }, ruleId: 'HOST-OS-EOL', reason: 'vendor', approver: '王主任', expiresOn: '2026-06-30' };
    expect(RiskExceptionInput.safeParse(e).success).toBe(true);
    expect(RiskExceptionInput.safeParse({ ...e, ruleId: 'HOST-NOPE' }).success).toBe(false);
    expect(RiskExceptionInput.safeParse({ ...e, ruleId: 'INST-GOV-DRILL' }).success).toBe(false);
    expect(RiskExceptionInput.safeParse({ ...e, reason: '  ' }).success).toBe(false);
  });
});
