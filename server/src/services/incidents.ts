import {
  canIncident,
  IncidentDraftInput,
  DEFAULT_INCIDENT_SETTINGS,
  gradingCriteria,
  gradingProblem,
  type ResolvedIncidentSettings,
  incidentEvidenceStage,
  incidentFlags,
  incidentPeriodCounts,
  incidentTimesProblem,
  periodInstants,
  INCIDENT_LEVEL_ZH,
  INCIDENT_TYPE_ZH,
  isLargeOrAbove,
  regionAncestors,
  regionPrefix,
  reportDeadline,
  summaryDeadline,
  type IncidentAction,
  type IncidentCriteria,
  type IncidentPeriodCounts,
  type IncidentType,
} from '@weian/shared';
import type { z } from 'zod';
import { badRequest, conflict, forbidden, notFound } from '../errors.js';
import { listInstitutionHosts } from '../storage/hosts.js';
import {
  attachIncidentEvidence as attachEvidenceRow,
  getIncident,
  getIncidentEvidenceContent,
  getIncidentInScope,
  incidentSubjectNames,
  listIncidentEvidence,
  insertIncident,
  listClosedIncidents,
  listIncidentClocks,
  listNotifiedEventsSince,
  insertIncidentEvent,
  listIncidentEvents,
  listIncidents,
  updateIncident,
  type IncidentEventRow,
  type IncidentRow,
} from '../storage/incidents.js';
import { getInstitutionInScope } from '../storage/institutions.js';
import { getChannel, listChannelsFor, type ChannelRow } from '../storage/notifications.js';
import { listMlpsSystems } from '../storage/records.js';
import type { Db } from '../storage/schema.js';
import type { Scope } from '../storage/scope.js';
import { clearAlert, commentAlert, getAlertDetail, raiseAlert } from './alerts.js';
import { INCIDENT_LATE_RULE, INCIDENT_SUMMARY_RULE } from './alertRules.js';
import type { Principal } from './auth.js';
import { fetchSender, type NotificationMessage, type Sender } from './channels/index.js';
import type { IncidentChange, IncidentView } from '../eventPayloads.js';
import type { ServiceDeps } from './deps.js';
import { acceptUpload, type EvidenceBytes } from './evidenceFiles.js';
import { DEFAULT_SEND_OPTIONS, sendToChannel, type SendOptions } from './notify.js';
import { newId } from './secrets.js';
import { settingsForRegion } from './settings.js';

export type { IncidentChange, IncidentView } from '../eventPayloads.js';

export function incidentView(r: IncidentRow, now: Date): IncidentView {
  const json = <T>(s: string | null) => (s === null ? null : (JSON.parse(s) as T));
  return {
    id: r.id,
    institutionCode: r.institution_code,
    institutionName: r.institution_name,
    regionCode: r.region_code,
    title: r.title,
    type: r.type,
    level: r.level,
    cii: r.cii === 1,
    criteria: json<IncidentCriteria>(r.criteria)!,
    gradingReason: r.grading_reason,
    status: r.status,
    discoveredAt: r.discovered_at,
    reportedAt: r.reported_at,
    reportDeadline: r.report_deadline,
    impact: r.impact,
    measures: r.measures,
    cause: r.cause,
    supportRequested: r.support_requested,
    systemIds: json<string[]>(r.system_ids)!,
    hostIds: json<string[]>(r.host_ids)!,
    alertId: r.alert_id,
    closedAt: r.closed_at,
    summaryDeadline: r.summary_deadline,
    summarizedAt: r.summarized_at,
    summary: json(r.summary),
    receivedAt: r.received_at,
    receivedBy: r.received_by,
    reportedBy: r.reported_by,
    updatedAt: r.updated_at,
    ...incidentFlags({ status: r.status, reportDeadline: r.report_deadline, reportedAt: r.reported_at, summaryDeadline: r.summary_deadline, summarizedAt: r.summarized_at }, now),
  };
}

/** The incident settings in force for a county: the province's, tightened by its city and itself (settings.ts). */
export const incidentSettingsFor = async (db: Db, regionCode: string): Promise<ResolvedIncidentSettings> => (await settingsForRegion(db, regionCode)).incidents;

/** The settings an incident form is judged by, for the signed-in user's region, with the grading lines they give. */
export async function incidentSettingsView(deps: ServiceDeps, principal: Principal) {
  const settings = principal.regionCode ? await incidentSettingsFor(deps.db, principal.regionCode) : DEFAULT_INCIDENT_SETTINGS;
  return { regionCode: principal.regionCode, settings, defaults: DEFAULT_INCIDENT_SETTINGS, criteria: gradingCriteria(settings) };
}

const event = (incidentId: string, at: string, principal: Principal | null, action: IncidentEventRow['action'], detail: Record<string, unknown>): Omit<IncidentEventRow, 'seq'> => ({
  id: newId('ie'),
  incident_id: incidentId,
  at,
  actor_type: principal ? 'user' : 'system',
  actor_id: principal?.userId ?? null,
  actor_name: principal?.username ?? 'system',
  action,
  detail: JSON.stringify(detail),
});

const LIVE_TEXT = 100;
const LIVE_IDS = 20;
const clip = (s: string) => (s.length > LIVE_TEXT ? `${s.slice(0, LIVE_TEXT)}…` : s);
const clipOrNull = (s: string | null) => (s === null ? null : clip(s));
/**
 * The view a live event carries: texts clipped and id lists cut, so that one event always fits a
 * PostgreSQL NOTIFY (under 8000 bytes) and reaches the other processes; incidents.get has it whole.
 */
export function liveIncidentView(v: IncidentView): IncidentView {
  const summary = v.summary && { cause: clip(v.summary.cause), measures: clip(v.summary.measures), rectification: clip(v.summary.rectification), lessons: clip(v.summary.lessons) };
  return {
    ...v,
    title: clip(v.title),
    institutionName: clip(v.institutionName),
    gradingReason: clipOrNull(v.gradingReason),
    impact: clip(v.impact),
    measures: clip(v.measures),
    cause: clipOrNull(v.cause),
    supportRequested: clipOrNull(v.supportRequested),
    systemIds: v.systemIds.slice(0, LIVE_IDS),
    hostIds: v.hostIds.slice(0, LIVE_IDS),
    summary,
  };
}

function announce(deps: ServiceDeps, change: IncidentChange['change'], action: IncidentAction, row: IncidentRow): void {
  deps.bus.emit('incident.changed', {
    change,
    action,
    regionCode: row.region_code,
    institutionCode: row.institution_code,
    at: row.updated_at,
    incident: liveIncidentView(incidentView(row, deps.now())),
  });
}

/**
 * The message the region's channels get for a 较大-or-above incident: institution, level, type and the
 * clock only. No free text goes out (impact and measures may name patients); the dashboard has the rest.
 */
export function incidentMessage(r: IncidentRow): NotificationMessage {
  const level = INCIDENT_LEVEL_ZH[r.level];
  return {
    title: `卫安事件上报：${r.institution_name}（${level}）`,
    digest: false,
    institution: { code: r.institution_code, name: r.institution_name },
    alerts: [
      {
        id: r.id,
        change: 'opened',
        severity: r.level === 'large' ? 'high' : 'critical',
        ruleId: 'INCIDENT',
        ruleTitle: `${level}网络安全事件（${INCIDENT_TYPE_ZH[r.type]}）`,
        subject: r.institution_name,
        institutionCode: r.institution_code,
        institutionName: r.institution_name,
        evidence: `发现于 ${r.discovered_at}，上报于 ${r.reported_at}，时限 ${r.report_deadline}${r.cii ? '（关键信息基础设施 1 小时）' : '（4 小时）'}`,
        at: r.reported_at,
      },
    ],
  };
}

/** Sends a 较大-or-above incident to every enabled channel of its county, city and province now; each attempt lands on the timeline. */
async function notifyChannels(deps: ServiceDeps, row: IncidentRow, send: Sender): Promise<void> {
  const channels = await listChannelsFor(deps.db, regionAncestors(row.region_code));
  const message = incidentMessage(row);
  for (const c of channels) await notifyOnce(deps, row, c, message, send, 1);
}

/** One attempt at one channel, recorded on the timeline; true when it went through. */
async function notifyOnce(
  deps: ServiceDeps,
  row: IncidentRow,
  c: Pick<ChannelRow, 'id' | 'name' | 'kind' | 'url' | 'secret'>,
  message: NotificationMessage,
  send: Sender,
  attempt: number,
): Promise<boolean> {
  const result = await sendToChannel(c, message, deps.now(), send, deps.channelHosts);
  await insertIncidentEvent(
    deps.db,
    event(row.id, deps.now().toISOString(), null, 'notified', { channelId: c.id, channel: c.name, ok: result.ok, httpStatus: result.httpStatus, error: result.error, attempt }),
  );
  return result.ok;
}

/** How far back the retry job looks: past the last backoff of the outbox's schedule. */
const RETRY_WINDOW_MS = 24 * 3600_000;

/**
 * Channel retries for incidents: a send that failed is tried again with the outbox's backoff
 * (base × 2^(n−1), capped) until its attempts run out; every attempt lands on the timeline. A channel
 * deleted or disabled since is not retried.
 */
export async function retryIncidentNotifications(deps: ServiceDeps, opts: Partial<SendOptions> = {}): Promise<{ retried: number; sent: number }> {
  const o = { ...DEFAULT_SEND_OPTIONS, ...opts };
  const now = deps.now();
  const events = await listNotifiedEventsSince(deps.db, new Date(now.getTime() - RETRY_WINDOW_MS).toISOString());
  // The latest attempt per (incident, channel), and how many there were.
  const last = new Map<string, { incidentId: string; channelId: string; at: string; ok: boolean; attempts: number }>();
  for (const e of events) {
    const d = JSON.parse(e.detail) as { channelId?: string; ok?: boolean };
    if (!d.channelId) continue;
    const key = `${e.incident_id} ${d.channelId}`;
    last.set(key, { incidentId: e.incident_id, channelId: d.channelId, at: e.at, ok: d.ok === true, attempts: (last.get(key)?.attempts ?? 0) + 1 });
  }
  let retried = 0;
  let sent = 0;
  for (const l of last.values()) {
    if (l.ok || l.attempts >= o.maxAttempts) continue;
    const wait = Math.min(o.backoffBaseMs * 2 ** (l.attempts - 1), o.backoffMaxMs);
    if (now.getTime() < Date.parse(l.at) + wait) continue;
    const [row, channel] = await Promise.all([getIncident(deps.db, l.incidentId), getChannel(deps.db, l.channelId)]);
    if (!row || !channel || !channel.enabled) continue;
    retried++;
    if (await notifyOnce(deps, row, channel, incidentMessage(row), o.send, l.attempts + 1)) sent++;
  }
  return { retried, sent };
}

async function visibleIncident(deps: ServiceDeps, scope: Scope, id: string): Promise<IncidentRow> {
  const row = await getIncidentInScope(deps.db, scope, id);
  // Out of scope and nonexistent look the same (as for alerts): nothing leaks about other regions' incidents.
  if (!row) throw forbidden(`incident ${id} is not visible to you`);
  return row;
}

export type ReportIncidentInput = { institutionCode: string; incident: z.input<typeof IncidentDraftInput>; fromAlertId?: string | undefined };

/**
 * An institution reports an incident. The clock starts at discovery; the deadline follows the level
 * and the CII flag (its MLPS records may not say CII while the report denies it). Systems and hosts
 * must be the institution's own. 较大 and above go to the region's channels at once.
 */
export async function reportIncident(deps: ServiceDeps, principal: Principal, input: ReportIncidentInput, send: Sender = fetchSender()): Promise<IncidentView> {
  const inc = IncidentDraftInput.parse(input.incident);
  const institution = await getInstitutionInScope(deps.db, principal.scope, input.institutionCode);
  if (!institution) throw forbidden(`institution ${input.institutionCode} is not yours to report for`);
  const now = deps.now();
  const problem = incidentTimesProblem(inc.discoveredAt, now);
  if (problem) throw badRequest(problem);
  // Picked from WeiAn's own records of this institution: another institution's id is as unknown as a made-up one.
  const systems = await listMlpsSystems(deps.db, institution.code);
  const systemIds = new Set(systems.map((s) => s.id));
  const unknownSystems = inc.systemIds.filter((id) => !systemIds.has(id));
  if (unknownSystems.length) throw badRequest(`systemIds: unknown MLPS systems for this institution (${institution.name}): ${unknownSystems.slice(0, 5).join(', ')}; pick them from its MLPS records`);
  const hostIds = new Set((await listInstitutionHosts(deps.db, institution.code)).map((h) => h.id));
  const unknownHosts = inc.hostIds.filter((id) => !hostIds.has(id));
  if (unknownHosts.length) throw badRequest(`hostIds: unknown hosts for this institution (${institution.name}): ${unknownHosts.slice(0, 5).join(', ')}; pick them from its hosts in WeiAn`);
  const ciiSystem = systems.find((s) => s.critical_infrastructure === 1 && !s.retired_on);
  if (ciiSystem && !inc.criteria.cii) throw badRequest(`the institution's MLPS records mark "${ciiSystem.name}" as critical information infrastructure: the 1-hour deadline applies`);
  if (input.fromAlertId) {
    const alert = await getAlertDetail(deps, principal.scope, input.fromAlertId);
    if (alert.institutionCode !== institution.code) throw badRequest('the alert belongs to another institution');
  }
  const settings = await incidentSettingsFor(deps.db, institution.region_code);
  const grading = gradingProblem(inc, settings);
  if (grading) throw badRequest(`${grading.path}: ${grading.message}`);
  const at = now.toISOString();
  const row: IncidentRow = {
    id: newId('inc'),
    institution_code: institution.code,
    region_code: institution.region_code,
    institution_name: institution.name,
    title: inc.title,
    type: inc.type,
    level: inc.level,
    cii: inc.criteria.cii ? 1 : 0,
    criteria: JSON.stringify(inc.criteria),
    grading_reason: inc.gradingReason ?? null,
    status: 'reported',
    discovered_at: new Date(inc.discoveredAt).toISOString(),
    reported_at: at,
    report_deadline: reportDeadline(inc.level, inc.criteria.cii, new Date(inc.discoveredAt), settings).toISOString(),
    impact: inc.impact,
    measures: inc.measures,
    cause: inc.cause ?? null,
    support_requested: inc.supportRequested ?? null,
    system_ids: JSON.stringify(inc.systemIds),
    host_ids: JSON.stringify(inc.hostIds),
    alert_id: input.fromAlertId ?? null,
    closed_at: null,
    summary_deadline: null,
    summarized_at: null,
    summary: null,
    received_at: null,
    received_by: null,
    reported_by: principal.username,
    updated_at: at,
  };
  await deps.db.transaction().execute(async (tx) => {
    await insertIncident(tx, row);
    await insertIncidentEvent(tx, event(row.id, at, principal, 'report', { level: row.level, deadline: row.report_deadline }));
  });
  // The link both ways: the alert's own timeline names the incident made from it.
  if (input.fromAlertId) await commentAlert(deps, principal, input.fromAlertId, `已转为事件上报 ${row.id}`);
  announce(deps, 'reported', 'report', row);
  const view = incidentView(row, deps.now());
  if (view.late && isLargeOrAbove(row.level)) {
    const zh = `事件「${row.title}」（${INCIDENT_LEVEL_ZH[row.level]}）发现于 ${row.discovered_at}，时限 ${row.report_deadline}，上报于 ${row.reported_at}`;
    const en = `incident ${row.id} (${row.level}) discovered ${row.discovered_at}, due ${row.report_deadline}, reported ${row.reported_at}`;
    await raiseAlert(deps, {
      subjectKind: 'institution',
      subjectId: row.institution_code,
      ruleId: INCIDENT_LATE_RULE,
      kind: 'deadline',
      severity: 'critical',
      institutionCode: row.institution_code,
      regionCode: row.region_code,
      evidence: { zh, en },
    });
  }
  if (isLargeOrAbove(row.level)) await notifyChannels(deps, row, send);
  return view;
}

type Change = {
  action: Exclude<IncidentAction, 'report'>;
  set?: (row: IncidentRow, at: string) => Promise<Partial<IncidentRow>> | Partial<IncidentRow>;
  /** The timeline entry's detail, or what writes alongside it in the same transaction and gives it (null: nothing changed, no entry). */
  detail: Record<string, unknown> | ((tx: Db, row: IncidentRow, at: string) => Promise<Record<string, unknown> | null>);
};

/** One person's action on an incident: allowed only from the statuses the shared table lists, kept on the timeline, announced. */
async function act(deps: ServiceDeps, principal: Principal, id: string, c: Change): Promise<IncidentView> {
  const row = await visibleIncident(deps, principal.scope, id);
  if (!canIncident(c.action, row.status)) throw conflict(`an incident that is ${row.status} cannot take "${c.action}"`);
  const at = deps.now().toISOString();
  const set = { ...(c.set ? await c.set(row, at) : {}), updated_at: at };
  const changed = await deps.db.transaction().execute(async (tx) => {
    const detail = typeof c.detail === 'function' ? await c.detail(tx, row, at) : c.detail;
    if (!detail) return false;
    await updateIncident(tx, id, set);
    await insertIncidentEvent(tx, event(id, at, principal, c.action, detail));
    return true;
  });
  if (!changed) return incidentView(row, deps.now());
  const next = { ...row, ...set };
  announce(deps, 'updated', c.action, next);
  return incidentView(next, deps.now());
}

// Institution side ------------------------------------------------------------------------------------
export const followUpIncident = (deps: ServiceDeps, p: Principal, id: string, text: string, measures?: string) =>
  act(deps, p, id, { action: 'follow-up', detail: { text, ...(measures ? { measures } : {}) } });
export const closeIncident = (deps: ServiceDeps, p: Principal, id: string, text: string) =>
  act(deps, p, id, {
    action: 'close',
    detail: { text },
    set: async (row, at) => ({ status: 'closed', closed_at: at, summary_deadline: summaryDeadline(new Date(at), await incidentSettingsFor(deps.db, row.region_code)).toISOString() }),
  });
export const submitIncidentSummary = (deps: ServiceDeps, p: Principal, id: string, summary: { cause: string; measures: string; rectification: string; lessons: string }) =>
  act(deps, p, id, { action: 'summary', detail: {}, set: (_row, at) => ({ status: 'summarized', summarized_at: at, summary: JSON.stringify(summary) }) });

/**
 * An evidence file (images, PDF, Office documents) on the report, a follow-up or the summary, from the
 * reporting institution only: judged by its bytes and name and stored once by SHA-256 as notices' are
 * (evidenceFiles.ts), listed on the timeline with its hash. The same file twice is kept once.
 */
export async function attachIncidentEvidence(deps: ServiceDeps, p: Principal, input: EvidenceBytes & { incidentId: string }) {
  const accepted = acceptUpload(input, deps.now().toISOString());
  const { sha256, size, type } = accepted;
  await act(deps, p, input.incidentId, {
    action: 'attach',
    detail: async (tx, row, at) => {
      if (p.institutionCode !== row.institution_code) throw forbidden('only the reporting institution attaches evidence to its incident');
      const stage = incidentEvidenceStage(
        row.status,
        (await listIncidentEvents(tx, row.id)).some((e) => e.action === 'follow-up'),
      );
      const added = await attachEvidenceRow(tx, accepted.file, { incident_id: row.id, sha256, name: input.name, stage, uploaded_at: at, uploaded_by: p.username });
      return added ? { sha256, name: input.name, size, type, stage } : null;
    },
  });
  return { sha256, size, type };
}

// Bureau side -----------------------------------------------------------------------------------------
export const commentIncident = (deps: ServiceDeps, p: Principal, id: string, text: string) => act(deps, p, id, { action: 'comment', detail: { text } });
export const requestIncidentInfo = (deps: ServiceDeps, p: Principal, id: string, text: string) => act(deps, p, id, { action: 'request-info', detail: { text } });
/** 已接报: the first bureau to mark it is kept; marking again is refused. */
export const receiveIncident = (deps: ServiceDeps, p: Principal, id: string) =>
  act(deps, p, id, {
    action: 'receive',
    detail: {},
    set: (row, at) => {
      if (row.received_at) throw conflict(`already marked received by ${row.received_by}`);
      return { received_at: at, received_by: p.username };
    },
  });

// Reading ---------------------------------------------------------------------------------------------

export async function listIncidentViews(
  deps: ServiceDeps,
  scope: Scope,
  filter: { status?: IncidentRow['status'][] | undefined; regionCode?: string | undefined; alertId?: string | undefined; limit: number },
) {
  const rows = await listIncidents(deps.db, scope, {
    status: filter.status,
    regionPrefix: filter.regionCode ? regionPrefix(filter.regionCode) : undefined,
    alertId: filter.alertId,
    limit: filter.limit,
  });
  const now = deps.now();
  return rows.map((r) => incidentView(r, now));
}

export async function getIncidentDetail(deps: ServiceDeps, scope: Scope, id: string) {
  const row = await visibleIncident(deps, scope, id);
  const view = incidentView(row, deps.now());
  const [events, evidence, names] = await Promise.all([
    listIncidentEvents(deps.db, id),
    listIncidentEvidence(deps.db, id),
    incidentSubjectNames(deps.db, row.institution_code, view.systemIds, view.hostIds),
  ]);
  const named = <T extends { id: string }>(ids: string[], rows: T[]) => ids.map((i) => rows.find((r) => r.id === i)).filter((r): r is T => !!r);
  return {
    ...view,
    /** The affected systems and hosts by name, in the order reported (one since removed from the records drops out). */
    systems: named(view.systemIds, names.systems),
    hosts: named(view.hostIds, names.hosts),
    evidence: evidence.map((e) => ({ sha256: e.sha256, name: e.name, stage: e.stage, size: e.size, type: e.type, uploadedAt: e.uploaded_at, uploadedBy: e.uploaded_by })),
    timeline: events.map((e) => ({ id: e.id, at: e.at, action: e.action, actor: { type: e.actor_type, name: e.actor_name }, detail: JSON.parse(e.detail) as Record<string, unknown> })),
  };
}

/** An attachment's bytes for the download route, within the caller's scope (outside it, as missing). */
export async function downloadIncidentEvidence(deps: ServiceDeps, principal: Principal, incidentId: string, sha256: string) {
  await visibleIncident(deps, principal.scope, incidentId);
  const file = await getIncidentEvidenceContent(deps.db, incidentId, sha256);
  if (!file) throw notFound(`no evidence ${sha256} on this incident`);
  return { name: file.name, type: file.type, size: file.size, contentBase64: file.content };
}

/** A prefilled report form from an alert (e.g. many hosts silent at once, backups failing): the reporter completes and submits it with fromAlertId. */
export async function draftFromAlert(deps: ServiceDeps, scope: Scope, alertId: string) {
  const alert = await getAlertDetail(deps, scope, alertId);
  const type: IncidentType = alert.kind === 'offline' ? 'outage' : /BACKUP/i.test(alert.ruleId) ? 'ransomware' : 'other';
  return {
    institutionCode: alert.institutionCode,
    fromAlertId: alert.id,
    incident: {
      title: `${alert.title.zh}：${alert.subjectName}`.slice(0, 200),
      type,
      discoveredAt: alert.openedAt,
      hostIds: alert.subjectKind === 'host' ? [alert.subjectId] : [],
      impact: alert.evidence.zh.slice(0, 4000),
    },
    alreadyReported: (await listIncidents(deps.db, scope, { alertId, limit: 10 })).map((r) => r.id),
  };
}

/**
 * The summary check (a job): an institution with a closed incident whose summary report is past its
 * deadline has an open alert; once every summary is in, the alert resolves. Idempotent.
 */
export async function checkIncidentSummaries(deps: ServiceDeps): Promise<{ overdue: number }> {
  const now = deps.now().toISOString();
  const byInstitution = new Map<string, { regionCode: string; overdue: Array<{ id: string; title: string; due: string }> }>();
  for (const r of await listClosedIncidents(deps.db)) {
    const entry = byInstitution.get(r.institution_code) ?? { regionCode: r.region_code, overdue: [] };
    if (r.status === 'closed' && r.summary_deadline && r.summary_deadline < now) entry.overdue.push({ id: r.id, title: r.title, due: r.summary_deadline });
    byInstitution.set(r.institution_code, entry);
  }
  let overdue = 0;
  for (const [code, e] of byInstitution) {
    if (!e.overdue.length) {
      await clearAlert(deps, { subjectKind: 'institution', subjectId: code, ruleId: INCIDENT_SUMMARY_RULE }, { zh: '总结报告均已提交', en: 'every summary report is in' });
      continue;
    }
    overdue += e.overdue.length;
    const zh = e.overdue.map((o) => `「${o.title}」总结报告应于 ${o.due} 前提交`).join('；');
    const en = e.overdue.map((o) => `incident ${o.id}: summary due ${o.due}`).join('; ');
    await raiseAlert(deps, {
      subjectKind: 'institution',
      subjectId: code,
      ruleId: INCIDENT_SUMMARY_RULE,
      kind: 'deadline',
      severity: 'medium',
      institutionCode: code,
      regionCode: e.regionCode,
      evidence: { zh, en },
    });
  }
  return { overdue };
}

/**
 * The rankings' incident column for some institutions and a period (methodology: late reports and
 * missing summaries, counted as judged at the period's end or now). Institutions without incidents get zeros.
 */
export async function incidentCountsFor(deps: ServiceDeps, codes: readonly string[], period: string): Promise<Map<string, IncidentPeriodCounts>> {
  const { from, to } = periodInstants(period);
  const rows = await listIncidentClocks(deps.db, codes, from.toISOString(), to.toISOString());
  const now = deps.now();
  return new Map(
    codes.map((code) => [
      code,
      incidentPeriodCounts(
        rows
          .filter((r) => r.institution_code === code)
          .map((r) => ({ status: r.status, reportDeadline: r.report_deadline, reportedAt: r.reported_at, summaryDeadline: r.summary_deadline, summarizedAt: r.summarized_at })),
        period,
        now,
      ),
    ]),
  );
}
