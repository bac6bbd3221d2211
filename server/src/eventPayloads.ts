import type { Finding, IncidentAction, IncidentCriteria, IncidentType, SelfInspectionAction } from '@weian/shared';
import type { AlertKind, AlertRow, AlertSeverity } from './storage/alerts.js';
import type { IncidentRow } from './storage/incidents.js';

// The payloads of the server's events (events.ts), below the services that emit and hear them, so
// the bus and every service that reaches it through deps.ts import no service back.

/** A finding whose status changed: what alerts and live views react to. */
export interface FindingChange {
  subjectKind: AlertRow['subject_kind'];
  subjectId: string;
  ruleId: string;
  institutionCode: string;
  regionCode: string;
  from: Finding['status'] | null;
  to: Finding['status'];
  severity: Finding['severity'];
  evidence: { zh: string; en: string };
  at: string;
  /** Its alert was already opened or resolved in the transaction that stored it (ingest): the alert engine leaves it. */
  alerted?: boolean;
}

export interface AlertView {
  id: string;
  kind: AlertKind;
  subjectKind: AlertRow['subject_kind'];
  subjectId: string;
  ruleId: string;
  title: { zh: string; en: string };
  severity: AlertSeverity;
  status: AlertRow['status'];
  institutionCode: string;
  regionCode: string;
  /** Hostname (host alerts) or institution name, as when the alert opened. */
  subjectName: string;
  institutionName: string;
  evidence: { zh: string; en: string };
  count: number;
  openedAt: string;
  lastSeenAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  assignee: { id: string; name: string } | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  updatedAt: string;
}

/** What alerts.live pushes; region and institution at the top so subscribers are filtered like every event. */
export interface AlertChange {
  change: 'opened' | 'updated' | 'resolved';
  regionCode: string;
  institutionCode: string;
  at: string;
  alert: AlertView;
}

export interface IncidentView {
  id: string;
  institutionCode: string;
  institutionName: string;
  regionCode: string;
  title: string;
  type: IncidentType;
  level: IncidentRow['level'];
  cii: boolean;
  criteria: IncidentCriteria;
  gradingReason: string | null;
  status: IncidentRow['status'];
  discoveredAt: string;
  reportedAt: string;
  reportDeadline: string;
  impact: string;
  measures: string;
  cause: string | null;
  supportRequested: string | null;
  systemIds: string[];
  hostIds: string[];
  alertId: string | null;
  closedAt: string | null;
  summaryDeadline: string | null;
  summarizedAt: string | null;
  summary: { cause: string; measures: string; rectification: string; lessons: string } | null;
  receivedAt: string | null;
  receivedBy: string | null;
  reportedBy: string;
  updatedAt: string;
  /** Judged on the server's clock: reported after its deadline; summary report missing past its deadline. */
  late: boolean;
  summaryOverdue: boolean;
}

/** What incidents.live pushes; region and institution at the top so subscribers are filtered like every event. */
export interface IncidentChange {
  change: 'reported' | 'updated';
  action: IncidentAction;
  regionCode: string;
  institutionCode: string;
  at: string;
  incident: IncidentView;
}

/** What the server can ask of a connected agent (the agent's client.ts names the same shapes). */

/** A rectification notice that moved (issued, signed, answered, reviewed…): what its live views refetch on. */
export interface NoticeChange {
  noticeId: string;
  institutionCode: string;
  regionCode: string;
  action: string;
  at: string;
}

/** What a live subscriber hears: whose self-inspection of which year moved; it reloads what it shows. */
export interface SelfInspectionChange {
  institutionCode: string;
  regionCode: string;
  year: number;
  action: SelfInspectionAction['type'];
  at: string;
}
