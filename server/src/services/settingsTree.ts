import {
  applyIncidentSettings,
  incidentLoosenings,
  applyScanSettings,
  scanLoosenings,
  RULE_DATA,
  RULE_DATA_BY_ID,
  type CredentialCheckSettings,
  type RegionSettings,
  type ResolvedSettings,
  type RuleId,
  type ThresholdValue,
} from '@weian/shared';

/**
 * Rule settings tighten down the region tree (DESIGN.md, REGULATION.md): the province sets the
 * baseline (it may switch rules off and choose the score weights); a city or county may only be
 * stricter than what it inherits. Otherwise a county could re-grade its own institutions (switch off
 * the rules they fail, move weight onto what they pass) and climb the city's ranking.
 */

/** Whether `value` is looser than `than` for the threshold's direction (booleans compare as 0/1). */
const looser = (ruleId: RuleId, key: string, value: ThresholdValue, than: ThresholdValue | undefined): boolean => {
  const spec = (RULE_DATA_BY_ID[ruleId].thresholds as Record<string, { stricter: 'lower' | 'higher' }>)[key];
  if (!spec || than === undefined) return false;
  return spec.stricter === 'lower' ? Number(value) > Number(than) : Number(value) < Number(than);
};
const sameWeights = (a: ResolvedSettings['weights'], b: ResolvedSettings['weights']) => (['technical', 'governance', 'coverage'] as const).every((k) => Math.abs(a[k] - b[k]) < 1e-9);

/** What a lower level's settings would loosen against what it inherits, one line each (empty: all tighter or equal). */
export function loosenings(inherited: ResolvedSettings, own: RegionSettings): string[] {
  const out: string[] = [];
  for (const r of own.rules) {
    const base = inherited.rules[r.ruleId];
    if (r.enabled === false && base.enabled) out.push(`${r.ruleId}: a rule in force above cannot be switched off here`);
    for (const [key, value] of Object.entries(r.thresholds ?? {})) {
      if (looser(r.ruleId, key, value, base.thresholds[key])) out.push(`${r.ruleId}.${key}: ${String(value)} is looser than ${String(base.thresholds[key])} set above`);
    }
  }
  if (!sameWeights(own.weights, inherited.weights)) out.push('score weights are set by the province: a lower level keeps them');
  if (inherited.credentialChecks?.enabled && own.credentialChecks && !own.credentialChecks.enabled) out.push('credentialChecks: the weak-credential check is on above and cannot be turned off here');
  out.push(...incidentLoosenings(inherited.incidents, own.incidents));
  out.push(...scanLoosenings(inherited.scanning, own.scanning));
  return out;
}

/**
 * One level applied over what it inherits. The top (`baseline`) applies as stored; below it only
 * what tightens counts, so settings stored before this rule (or written around it) cannot loosen.
 */
export function applyLevel(inherited: ResolvedSettings, own: RegionSettings, baseline: boolean): ResolvedSettings {
  const rules = { ...inherited.rules };
  for (const r of own.rules) {
    const base = rules[r.ruleId];
    const thresholds = { ...base.thresholds };
    for (const [key, value] of Object.entries(r.thresholds ?? {})) if (baseline || !looser(r.ruleId, key, value, base.thresholds[key])) thresholds[key] = value;
    const enabled = r.enabled === undefined || (!baseline && r.enabled === false) ? base.enabled : r.enabled;
    rules[r.ruleId] = { enabled, thresholds };
  }
  return {
    rules,
    requireLinuxAntimalware: inherited.requireLinuxAntimalware || own.requireLinuxAntimalware,
    weights: baseline ? own.weights : inherited.weights,
    dueSoonDays: own.dueSoonDays,
    credentialChecks: baseline ? (own.credentialChecks ?? null) : tighterCredentialChecks(inherited.credentialChecks, own.credentialChecks),
    // Lower figures grade more incidents higher and leave less time: below the province only those count.
    incidents: applyIncidentSettings(inherited.incidents, own.incidents, baseline),
    // Gentler on the hospitals' links and watching at least as closely: below the province only that counts.
    scanning: applyScanSettings(inherited.scanning, own.scanning, baseline),
  };
}

/**
 * Below the province the weak-credential check only tightens too: a level may turn it on, add words
 * and initials, and give it more CPU; it cannot turn off what is on above.
 */
function tighterCredentialChecks(above: CredentialCheckSettings | null, own: CredentialCheckSettings | undefined): CredentialCheckSettings | null {
  if (!own) return above;
  if (!above) return own;
  const union = <T>(a: readonly T[], b: readonly T[], max: number) => [...new Set([...a, ...b])].slice(0, max);
  return {
    enabled: above.enabled || own.enabled,
    words: union(above.words, own.words, 200),
    initials: union(above.initials, own.initials, 20),
    cpuBudgetMsPerDay: Math.max(above.cpuBudgetMsPerDay, own.cpuBudgetMsPerDay),
  };
}

/** The rules a lower level's settings make stricter than `inherited` (what a ranking notes as tightened below it). */
export function tightenedRules(inherited: ResolvedSettings, own: ResolvedSettings): RuleId[] {
  return (Object.keys(own.rules) as RuleId[]).filter((id) => {
    const a = inherited.rules[id];
    const b = own.rules[id];
    return (b.enabled && !a.enabled) || Object.entries(b.thresholds).some(([k, v]) => looser(id, k, a.thresholds[k]!, v));
  });
}

/**
 * What judging under `to` changes against findings made under `own` (a lower level's stricter
 * settings): `drop`, rules `own` runs that `to` does not; `recheck`, rules `to` runs with other
 * thresholds (or that `own` does not run, or every host rule when the Linux anti-malware
 * requirement differs). Every other stored finding stands as it is.
 */
export function rulesToRejudge(own: ResolvedSettings, to: ResolvedSettings): { drop: Set<RuleId>; recheck: Set<RuleId> } {
  const drop = new Set<RuleId>();
  const recheck = new Set<RuleId>();
  const antimalware = own.requireLinuxAntimalware !== to.requireLinuxAntimalware;
  for (const r of RULE_DATA) {
    const a = own.rules[r.id];
    const b = to.rules[r.id];
    if (!b.enabled) {
      if (a.enabled) drop.add(r.id);
    } else if (!a.enabled || (antimalware && r.subject === 'host') || JSON.stringify(a.thresholds) !== JSON.stringify(b.thresholds)) recheck.add(r.id);
  }
  return { drop, recheck };
}

/** `settings` running only `ids` (the others switched off): to evaluate a few rules again. */
export function onlyRules(settings: ResolvedSettings, ids: ReadonlySet<RuleId>): ResolvedSettings {
  const rules = Object.fromEntries(Object.entries(settings.rules).map(([id, r]) => [id, { ...r, enabled: r.enabled && ids.has(id as RuleId) }])) as ResolvedSettings['rules'];
  return { ...settings, rules };
}
