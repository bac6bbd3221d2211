import { describe, expect, it } from 'vitest';
import { reactive } from 'vue';
import type { RuleOverrides } from './ruleSettings.js';
import { draftOf, thresholdValue, withThreshold } from './ruleSettings.js';

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

describe('the draft of loaded overrides', () => {
  it('copies what the server sent, also from a reactive proxy, without sharing objects', () => {
    const loaded = reactive({
      rules: [
        { ruleId: 'HOST-PATCH-STALE', thresholds: { maxPendingDays: 7 } },
        { ruleId: 'HOST-OS-EOL', enabled: false },
      ] as RuleOverrides,
    });
    const draft = draftOf(loaded.rules);
    expect(draft).toEqual([
      { ruleId: 'HOST-PATCH-STALE', thresholds: { maxPendingDays: 7 } },
      { ruleId: 'HOST-OS-EOL', enabled: false },
    ]);
    // The draft is plain data: it clones, and editing it leaves the loaded settings alone.
    expect(() => structuredClone(draft)).not.toThrow();
    draft[0]!.thresholds!.maxPendingDays = 3;
    expect(loaded.rules[0]!.thresholds!.maxPendingDays).toBe(7);
  });
});
