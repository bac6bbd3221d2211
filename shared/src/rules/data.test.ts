import { describe, expect, it } from 'vitest';
import { FIXTURE_NOW as NOW, healthyInstitution, healthyRegister, system } from './fixtures.js';
import { DEFAULT_SETTINGS, evaluateInstitution, resolveSettings, type Finding } from './index.js';
import type { InstitutionRuleInput } from './inputs.js';
import { RegionSettings } from '../schemas/settings.js';
import { articleText } from '../articles.js';

const judge = (input: InstitutionRuleInput, settings = DEFAULT_SETTINGS) => Object.fromEntries(evaluateInstitution(input, settings, NOW).map((f) => [f.ruleId, f])) as Record<string, Finding>;
const status = (input: InstitutionRuleInput, id: string) => judge(input)[id]!.status;
const DATA_RULES = ['INST-DATA-IMPORTANT-LEVEL', 'INST-DATA-FILING', 'INST-DATA-RISK-ASSESSMENT', 'INST-PI-AUDIT'];
const withoutKind = (kind: string) => healthyInstitution().governance.filter((g) => g.kind !== kind);

describe('data-security rules on the data register', () => {
  it('pass on a healthy institution', () => {
    for (const id of [...DATA_RULES, 'INST-DATA-MEETING']) expect(status(healthyInstitution(), id), id).toBe('pass');
  });

  it('are unknown, never a pass, without a register; the meeting is owed regardless', () => {
    for (const id of DATA_RULES) {
      expect(status(healthyInstitution({ dataRegister: null }), id), id).toBe('unknown');
      expect(judge(healthyInstitution({ dataRegister: undefined }))[id]!.evidence.data).toMatchObject({ reason: 'no-data-register' });
    }
    expect(status(healthyInstitution({ dataRegister: null }), 'INST-DATA-MEETING')).toBe('pass');
  });

  it('INST-DATA-IMPORTANT-LEVEL: important or core data below level 3 fails; ungraded or unplaced is unknown', () => {
    expect(judge(healthyInstitution({ systems: [system({ level: 2 })] }))['INST-DATA-IMPORTANT-LEVEL']).toMatchObject({ status: 'fail', severity: 'critical' });
    const core = healthyRegister({ entries: [{ id: 'c', category: 'public-health', level: 'core', volume: 'no-personal-info', systemIds: ['sys-his'] }] });
    expect(status(healthyInstitution({ systems: [system({ level: 2 })], dataRegister: core }), 'INST-DATA-IMPORTANT-LEVEL')).toBe('fail');
    expect(status(healthyInstitution({ systems: [system({ level: null, gradedOn: null, filedOn: null })] }), 'INST-DATA-IMPORTANT-LEVEL')).toBe('unknown');
    const unplaced = healthyRegister({ entries: [{ id: 'u', category: 'health-status', level: 'important', volume: 'under-100k', systemIds: [] }] });
    expect(status(healthyInstitution({ dataRegister: unplaced }), 'INST-DATA-IMPORTANT-LEVEL')).toBe('unknown');
    // A retired system no longer holds anything live: unknown, not a pass on stale records.
    expect(status(healthyInstitution({ systems: [system({ retiredOn: '2026-01-01' })] }), 'INST-DATA-IMPORTANT-LEVEL')).toBe('unknown');
    // Only general data: nothing to judge.
    const general = healthyRegister({ entries: [{ id: 'g', category: 'health-status', level: 'general', volume: 'under-100k', systemIds: ['sys-his'] }] });
    expect(status(healthyInstitution({ systems: [system({ level: 2 })], dataRegister: general }), 'INST-DATA-IMPORTANT-LEVEL')).toBe('not-applicable');
  });

  it('INST-DATA-IMPORTANT-LEVEL: a region may raise the floor to level 4, never lower it', () => {
    const strict = resolveSettings(RegionSettings.parse({ rules: [{ ruleId: 'INST-DATA-IMPORTANT-LEVEL', thresholds: { minLevel: 4 } }] }));
    expect(judge(healthyInstitution(), strict)['INST-DATA-IMPORTANT-LEVEL']!.status).toBe('fail');
    expect(() => RegionSettings.parse({ rules: [{ ruleId: 'INST-DATA-IMPORTANT-LEVEL', thresholds: { minLevel: 2 } }] })).toThrow();
  });

  it('INST-DATA-FILING: important data without a filing fails; no important data is not applicable', () => {
    const f = judge(healthyInstitution({ dataRegister: healthyRegister({ importantDataFiledOn: null, importantDataReceipt: null }) }))['INST-DATA-FILING']!;
    expect(f).toMatchObject({ status: 'fail', severity: 'high' });
    expect(f.evidence.zh).toContain('健康状况数据');
    expect(judge(healthyInstitution())['INST-DATA-FILING']!.evidence.zh).toContain('WJ-2025-0601');
    const general = healthyRegister({
      entries: [{ id: 'g', category: 'health-status', level: 'general', volume: 'under-100k', systemIds: [] }],
      importantDataFiledOn: null,
      importantDataReceipt: null,
    });
    expect(status(healthyInstitution({ dataRegister: general }), 'INST-DATA-FILING')).toBe('not-applicable');
  });

  it('INST-DATA-RISK-ASSESSMENT: yearly report where important data is held', () => {
    expect(status(healthyInstitution({ governance: withoutKind('data-risk-assessment') }), 'INST-DATA-RISK-ASSESSMENT')).toBe('fail');
    expect(status(healthyInstitution({ governance: [...withoutKind('data-risk-assessment'), { kind: 'data-risk-assessment', date: '2025-03-10' }] }), 'INST-DATA-RISK-ASSESSMENT')).toBe('fail');
    const general = healthyRegister({ entries: [{ id: 'g', category: 'health-status', level: 'general', volume: 'under-100k', systemIds: [] }] });
    expect(status(healthyInstitution({ governance: withoutKind('data-risk-assessment'), dataRegister: general }), 'INST-DATA-RISK-ASSESSMENT')).toBe('not-applicable');
  });

  it('INST-PI-AUDIT: every 24 months by default where personal information is held, tighter by region', () => {
    const audit = (date: string) => healthyInstitution({ governance: [...withoutKind('pi-audit'), { kind: 'pi-audit', date }] });
    expect(status(audit('2024-04-01'), 'INST-PI-AUDIT')).toBe('pass'); // due 2026-04-01
    expect(status(audit('2024-03-01'), 'INST-PI-AUDIT')).toBe('fail');
    const yearly = resolveSettings(RegionSettings.parse({ rules: [{ ruleId: 'INST-PI-AUDIT', thresholds: { maxMonths: 12 } }] }));
    expect(judge(audit('2024-04-01'), yearly)['INST-PI-AUDIT']!.status).toBe('fail');
    const noPi = healthyRegister({ entries: [{ id: 'r', category: 'health-resources', level: 'general', volume: 'no-personal-info', systemIds: [] }] });
    expect(status(healthyInstitution({ governance: withoutKind('pi-audit'), dataRegister: noPi }), 'INST-PI-AUDIT')).toBe('not-applicable');
  });

  it('INST-DATA-MEETING: yearly', () => {
    expect(status(healthyInstitution({ governance: withoutKind('data-security-meeting') }), 'INST-DATA-MEETING')).toBe('fail');
    expect(status(healthyInstitution({ governance: [...withoutKind('data-security-meeting'), { kind: 'data-security-meeting', date: '2025-03-01' }] }), 'INST-DATA-MEETING')).toBe('fail');
  });

  it('INST-MLPS-EVALUATION reads the register: a level-2 system with over 100,000 people is on the 3-year cycle', () => {
    // Evaluated 2022-03-01: due 2025-03-01 on the 3-year cycle (overdue), 2027-03-01 on the 5-year one.
    const l2 = system({ level: 2, personalInfoOver100k: false, lastEvaluatedOn: '2022-03-01' });
    const small = healthyRegister({ entries: [{ id: 's', category: 'health-status', level: 'general', volume: 'under-100k', systemIds: ['sys-his'] }] });
    expect(status(healthyInstitution({ systems: [l2], dataRegister: small }), 'INST-MLPS-EVALUATION')).toBe('pass');
    const big = judge(
      healthyInstitution({ systems: [l2], dataRegister: healthyRegister({ entries: [{ id: 'b', category: 'health-status', level: 'general', volume: '100k-10m', systemIds: ['sys-his'] }] }) }),
    )['INST-MLPS-EVALUATION']!;
    expect(big).toMatchObject({ status: 'fail', evidence: { data: { items: [{ intervalYears: 3, personalInfoOver100k: true }] } } });
    expect(status(healthyInstitution({ systems: [l2], dataRegister: null }), 'INST-MLPS-EVALUATION')).toBe('pass');
  });

  it('cites the data Measures by name where no article number could be confirmed', () => {
    expect(articleText('DS').zh).toBe('《数据安全和个人信息保护管理办法》');
  });
});
