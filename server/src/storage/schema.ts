import type { Generated, Kysely, Transaction } from 'kysely';
import type { Role } from '@weian/shared/permissions';

/** Times are ISO-8601 UTC text in both dialects: sortable, and one code path. JSON is text. */
export interface RegionsTable {
  code: string;
  name: string;
  parent_code: string | null;
  level: 'province' | 'city' | 'county';
}
export interface InstitutionsTable {
  code: string;
  name: string;
  region_code: string;
  type: string;
  created_at: string;
  /** Counts every update of the row (with the scores' revisions, what tells a region's figures changed). */
  revision: Generated<number>;
}
export interface EnrollmentTokensTable {
  id: string;
  token_hash: string;
  institution_code: string;
  uses_left: number;
  expires_at: string | null;
  created_at: string;
  created_by: string | null;
}
export interface HostsTable {
  id: string;
  institution_code: string;
  hostname: string;
  machine_id: string | null;
  status: 'active' | 'stale' | 'retired';
  first_seen_at: string;
  last_report_at: string | null;
  last_seen_at: string | null;
  /** JSON: why this host's identity is in doubt (a clone reporting another host's identity). */
  identity_conflict: string | null;
}
export interface AgentsTable {
  id: string;
  host_id: string;
  institution_code: string;
  secret_hash: string;
  version: string;
  enrolled_at: string;
  revoked_at: string | null;
  revoked_reason: string | null;
  last_seen_at: string | null;
  /** JSON AgentSettings; null: the defaults. */
  settings: string | null;
  /** A rotated secret not yet used; the current one stays valid until it is. */
  next_secret_hash: string | null;
  /** JSON AgentInstall from its latest heartbeat; null: not said (an agent before it). */
  install: string | null;
}
/** The latest remote upgrade of an agent: `requested` until the agent reports `upgraded` or `failed`. */
export interface AgentUpgradesTable {
  agent_id: string;
  command_id: string;
  status: 'requested' | 'upgraded' | 'failed';
  from_version: string;
  to_version: string;
  reason: string | null;
  requested_by: string;
  requested_at: string;
  updated_at: string;
}
export interface ReportReceiptsTable {
  report_id: string;
  agent_id: string;
  host_id: string;
  collected_at: string;
  received_at: string;
  /** The acknowledgement as sent, so that a replay is answered the same. */
  ack: string;
  bytes: number;
}
export interface HostSectionsTable {
  host_id: string;
  section: string;
  status: 'ok' | 'error' | 'unsupported';
  hash: string | null;
  data: string | null;
  error: string | null;
  collected_at: string;
  updated_at: string;
}
export type { Role };
export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  role: Role;
  /** Region code (province/city/county roles), institution code (institution role), null for admin. */
  scope_code: string | null;
  created_at: string;
  created_by: string | null;
  password_changed_at: string;
  deleted_at: string | null;
}
export interface SessionsTable {
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  idle_expires_at: string;
  remote_address: string;
}
export interface LoginFailuresTable {
  key: string;
  at: string;
}
export interface ReadinessProbesTable {
  process: string;
  at: string;
}
export interface AuditLogTable {
  id: string;
  at: string;
  actor_type: 'user' | 'agent' | 'cli' | 'system' | 'anonymous';
  actor_id: string | null;
  actor_name: string;
  action: string;
  outcome: 'ok' | 'denied' | 'failed';
  region_code: string | null;
  institution_code: string | null;
  detail: string;
  remote_address: string | null;
}

export interface MlpsSystemsTable {
  id: string;
  institution_code: string;
  name: string;
  level: number | null;
  critical_infrastructure: number;
  personal_info_over_100k: number;
  graded_on: string | null;
  filed_on: string | null;
  last_evaluated_on: string | null;
  went_live_on: string | null;
  prelaunch_tested_on: string | null;
  retired_on: string | null;
  updated_at: string;
}
export interface MlpsSystemHostsTable {
  system_id: string;
  host_id: string;
}
export interface GovernanceRecordsTable {
  id: string;
  institution_code: string;
  kind: string;
  date: string;
  vulnerability_scan: number | null;
  penetration_test: number | null;
  note: string | null;
  created_at: string;
  created_by: string;
}
export interface RiskExceptionsTable {
  id: string;
  institution_code: string;
  subject_kind: 'host' | 'institution';
  subject_id: string;
  rule_id: string;
  reason: string;
  approver: string;
  expires_on: string;
  created_at: string;
  created_by: string;
  withdrawn_at: string | null;
}
/** One official holiday arrangement per year; `arrangement` is the validated HolidayArrangement as JSON. */
export interface HolidayCalendarsTable {
  year: number;
  arrangement: string;
  loaded_at: string;
  loaded_by: string;
}
export interface RegionSettingsTable {
  region_code: string;
  settings: string;
  updated_at: string;
  updated_by: string;
}
export interface FindingsTable {
  subject_kind: 'host' | 'institution';
  subject_id: string;
  rule_id: string;
  institution_code: string;
  status: 'pass' | 'fail' | 'unknown' | 'not-applicable';
  severity: 'critical' | 'high' | 'medium' | 'low';
  evidence: string;
  exception_id: string | null;
  exception_expires_on: string | null;
  /** When the finding entered its current status. */
  since: string;
  evaluated_at: string;
}
export interface FindingTransitionsTable {
  id: string;
  subject_kind: 'host' | 'institution';
  subject_id: string;
  rule_id: string;
  institution_code: string;
  from_status: string | null;
  to_status: string;
  severity: string;
  at: string;
}
export interface UpdateFirstSeenTable {
  host_id: string;
  name: string;
  first_seen_at: string;
}
interface FailingColumns {
  failing_critical: number;
  failing_high: number;
  failing_medium: number;
  failing_low: number;
}
export interface HostScoresTable extends FailingColumns {
  host_id: string;
  institution_code: string;
  score: number | null;
  capped: number;
  mlps_level: number | null;
  updated_at: string;
}
export interface InstitutionScoreColumns extends FailingColumns {
  region_code: string;
  score: number;
  technical: number;
  governance: number;
  coverage: number;
  hosts_registered: number;
  hosts_reporting: number;
  overdue_mlps: number;
}
export interface InstitutionScoresTable extends InstitutionScoreColumns {
  institution_code: string;
  grade: string;
  updated_at: string;
  /** JSON [[ruleId, severity, count], …] of failing, non-excepted findings (host and institution rules). */
  failing_by_rule: string | null;
  /** Counts every write of the row (the region overview's change detector). */
  revision: Generated<number>;
}
export interface RegionScoreHistoryTable {
  region_code: string;
  day: string;
  score_sum: number;
  /** The same sum exactly, in tenths (bigint: a string from PostgreSQL); null in rows written before it existed. */
  score_tenths: number | string | null;
  institutions: number;
}
export interface ScoreHistoryTable extends InstitutionScoreColumns {
  institution_code: string;
  day: string;
}

export interface Database {
  regions: RegionsTable;
  institutions: InstitutionsTable;
  enrollment_tokens: EnrollmentTokensTable;
  hosts: HostsTable;
  agents: AgentsTable;
  agent_upgrades: AgentUpgradesTable;
  report_receipts: ReportReceiptsTable;
  host_sections: HostSectionsTable;
  users: UsersTable;
  sessions: SessionsTable;
  login_failures: LoginFailuresTable;
  audit_log: AuditLogTable;
  readiness_probes: ReadinessProbesTable;
  mlps_systems: MlpsSystemsTable;
  mlps_system_hosts: MlpsSystemHostsTable;
  governance_records: GovernanceRecordsTable;
  risk_exceptions: RiskExceptionsTable;
  region_settings: RegionSettingsTable;
  holiday_calendars: HolidayCalendarsTable;
  findings: FindingsTable;
  finding_transitions: FindingTransitionsTable;
  update_first_seen: UpdateFirstSeenTable;
  host_scores: HostScoresTable;
  institution_scores: InstitutionScoresTable;
  score_history: ScoreHistoryTable;
  region_score_history: RegionScoreHistoryTable;
  public_targets: PublicTargetsTable;
  scanners: ScannersTable;
  exposures: ExposuresTable;
}

// ---- exposure seen from outside (issue 24) ---------------------------------------------------
export interface PublicTargetsTable {
  id: string;
  institution_code: string;
  region_code: string;
  kind: 'ip' | 'range' | 'domain';
  value: string;
  /** IPv4 entries: first and last address as integers; null for a domain and for IPv6 (128 bits: compared in code). */
  first_address: number | null;
  last_address: number | null;
  note: string | null;
  created_at: string;
  created_by: string;
  /** The end of the target's last complete scan round (every port of the list); null: never. */
  scanned_at: string | null;
}

/** Every storage function takes this first, so a caller may pass a transaction. */
export type Db = Kysely<Database> | Transaction<Database>;
export interface ScannersTable {
  id: string;
  region_code: string;
  name: string;
  secret_hash: string;
  created_at: string;
  created_by: string;
  last_seen_at: string | null;
  /** A revoked scanner is refused everything: its list, its reports. */
  revoked_at: string | null;
  revoked_by: string | null;
  /** When it last reported a round: its next is due the region's interval later. */
  last_round_at: string | null;
}
export interface ExposuresTable {
  id: string;
  institution_code: string;
  region_code: string;
  address: string;
  port: number;
  rules: string;
  banner: string | null;
  ssh_host_key: string | null;
  tls_sha256: string | null;
  http_title: string | null;
  host_id: string | null;
  tie_by: string | null;
  internal_port: number | null;
  /** The registered domain name the address was resolved from; null for an address or range entry. */
  domain: string | null;
  first_seen: string;
  last_seen: string;
  scanner_id: string;
}
