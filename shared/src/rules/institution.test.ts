import { describe, expect, it } from 'vitest';
import { FIXTURE_NOW as NOW, healthyInstitution, system } from './fixtures.js';
import { DEFAULT_SETTINGS, evaluateInstitution, type Finding } from './index.js';
import type { InstitutionRuleInput } from './inputs.js';
import { mlpsDeadlines } from '../deadlines.js';

const judge = (input: InstitutionRuleInput, now = NOW) => Object.fromEntries(evaluateInstitution(input, DEFAULT_SETTINGS, now).map((f) => [f.ruleId, f])) as Record<string, Finding>;

describe('institution rules', () => {
  it('a healthy institution passes all 22', () => {
    const f = judge(healthyInstitution());
    expect(Object.keys(f)).toHaveLength(22);
    for (const x of Object.values(f)) expect(x.status, x.ruleId).toBe('pass');
  });

  it('INST-MLPS-UNGRADED: no live system, or one without a level', () => {
    expect(judge(healthyInstitution({ systems: [] }))['INST-MLPS-UNGRADED']!.status).toBe('fail');
    expect(judge(healthyInstitution({ systems: [system({ retiredOn: '2026-01-01' })] }))['INST-MLPS-UNGRADED']!.status).toBe('fail');
    expect(judge(healthyInstitution({ systems: [system(), system({ id: 's2', name: 'LIS', level: null, gradedOn: null, filedOn: null })] }))['INST-MLPS-UNGRADED']!.status).toBe('fail');
  });

  it('INST-MLPS-FILING across National Day 2025, with the working-day calendar', () => {
    // Graded Sunday 2025-09-28 (a 调休 working day): due 2025-10-17 (worked out in calendar.test.ts).
    const unfiled = healthyInstitution({ systems: [system({ gradedOn: '2025-09-28', filedOn: null, lastEvaluatedOn: null })] });
    const onDueDay = new Date('2025-10-17T09:00:00Z'); // 17:00 in China, still the due day
    const dayAfter = new Date('2025-10-17T16:00:00Z'); // 2025-10-18 00:00 in China
    expect(judge(unfiled, onDueDay)['INST-MLPS-FILING']).toMatchObject({ status: 'pass', evidence: { data: { items: [{ dueOn: '2025-10-17', deadline: 'due-soon' }] } } });
    expect(judge(unfiled, dayAfter)['INST-MLPS-FILING']).toMatchObject({ status: 'fail', severity: 'high' });
    // Filed late: the obligation is met; the lateness is in the evidence.
    const late = judge(healthyInstitution({ systems: [system({ gradedOn: '2025-09-28', filedOn: '2025-10-20' })] }))['INST-MLPS-FILING']!;
    expect(late.status).toBe('pass');
    expect(late.evidence.en).toMatch(/after the deadline 2025-10-17/);
  });

  it('INST-MLPS-FILING is unknown, not guessed, past the calendar', () => {
    const f = judge(healthyInstitution({ systems: [system({ gradedOn: '2026-12-28', filedOn: null })] }), new Date('2026-12-29T02:00:00Z'));
    expect(f['INST-MLPS-FILING']!.status).toBe('unknown');
    expect(f['INST-MLPS-FILING']!.evidence.en).toMatch(/no official working-day calendar/);
    expect(mlpsDeadlines(system({ gradedOn: '2026-12-28', filedOn: null }), NOW).filing).toMatchObject({ status: 'unknown', dueOn: null });
  });

  it('INST-MLPS-EVALUATION: 1 year at level 3 (critical), 3 or 5 years at level 2 (high)', () => {
    const l3 = judge(healthyInstitution({ systems: [system({ lastEvaluatedOn: '2025-03-15' })] }))['INST-MLPS-EVALUATION']!;
    expect(l3).toMatchObject({ status: 'fail', severity: 'critical' }); // due 2026-03-15, now 2026-03-16
    const l2 = (over: object) => judge(healthyInstitution({ systems: [system({ level: 2, lastEvaluatedOn: '2022-03-01', ...over })], dataRegister: null }))['INST-MLPS-EVALUATION']!;
    expect(l2({ personalInfoOver100k: true })).toMatchObject({ status: 'fail', severity: 'high' }); // due 2025-03-01
    expect(l2({ personalInfoOver100k: false })).toMatchObject({ status: 'pass', severity: 'high' }); // due 2027-03-01
    // Never evaluated: counted from grading.
    const never = judge(healthyInstitution({ systems: [system({ lastEvaluatedOn: null, gradedOn: '2025-04-01' })] }))['INST-MLPS-EVALUATION']!;
    expect(never).toMatchObject({ status: 'pass', evidence: { data: { items: [{ dueOn: '2026-04-01', deadline: 'due-soon' }] } } });
  });

  it('INST-MLPS-PRELAUNCH-TEST', () => {
    expect(judge(healthyInstitution({ systems: [system({ prelaunchTestedOn: null })] }))['INST-MLPS-PRELAUNCH-TEST']!.status).toBe('fail');
    expect(judge(healthyInstitution({ systems: [system({ prelaunchTestedOn: '2019-07-01' })] }))['INST-MLPS-PRELAUNCH-TEST']!.status).toBe('fail');
    expect(judge(healthyInstitution({ systems: [system({ wentLiveOn: null, prelaunchTestedOn: null })] }))['INST-MLPS-PRELAUNCH-TEST']!.status).toBe('not-applicable');
  });

  it('governance: yearly items, and a self-inspection needs both a scan and a penetration test', () => {
    const inst = healthyInstitution();
    const gov = inst.governance.filter((r) => r.kind !== 'self-inspection' && r.kind !== 'emergency-drill');
    const f = judge({
      ...inst,
      governance: [...gov, { kind: 'self-inspection', date: '2026-01-10', vulnerabilityScan: true, penetrationTest: false }, { kind: 'emergency-drill', date: '2025-03-16' }],
    });
    expect(f['INST-GOV-SELF-INSPECTION']!.status).toBe('fail');
    expect(f['INST-GOV-SELF-INSPECTION']!.evidence.en).toMatch(/do not count/);
    // Drill on 2025-03-16: due 2026-03-16, which is today: still in time, due soon.
    expect(f['INST-GOV-DRILL']).toMatchObject({ status: 'pass', evidence: { data: { dueOn: '2026-03-16', deadline: 'due-soon' } } });
    // A record dated in the future has not happened yet.
    expect(judge({ ...inst, governance: [{ kind: 'training', date: '2026-06-01' }] })['INST-GOV-TRAINING']!.status).toBe('fail');
  });

  it('INST-COVERAGE', () => {
    expect(judge(healthyInstitution({ coverage: { registered: 10, reporting: 9 } }))['INST-COVERAGE']!.status).toBe('pass');
    expect(judge(healthyInstitution({ coverage: { registered: 10, reporting: 8 } }))['INST-COVERAGE']!.status).toBe('fail');
    expect(judge(healthyInstitution({ coverage: { registered: 0, reporting: 0 } }))['INST-COVERAGE']!.status).toBe('unknown');
  });
});
