import { chinaDate, type IsoDate } from '../calendar.js';
import type { RiskException } from '../schemas/records.js';
import { RegionSettings, type ScoreWeights } from '../schemas/settings.js';
import type { CredentialCheckSettings } from '../schemas/credentials.js';
import { applyIncidentSettings, DEFAULT_INCIDENT_SETTINGS, type ResolvedIncidentSettings } from '../incidents.js';
import { applyScanSettings, DEFAULT_SCAN_SCHEDULE, type ScanSchedule } from '../scanSchedule.js';
import { accountChecks } from './accounts.js';
import { agentChecks } from './agent.js';
import { backupChecks } from './backups.js';
import { RULE_DATA, type HostRuleId, type InstitutionRuleId, type RuleId } from './catalogue.js';
import { unknown, type HostCheck, type InstitutionCheck } from './check.js';
import { coverageChecks } from './coverage.js';
import { credentialChecks } from './credentials.js';
import { dataChecks } from './data.js';
import { exposureChecks } from './exposure.js';
import { governanceChecks } from './governance.js';
import { mlpsChecks } from './mlps.js';
import { patchChecks } from './patches.js';
import { portChecks } from './ports.js';
import { HOST_RULE_READS, waivedFlags, withUncertainty } from './reads.js';
import { securityChecks } from './security.js';
import { supervisionChecks } from './supervision.js';
import type { CheckResult, CheckStatus, Evidence, RuleData, RuleSubject, Severity, ThresholdValue } from './types.js';
import type { HostRuleInput, InstitutionRuleInput } from './inputs.js';

export * from './types.js';
export * from './inputs.js';
export { HOST_RULE_READS, uncertainFlags, type FieldPath } from './reads.js';
export { judgeLogStore, logStoreNameZh, type LogStore, type StoreVerdict } from './logRetention.js';
export { firewallAdmits } from './ports.js';
export { RULE_DATA, RULE_IDS, RULE_DATA_BY_ID, type RuleId, type HostRuleId, type InstitutionRuleId, type ThresholdsOf } from './catalogue.js';

// The compiler checks that every rule of the catalogue has exactly one check of the right subject.
const HOST_CHECKS: { [K in HostRuleId]: HostCheck<K> } = { ...patchChecks, ...portChecks, ...securityChecks, ...accountChecks, ...credentialChecks, ...backupChecks, ...agentChecks };
const INSTITUTION_CHECKS: { [K in InstitutionRuleId]: InstitutionCheck<K> } = { ...mlpsChecks, ...governanceChecks, ...supervisionChecks, ...dataChecks, ...exposureChecks, ...coverageChecks };

type AnyThresholds = Record<string, ThresholdValue>;
export type Rule = RuleData & { id: RuleId } & (
    | { subject: 'host'; check: (input: Parameters<HostCheck<HostRuleId>>[0], thresholds: AnyThresholds, now: Date) => CheckResult }
    | { subject: 'institution'; check: (input: Parameters<InstitutionCheck<InstitutionRuleId>>[0], thresholds: AnyThresholds, now: Date) => CheckResult }
  );

/** The catalogue in REGULATION.md's order, each rule with its check. */
export const RULES: readonly Rule[] = RULE_DATA.map((r) => ({
  ...r,
  check: (r.subject === 'host' ? HOST_CHECKS[r.id as HostRuleId] : INSTITUTION_CHECKS[r.id as InstitutionRuleId]) as Rule['check'],
})) as Rule[];
export const RULE_BY_ID: Readonly<Record<RuleId, Rule>> = Object.fromEntries(RULES.map((r) => [r.id, r])) as Record<RuleId, Rule>;

// ---- settings -------------------------------------------------------------------------------
export interface ResolvedRule {
  enabled: boolean;
  thresholds: Readonly<AnyThresholds>;
}
/** A region's settings merged over the catalogue's defaults: what evaluation and scoring read. */
export interface ResolvedSettings {
  rules: Readonly<Record<RuleId, ResolvedRule>>;
  requireLinuxAntimalware: boolean;
  weights: ScoreWeights;
  dueSoonDays: number;
  /** The agents' weak-credential check (issue 24): null where no level of the region turned it on. */
  credentialChecks: CredentialCheckSettings | null;
  /** Incident clocks and grading figures (incidents.ts), every figure present. */
  incidents: ResolvedIncidentSettings;
  /** The region's scanners: rate, concurrency, interval, window, extra ports (scanSchedule.ts). */
  scanning: ScanSchedule;
}

/** Accepts a region's stored settings (already validated by `RegionSettings`), or nothing for the defaults. */
export function resolveSettings(region: RegionSettings = RegionSettings.parse({})): ResolvedSettings {
  const overrides = new Map(region.rules.map((o) => [o.ruleId, o]));
  const rules = Object.fromEntries(
    RULE_DATA.map((r) => {
      const o = overrides.get(r.id);
      const defaults = Object.fromEntries(Object.entries(r.thresholds as RuleData['thresholds']).map(([k, spec]) => [k, spec.default]));
      return [r.id, { enabled: o?.enabled ?? true, thresholds: { ...defaults, ...(o?.thresholds ?? {}) } }];
    }),
  ) as Record<RuleId, ResolvedRule>;
  return {
    rules,
    requireLinuxAntimalware: region.requireLinuxAntimalware,
    weights: region.weights,
    dueSoonDays: region.dueSoonDays,
    credentialChecks: region.credentialChecks ?? null,
    incidents: applyIncidentSettings(DEFAULT_INCIDENT_SETTINGS, region.incidents, true),
    scanning: applyScanSettings(DEFAULT_SCAN_SCHEDULE, region.scanning, true),
  };
}
export const DEFAULT_SETTINGS: ResolvedSettings = resolveSettings();

/** Hosts count as reporting (coverage) when their last report is within HOST-AGENT-SILENT's window. */
export const reportingWindowHours = (settings: ResolvedSettings): number => Number(settings.rules['HOST-AGENT-SILENT'].thresholds.silentHours);

// ---- evaluation -----------------------------------------------------------------------------
export interface FindingException {
  id: string;
  expiresOn: IsoDate;
}
/** One rule's judgement of one subject. The server adds the subject id and `since` (from its transitions). */
export interface Finding {
  ruleId: RuleId;
  subject: RuleSubject;
  status: CheckStatus;
  /** The result's severity: the rule's, or raised by the result (see the rule's severityNote). */
  severity: Severity;
  evidence: Evidence;
  /** A valid risk exception covering a failing or unknown finding: shown, but left out of scores until it expires. */
  exception: FindingException | null;
}

/** Valid through `expiresOn` (China date), inclusive. */
export const exceptionActive = (e: { expiresOn: IsoDate }, now: Date): boolean => chinaDate(now) <= e.expiresOn;

function applyException(status: CheckStatus, ruleId: RuleId, subject: RuleSubject, exceptions: readonly RiskException[] | undefined, now: Date): FindingException | null {
  // A pass needs no exception, and excluding a pass would lower the score rather than protect it.
  if (status !== 'fail' && status !== 'unknown') return null;
  const e = (exceptions ?? []).filter((x) => x.ruleId === ruleId && x.subject.kind === subject && exceptionActive(x, now)).sort((a, b) => (a.expiresOn < b.expiresOn ? 1 : -1))[0];
  return e ? { id: e.id, expiresOn: e.expiresOn } : null;
}

function run<I>(rule: Rule, check: (input: I, t: AnyThresholds, now: Date) => CheckResult, input: I, settings: ResolvedSettings, now: Date, exceptions: readonly RiskException[] | undefined): Finding {
  let result: CheckResult;
  try {
    result = check(input, settings.rules[rule.id].thresholds, now);
    if (rule.subject === 'host') {
      const id = rule.id as HostRuleId;
      result = withUncertainty(result, HOST_RULE_READS[id], (input as HostRuleInput).sections, waivedFlags(id, settings.rules[id].thresholds));
    }
  } catch (e) {
    // A check must not take the others down with it; its finding says what went wrong.
    const message = e instanceof Error ? e.message : String(e);
    result = unknown(`评估出错：${message}`, `evaluation error: ${message}`, { reason: 'evaluation-error' });
  }
  return {
    ruleId: rule.id,
    subject: rule.subject,
    status: result.status,
    severity: result.severity ?? rule.severity,
    evidence: result.evidence,
    exception: applyException(result.status, rule.id, rule.subject, exceptions, now),
  };
}

/** Every enabled host rule on one host's latest data. Deterministic for a fixed `now`. */
export function evaluateHost(input: HostRuleInput, settings: ResolvedSettings, now: Date): Finding[] {
  const facts = { ...input, requireLinuxAntimalware: settings.requireLinuxAntimalware };
  return RULES.filter((r) => r.subject === 'host' && settings.rules[r.id].enabled).map((r) =>
    run(r, r.check as (i: typeof facts, t: AnyThresholds, n: Date) => CheckResult, facts, settings, now, input.exceptions),
  );
}

/** Every enabled institution rule on one institution's records. Deterministic for a fixed `now`. */
export function evaluateInstitution(input: InstitutionRuleInput, settings: ResolvedSettings, now: Date): Finding[] {
  const facts = { ...input, dueSoonDays: settings.dueSoonDays };
  return RULES.filter((r) => r.subject === 'institution' && settings.rules[r.id].enabled).map((r) =>
    run(r, r.check as (i: typeof facts, t: AnyThresholds, n: Date) => CheckResult, facts, settings, now, input.exceptions),
  );
}
