import { describe, expect, it } from 'vitest';
import { RegionSettings, resolveSettings } from '@weian/shared';
import { applyLevel, loosenings, onlyRules, rulesToRejudge, tightenedRules } from './settingsTree.js';

const settings = (s: Parameters<typeof RegionSettings.parse>[0]) => RegionSettings.parse(s);

describe('settings tighten down the tree', () => {
  const province = applyLevel(
    resolveSettings(),
    settings({
      rules: [
        { ruleId: 'HOST-PATCH-SECURITY', thresholds: { maxPendingDays: 10 } },
        { ruleId: 'HOST-PATCH-STALE', enabled: false },
      ],
      weights: { technical: 0.5, governance: 0.4, coverage: 0.1 },
    }),
    true,
  );

  it('lets the province set the baseline: rules off, thresholds, weights', () => {
    expect(province.rules['HOST-PATCH-STALE'].enabled).toBe(false);
    expect(province.rules['HOST-PATCH-SECURITY'].thresholds.maxPendingDays).toBe(10);
    expect(province.weights).toEqual({ technical: 0.5, governance: 0.4, coverage: 0.1 });
  });

  it('names every loosening a county tries: a rule off, a looser threshold, other weights', () => {
    const county = settings({
      rules: [
        { ruleId: 'HOST-FIREWALL-OFF', enabled: false },
        { ruleId: 'HOST-PATCH-SECURITY', thresholds: { maxPendingDays: 12 } },
      ],
      weights: { technical: 0.1, governance: 0.1, coverage: 0.8 },
    });
    expect(loosenings(province, county)).toEqual([
      'HOST-FIREWALL-OFF: a rule in force above cannot be switched off here',
      'HOST-PATCH-SECURITY.maxPendingDays: 12 is looser than 10 set above',
      'score weights are set by the province: a lower level keeps them',
    ]);
    // Applied anyway (a row stored before the rule): none of it counts.
    const merged = applyLevel(province, county, false);
    expect(merged.rules['HOST-FIREWALL-OFF'].enabled).toBe(true);
    expect(merged.rules['HOST-PATCH-SECURITY'].thresholds.maxPendingDays).toBe(10);
    expect(merged.weights).toEqual(province.weights);
  });

  it('accepts what tightens: a rule back on, a stricter threshold; and names those rules', () => {
    const county = settings({
      rules: [
        { ruleId: 'HOST-PATCH-STALE', enabled: true },
        { ruleId: 'HOST-PATCH-SECURITY', thresholds: { maxPendingDays: 5 } },
      ],
      weights: { technical: 0.5, governance: 0.4, coverage: 0.1 },
    });
    expect(loosenings(province, county)).toEqual([]);
    const merged = applyLevel(province, county, false);
    expect(merged.rules['HOST-PATCH-STALE'].enabled).toBe(true);
    expect(merged.rules['HOST-PATCH-SECURITY'].thresholds.maxPendingDays).toBe(5);
    expect(tightenedRules(province, merged).sort()).toEqual(['HOST-PATCH-SECURITY', 'HOST-PATCH-STALE']);
    expect(tightenedRules(province, province)).toEqual([]);
  });

  it("names what judging a county's findings under the province's settings changes: rules to leave out, rules to check again", () => {
    const county = applyLevel(
      province,
      settings({
        rules: [
          { ruleId: 'HOST-PATCH-STALE', enabled: true },
          { ruleId: 'HOST-PATCH-SECURITY', thresholds: { maxPendingDays: 5 } },
        ],
      }),
      false,
    );
    const { drop, recheck } = rulesToRejudge(county, province);
    expect([...drop]).toEqual(['HOST-PATCH-STALE']);
    expect([...recheck]).toEqual(['HOST-PATCH-SECURITY']);
    // Nothing to change between equal settings; the anti-malware requirement rechecks the host rules.
    expect(rulesToRejudge(province, province)).toEqual({ drop: new Set(), recheck: new Set() });
    const strict = rulesToRejudge({ ...province, requireLinuxAntimalware: true }, province).recheck;
    expect(strict.has('HOST-PATCH-SECURITY') && !strict.has('HOST-PATCH-STALE')).toBe(true);
    const only = onlyRules(province, recheck);
    expect(
      Object.entries(only.rules)
        .filter(([, r]) => r.enabled)
        .map(([id]) => id),
    ).toEqual(['HOST-PATCH-SECURITY']);
  });
});
