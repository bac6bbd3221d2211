import type { RegionSettings } from '../api/regions.js';

type Value = number | boolean;
export type RuleOverrides = RegionSettings['rules'];

/** The region's value of a threshold: its override, else the catalogue default. */
export function thresholdValue(rules: RuleOverrides, ruleId: string, key: string, fallback: Value): Value {
  return (rules.find((r) => r.ruleId === ruleId)?.thresholds?.[key] as Value | undefined) ?? fallback;
}

/**
 * Overrides with one threshold set; setting it back to the default removes it, and a rule left
 * with nothing overridden leaves the list, so that saved settings only hold real differences.
 */
export function withThreshold(rules: RuleOverrides, ruleId: string, key: string, value: Value, fallback: Value): RuleOverrides {
  const others = rules.filter((r) => r.ruleId !== ruleId);
  const current = rules.find((r) => r.ruleId === ruleId);
  const thresholds = { ...(current?.thresholds ?? {}) };
  if (value === fallback) delete thresholds[key];
  else thresholds[key] = value;
  const next = { ...current, ruleId, thresholds } as RuleOverrides[number];
  if (!Object.keys(thresholds).length) delete next.thresholds;
  const keep = next.enabled !== undefined || next.thresholds !== undefined;
  return keep ? [...others, next] : others;
}

/**
 * A plain copy of the region's overrides to edit as a draft. The loaded settings sit in a reactive
 * proxy, which structuredClone refuses (DataCloneError), and a failed copy left the form on the
 * defaults, so that the next save erased the region's thresholds.
 */
export function draftOf(rules: RuleOverrides): RuleOverrides {
  return rules.map((r) => ({ ...r, ...(r.thresholds ? { thresholds: { ...r.thresholds } } : {}) }));
}
