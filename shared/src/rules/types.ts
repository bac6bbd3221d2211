// What a rule is and what it answers. It imports nothing, so the catalogue (which the record schemas read)
// stays below the schemas; what the rules read (their inputs) is in inputs.ts.

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** `not-applicable` is left out of every score; `unknown` (data missing) is never a pass. */
export const CHECK_STATUSES = ['pass', 'fail', 'unknown', 'not-applicable'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export type RuleSubject = 'host' | 'institution';
export type RuleFamily = 'patches' | 'ports' | 'security' | 'backups' | 'agent' | 'mlps' | 'governance' | 'data' | 'coverage' | 'exposure';

export interface Bilingual {
  zh: string;
  en: string;
}

/** What a finding shows: a sentence in both languages, plus machine-readable facts for the UI and exports. */
export interface Evidence extends Bilingual {
  data?: Readonly<Record<string, unknown>>;
}

export interface CheckResult {
  status: CheckStatus;
  evidence: Evidence;
  /** Set when the severity depends on the result (e.g. HOST-BACKUP-STALE past 7 days); else the rule's. */
  severity?: Severity;
}

export type ThresholdValue = number | boolean;
export interface ThresholdSpec {
  default: ThresholdValue;
  label: Bilingual;
  unit: 'days' | 'hours' | 'months' | 'years' | 'level' | 'ratio' | 'factor' | 'flag' | 'count';
  min?: number;
  max?: number;
  /**
   * Regions may only tighten (REGULATION.md): which way is stricter. Booleans compare as 0/1,
   * so 'lower' means `false` is the stricter setting.
   */
  stricter: 'lower' | 'higher';
}

export interface RuleData {
  id: string;
  subject: RuleSubject;
  family: RuleFamily;
  /** The rule's base severity; `severityNote` explains when a result raises it. */
  severity: Severity;
  severityNote?: Bilingual;
  title: Bilingual;
  failsWhen: Bilingual;
  remediation: Bilingual;
  articles: readonly string[];
  thresholds: Readonly<Record<string, ThresholdSpec>>;
}
