import { describe, expect, it } from 'vitest';
import type { RuleOverrides } from './ruleSettings.js';
import { thresholdValue, withThreshold } from './ruleSettings.js';

describe('rule threshold overrides', () => {
  it('keeps only real differences from the catalogue', () => {
    let rules: RuleOverrides = [];
    rules = withThreshold(rules, 'HOST-PATCH-PENDING', 'maxPendingDays', 7, 14);
    expect(rules).toEqual([{ ruleId: 'HOST-PATCH-PENDING', thresholds: { maxPendingDays: 7 } }]);
    expect(thresholdValue(rules, 'HOST-PATCH-PENDING', 'maxPendingDays', 14)).toBe(7);
    rules = withThreshold(rules, 'HOST-PATCH-PENDING', 'maxPendingDays', 14, 14);
    expect(rules).toEqual([]);
    expect(thresholdValue(rules, 'HOST-PATCH-PENDING', 'maxPendingDays', 14)).toBe(14);
  });
  it('keeps a rule that is switched off when its threshold goes back', () => {
    const rules = withThreshold([{ ruleId: 'R', enabled: false, thresholds: { a: 1 } }] as unknown as RuleOverrides, 'R', 'a', 2, 2);
    expect(rules).toEqual([{ ruleId: 'R', enabled: false }]);
  });
});
