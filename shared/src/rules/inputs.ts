import type { IsoDate, WorkingCalendar } from '../calendar.js';
import type { NoticeItemStatus } from '../notices.js';
import type { GovernanceRecordInput, MlpsLevel, MlpsSystem, RiskException } from '../schemas/records.js';
import type { SectionData, SectionName } from '../schemas/sections.js';
import type { DataRegister } from '../dataRegister.js';

// What the rules read: a host's sections and context, an institution's records.

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
  /** What the region's scanners saw of the institution's registered public targets; absent: none registered. */
  outside?: OutsideIn | null;
  /** The items of the institution's rectification notices not closed; absent: not read, so INST-RECTIFY-OVERDUE is unknown. */
  rectification?: readonly RectificationItemFact[] | null;
  /** The self-inspections of this year and the year before; absent: not read, so INST-SELF-INSPECTION-REPORT is unknown. */
  selfInspections?: readonly SelfInspectionReportFact[] | null;
}

/** One item of a rectification notice (issue 22), with its notice's deadline (working days already counted). */
export interface RectificationItemFact {
  notice: string;
  title: string;
  deadline: IsoDate;
  status: NoticeItemStatus;
  /** Every linked finding passes in the agents' reports (数据已核验). */
  verified: boolean;
}

/** A year's self-inspection (自查自评) as the rule needs it. */
export interface SelfInspectionReportFact {
  year: number;
  /** The region's submission deadline for that year (the tightest down the region tree); null: none set. */
  deadline: IsoDate | null;
  /** China date of the submission while it stands submitted or accepted; null: not submitted, or returned. */
  submittedOn: IsoDate | null;
}

/** Outside-in (issue 24): the institution's registered public targets and the ports scanners saw open on them. */
export interface OutsideIn {
  /** Each registered target with the end of its last complete scan round (every port of the list); null: never. */
  targets: ReadonlyArray<{ value: string; scannedAt: Date | null }>;
  exposures: ReadonlyArray<{
    address: string;
    port: number;
    /** The EXT rules this port meets (shared/src/exposure.ts, extRulesFor). */
    rules: readonly string[];
    /** The registered target the address belongs to. */
    target: string;
    firstSeen: Date;
    lastSeen: Date;
    /** The enrolled host behind the port mapping, by its own fingerprint; null when none is known. */
    host: string | null;
  }>;
}

/** What host checks see: the input plus the region's policy that is not a per-rule threshold. */
export interface HostCheckInput extends HostRuleInput {
  requireLinuxAntimalware: boolean;
}
export interface InstitutionCheckInput extends InstitutionRuleInput {
  dueSoonDays: number;
}
