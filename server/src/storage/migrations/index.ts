import type { Migration } from 'kysely';
import * as initial from './2026-11-23-01-initial.js';
import * as usersAudit from './2026-11-23-02-users-audit.js';
import * as jobs from './2026-11-23-04-jobs.js';
import * as compliance from './2026-11-23-05-compliance.js';
import * as alerts from './2026-11-23-06-alerts.js';
import * as agentSettings from './2026-11-23-07-agent-settings.js';
import * as secretRotation from './2026-11-23-08-secret-rotation.js';
import * as overviewAggregates from './2026-11-23-09-overview-aggregates.js';
import * as alertNames from './2026-11-23-10-alert-names.js';
import * as scoreRevision from './2026-11-23-11-score-revision.js';
import * as exactRegionSums from './2026-12-06-01-exact-region-sums.js';
import * as holidayCalendars from './2026-12-06-17a-holiday-calendars.js';
import * as hostList17b from './2026-12-06-17b-host-list.js';
import * as auditAddress from './2026-12-06-18-audit-address-readiness.js';
import * as notices from './2026-12-06-22-notices.js';
import * as incidents from './2026-12-06-23-incidents.js';
import * as dataRegister23b from './2026-12-06-23b-wt23-data-register.js';
import * as agentUpgradesWt20 from './2026-12-06-50-wt20-agent-upgrades.js';
import * as selfInspectionWt22 from './2026-12-06-50-wt22-selfinspection.js';
import * as publicTargets from './2026-12-06-24-wt24-public-targets.js';
import * as scanners from './2026-12-06-25-wt24-scanners.js';
import * as scanRoundsWt31 from './2026-12-06-51-wt31-scan-rounds.js';
import * as templateEvidenceWt36 from './2026-12-07-36-wt36-template-evidence.js';
import * as incidentEvidenceWt37 from './2026-12-07-37-wt37-incident-evidence.js';
import * as scanScheduleWt38 from './2026-12-07-38-wt38-scan-schedule.js';
import * as agentInstallWt42 from './2026-12-07-42-wt42-agent-install.js';
import * as alertCountsWt43 from './2026-12-07-43-wt43-alert-counts.js';
import * as sectionStateWt44 from './2026-12-07-44-wt44-section-state.js';

/** Every migration, by name; names sort in the order they run. */
export const migrations: Record<string, Migration> = {
  '2026-11-23-01-initial': initial,
  '2026-11-23-02-users-audit': usersAudit,
  '2026-11-23-04-jobs': jobs,
  '2026-11-23-05-compliance': compliance,
  '2026-11-23-06-alerts': alerts,
  '2026-11-23-07-agent-settings': agentSettings,
  '2026-11-23-08-secret-rotation': secretRotation,
  '2026-11-23-09-overview-aggregates': overviewAggregates,
  '2026-11-23-10-alert-names': alertNames,
  '2026-11-23-11-score-revision': scoreRevision,
  '2026-12-06-01-exact-region-sums': exactRegionSums,
  '2026-12-06-17a-holiday-calendars': holidayCalendars,
  '2026-12-06-17b-host-list': hostList17b,
  '2026-12-06-18-audit-address-readiness': auditAddress,
  '2026-12-06-22-notices': notices,
  '2026-12-06-23-incidents': incidents,
  '2026-12-06-23b-wt23-data-register': dataRegister23b,
  '2026-12-06-50-wt20-agent-upgrades': agentUpgradesWt20,
  '2026-12-06-50-wt22-selfinspection': selfInspectionWt22,
  '2026-12-06-24-wt24-public-targets': publicTargets,
  '2026-12-06-25-wt24-scanners': scanners,
  '2026-12-06-51-wt31-scan-rounds': scanRoundsWt31,
  '2026-12-07-36-wt36-template-evidence': templateEvidenceWt36,
  '2026-12-07-37-wt37-incident-evidence': incidentEvidenceWt37,
  '2026-12-07-38-wt38-scan-schedule': scanScheduleWt38,
  '2026-12-07-42-wt42-agent-install': agentInstallWt42,
  '2026-12-07-43-wt43-alert-counts': alertCountsWt43,
  '2026-12-07-44-wt44-section-state': sectionStateWt44,
};
