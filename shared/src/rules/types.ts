import type { IsoDate, WorkingCalendar } from '../calendar.js';
import type { GovernanceRecordInput, MlpsLevel, MlpsSystem, RiskException } from '../schemas/records.js';
import type { SectionData, SectionName } from '../schemas/sections.js';
import type { DataRegister } from '../dataRegister.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** `not-applicable` is left out of every score; `unknown` (data missing) is never a pass. */
export const CHECK_STATUSES = ['pass', 'fail', 'unknown', 'not-applicable'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export type RuleSubject = 'host' | 'institution';
export type RuleFamily = 'patches' | 'ports' | 'security' | 'backups' | 'agent' | 'mlps' | 'governance' | 'data' | 'coverage';

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

// ---- inputs ---------------------------------------------------------------------------------

/** A section as the server holds it for a host: `unchanged` already resolved to the stored data. */
export type SectionState<K extends SectionName = SectionName> =
  | { status: 'ok'; data: SectionData[K]; hash?: string; warnings?: string[] }
  | { status: 'error'; error: { code: string; message: string } }
  | { status: 'unsupported'; reason?: string }
  /** Never received (no agent yet, or the server lost it and asked for a resend). */
  | { status: 'missing' };
export type HostSections = { [K in SectionName]: SectionState<K> };

export interface HostRuleInput {
  sections: HostSections;
  /** Highest level among the live MLPS systems this host belongs to; null when it belongs to none. */
  mlpsLevel: MlpsLevel | null;
  /** The data register lists important or core data in a live MLPS system of this host (HOST-LOG-RETENTION keeps longer). */
  holdsImportantData?: boolean;
  /** When the server first saw each pending update, by update name (the agent only knows "pending now"). */
  securityUpdateFirstSeen: ReadonlyMap<string, Date>;
  lastReportAt: Date | null;
  /** This host's exceptions; expired ones are ignored. */
  exceptions?: readonly RiskException[];
  /**
   * This host's ports a scanner saw open on a public address (issue 24): tied by the host's own SSH
   * host key or certificate, so the port is public whatever the host's own addresses say.
   */
  seenFromOutside?: ReadonlyArray<{ port: number; address: string; externalPort: number }>;
}

export interface InstitutionRuleInput {
  systems: readonly MlpsSystem[];
  /** Stored records (ids are not needed to judge them). */
  governance: readonly GovernanceRecordInput[];
  /**
   * registered: the institution's hosts that are not retired; reporting: those of them whose last
   * report is within HOST-AGENT-SILENT's window (see `reportingWindowHours`).
   */
  coverage: { registered: number; reporting: number };
  /** This institution's exceptions; expired ones are ignored. */
  exceptions?: readonly RiskException[];
  /** Working days for deadlines: the packaged years plus those an administrator loaded (default: packaged only). */
  calendar?: WorkingCalendar;
  /** The data register; null or absent: none entered yet, so the data rules cannot judge (unknown). */
  dataRegister?: DataRegister | null;
}

/** What host checks see: the input plus the region's policy that is not a per-rule threshold. */
export interface HostCheckInput extends HostRuleInput {
  requireLinuxAntimalware: boolean;
}
export interface InstitutionCheckInput extends InstitutionRuleInput {
  dueSoonDays: number;
}

export type { IsoDate };
