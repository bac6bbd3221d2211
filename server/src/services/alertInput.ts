import type { AlertKind, AlertRow, AlertSeverity } from '../storage/alerts.js';

/** What the system raises an alert with (a finding, a silent agent, sustained failed sign-ins…). */
export interface RaiseInput {
  subjectKind: AlertRow['subject_kind'];
  /** What the alert names its subject by, when neither a host nor an institution (an account's username). */
  subjectName?: string;
  subjectId: string;
  ruleId: string;
  kind: AlertKind;
  severity: AlertSeverity;
  institutionCode: string;
  regionCode: string;
  evidence: { zh: string; en: string };
}

/** What alerts name their subjects by, as a caller read them already (ingest's judging reads its hosts): by host id and by institution code. */
export interface SubjectNames {
  hosts: ReadonlyMap<string, string | null>;
  institutions: ReadonlyMap<string, string | null>;
}
