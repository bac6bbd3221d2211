import { describe, expect, it } from 'vitest';
import { RegionSettings, RuleOverride } from './settings.js';

describe('region settings schemas', () => {
  it('rule overrides may only tighten known thresholds', () => {
    expect(RuleOverride.safeParse({ ruleId: 'HOST-PATCH-SECURITY', thresholds: { maxPendingDays: 7 } }).success).toBe(true);
    expect(RuleOverride.safeParse({ ruleId: 'HOST-PATCH-SECURITY', thresholds: { maxPendingDays: 30 } }).success).toBe(false);
    expect(RuleOverride.safeParse({ ruleId: 'HOST-PATCH-SECURITY', thresholds: { maxDays: 7 } }).success).toBe(false);
    expect(RuleOverride.safeParse({ ruleId: 'INST-COVERAGE', thresholds: { minRatio: 0.95 } }).success).toBe(true);
    expect(RuleOverride.safeParse({ ruleId: 'INST-COVERAGE', thresholds: { minRatio: 0.8 } }).success).toBe(false);
    expect(RuleOverride.safeParse({ ruleId: 'HOST-SSH-ROOT-PASSWORD', thresholds: { allowRootKeyOnly: 1 } }).success).toBe(false);
  });

  it('region settings default to DESIGN.md weights and need weights that add up to 1', () => {
    expect(RegionSettings.parse({})).toEqual({ rules: [], requireLinuxAntimalware: false, weights: { technical: 0.6, governance: 0.3, coverage: 0.1 }, dueSoonDays: 30 });
    expect(RegionSettings.safeParse({ weights: { technical: 0.5, governance: 0.3, coverage: 0.1 } }).success).toBe(false);
    expect(RegionSettings.safeParse({ rules: [{ ruleId: 'HOST-OS-EOL' }, { ruleId: 'HOST-OS-EOL', enabled: false }] }).success).toBe(false);
  });
});
