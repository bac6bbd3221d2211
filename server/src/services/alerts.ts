import { badRequest, conflict, forbidden } from '../errors.js';
import {
  getAlert,
  insertAlertEvents,
  compactAlertCounts,
  listAlertEvents,
  listAlerts,
  listHostAlertsSeenSince,
  listIdentityAlertsCleared,
  listSilentHostsWithoutAlert,
  openAlertRow,
  resolveOpenAlerts,
  updateUnresolvedAlert,
  touchAlert,
  upsertOpenAlerts,
  type AlertEventRow,
  type AlertFilter,
  type AlertKind,
  type AlertRow,
} from '../storage/alerts.js';
import { getUser } from '../storage/users.js';
import type { Db } from '../storage/schema.js';
import { actorColumns, type Actor } from './actors.js';
import { IDENTITY_RULE, NOTICE_OVERDUE_RULE, OFFLINE_RULE, ruleTitle } from './alertRules.js';
import type { Principal } from './auth.js';
import type { ServiceDeps } from './deps.js';
import type { AlertChange, AlertView, FindingChange } from '../eventPayloads.js';
import { queueNotifications } from './notify.js';
import { chinaDate, EXT_RULE_IDS } from '@weian/shared';
import { getFindings } from '../storage/findings.js';
import { listOverdueNotices } from '../storage/notices.js';
import { getHost, hostNames } from '../storage/hosts.js';
import { getInstitution } from '../storage/institutions.js';
import { together } from '../storage/together.js';
import { scopeOf, visibleIn, type Scope } from './scope.js';
import type { RaiseInput, SubjectNames } from './alertInput.js';
import { quietSignInAlerts, signInAlertOf } from './signInAlerts.js';
import type { EventMap } from '../events.js';
import { newId } from './secrets.js';

/** Coverage is an institution rule but no deadline: it alerts like any finding (by severity). */
const NOT_DEADLINES = new Set(['INST-COVERAGE', ...EXT_RULE_IDS]);
/** The outside-in rules alert per port when a scanner first sees it open (services/scanners.ts); their finding only resolves the alert. */
const ALERTED_ON_INGEST: ReadonlySet<string> = new Set(EXT_RULE_IDS);
const ALERTING_SEVERITIES: ReadonlySet<string> = new Set(['critical', 'high']);
/** Overdue rectification has its own digest alert, one per institution (notices.ts, raiseOverdueNotices): the rule's failure adds none. */
const DIGESTED = new Set(['INST-RECTIFY-OVERDUE']);

export interface AlertOptions {
  /** An agent silent this long raises an offline alert (server setting WEIAN_OFFLINE_AFTER_MINUTES, default 30). */
  offlineAfterMs: number;
}
export type { AlertChange, AlertView } from '../eventPayloads.js';
export const DEFAULT_ALERT_OPTIONS: AlertOptions = { offlineAfterMs: 30 * 60_000 };

export const viewOf = (r: AlertRow): AlertView => ({
  id: r.id,
  kind: r.kind,
  subjectKind: r.subject_kind,
  subjectId: r.subject_id,
  ruleId: r.rule_id,
  title: ruleTitle(r.rule_id),
  severity: r.severity,
  status: r.status,
  institutionCode: r.institution_code,
  regionCode: r.region_code,
  subjectName: r.subject_name ?? r.subject_id,
  institutionName: r.institution_name ?? r.institution_code,
  evidence: JSON.parse(r.evidence) as { zh: string; en: string },
  count: r.count,
  openedAt: r.opened_at,
  lastSeenAt: r.last_seen_at,
  acknowledgedAt: r.acknowledged_at,
  acknowledgedBy: r.acknowledged_by,
  assignee: r.assignee_id ? { id: r.assignee_id, name: r.assignee_name ?? r.assignee_id } : null,
  resolvedAt: r.resolved_at,
  resolvedBy: r.resolved_by,
  updatedAt: r.updated_at,
});

const clip = (s: string) => (s.length > 1000 ? `${s.slice(0, 1000)}…` : s);
/** Live events cross processes in a NOTIFY (under 8000 bytes): long evidence is clipped there, alerts.get has it whole. */
function announce(deps: ServiceDeps, change: AlertChange['change'], row: AlertRow): void {
  const alert = viewOf(row);
  alert.evidence = { zh: clip(alert.evidence.zh), en: clip(alert.evidence.en) };
  deps.bus.emit('alert.changed', { change, regionCode: row.region_code, institutionCode: row.institution_code, at: row.updated_at, alert });
}

function eventRow(alertId: string, at: string, actor: Actor, action: AlertEventRow['action'], detail: Record<string, unknown> = {}): AlertEventRow {
  return { id: newId('ae'), alert_id: alertId, at, ...actorColumns(actor), action, detail: JSON.stringify(detail) };
}

// ---- raised and cleared by the system -------------------------------------------------------------------
/** An alert changed in a transaction: announced once that transaction committed. */
export interface AlertMove {
  change: AlertChange['change'];
  row: AlertRow;
}
type ClearKey = { subjectKind: AlertRow['subject_kind']; subjectId: string; ruleId: string; reason: { zh: string; en: string } };

/**
 * Opens each alert or counts a repeat on the open one, records the events and queues notifications
 * for new episodes, in the caller's transaction `tx`: one statement per kind of write for all of them.
 */
async function raiseIn(deps: ServiceDeps, tx: Db, inputs: RaiseInput[], at: string, known?: SubjectNames): Promise<AlertMove[]> {
  if (!inputs.length) return [];
  // What lists and live pushes name the subject by: what the caller read already, the rest read once per
  // institution, and for all hosts at once.
  const institutions = new Map(known?.institutions);
  for (const i of inputs) if (!institutions.has(i.institutionCode)) institutions.set(i.institutionCode, (await getInstitution(tx, i.institutionCode))?.name ?? null);
  const hosts = new Map(known?.hosts);
  const unnamed = [...new Set(inputs.filter((i) => i.subjectKind === 'host' && !i.subjectName && !hosts.has(i.subjectId)).map((i) => i.subjectId))];
  if (unnamed.length) for (const [id, name] of await hostNames(tx, unnamed)) hosts.set(id, name);
  const results = await upsertOpenAlerts(
    tx,
    inputs.map((input) =>
      openAlertRow(
        {
          subject_name: input.subjectName ?? (input.subjectKind === 'host' ? (hosts.get(input.subjectId) ?? null) : (institutions.get(input.institutionCode) ?? null)),
          institution_name: institutions.get(input.institutionCode) ?? null,
          id: newId('al'),
          subject_kind: input.subjectKind,
          subject_id: input.subjectId,
          rule_id: input.ruleId,
          kind: input.kind,
          severity: input.severity,
          institution_code: input.institutionCode,
          region_code: input.regionCode,
          evidence: JSON.stringify(input.evidence),
        },
        at,
      ),
    ),
  );
  await insertAlertEvents(
    tx,
    results.map((r, k) => eventRow(r.alert.id, at, { type: 'system' }, r.inserted ? 'opened' : 'repeated', { evidence: inputs[k]!.evidence, count: r.alert.count })),
  );
  await queueNotifications(
    tx,
    results.filter((r) => r.inserted).map((r) => r.alert),
    deps.now(),
  );
  return results.map((r) => ({ change: r.inserted ? 'opened' : 'updated', row: r.alert }));
}

/** Resolves the open episodes of `keys` (if any) in `tx`: one statement for all subjects, one for the events. */
async function clearIn(tx: Db, keys: ClearKey[], at: string): Promise<AlertMove[]> {
  const bySubject = new Map<string, { subjectKind: ClearKey['subjectKind']; subjectId: string; ruleIds: string[] }>();
  for (const k of keys) {
    const subject = `${k.subjectKind}:${k.subjectId}`;
    if (!bySubject.has(subject)) bySubject.set(subject, { subjectKind: k.subjectKind, subjectId: k.subjectId, ruleIds: [] });
    bySubject.get(subject)!.ruleIds.push(k.ruleId);
  }
  const resolved = await resolveOpenAlerts(tx, [...bySubject.values()], at, 'system');
  const reasons = new Map(keys.map((k) => [`${k.subjectKind}:${k.subjectId}:${k.ruleId}`, k.reason]));
  await insertAlertEvents(
    tx,
    resolved.map((r) => eventRow(r.id, at, { type: 'system' }, 'resolved', { reason: reasons.get(`${r.subject_kind}:${r.subject_id}:${r.rule_id}`) })),
  );
  return resolved.map((row) => ({ change: 'resolved', row }));
}

/** After the commit: what watches alerts hears of the moves. */
export function announceAlerts(deps: ServiceDeps, moves: AlertMove[]): void {
  for (const m of moves) announce(deps, m.change, m.row);
}

/**
 * Opens the (subject, rule) alert or counts a repeat on the open one, records the event and queues
 * notifications for a new episode, all in one transaction; announces it after the commit.
 */
export async function raiseAlert(deps: ServiceDeps, input: RaiseInput): Promise<{ alert: AlertView; opened: boolean }> {
  const at = deps.now().toISOString();
  const [move] = await deps.db.transaction().execute((tx) => raiseIn(deps, tx, [input], at));
  announceAlerts(deps, [move!]);
  return { alert: viewOf(move!.row), opened: move!.change === 'opened' };
}

/** The condition cleared: the open episode (if any) resolves; a return of the condition is a new episode. */
export async function clearAlert(deps: ServiceDeps, key: { subjectKind: AlertRow['subject_kind']; subjectId: string; ruleId: string }, reason: { zh: string; en: string }): Promise<AlertView | null> {
  const at = deps.now().toISOString();
  const moves = await deps.db.transaction().execute((tx) => clearIn(tx, [{ ...key, reason }], at));
  announceAlerts(deps, moves);
  return moves[0] ? viewOf(moves[0].row) : null;
}

/** What findings' changes mean for their alerts: open on a new failure that matters, resolve on a pass. */
function alertActions(changes: FindingChange[]): { raises: RaiseInput[]; clears: ClearKey[] } {
  const raises: RaiseInput[] = [];
  const clears: ClearKey[] = [];
  for (const c of changes) {
    const key = { subjectKind: c.subjectKind, subjectId: c.subjectId, ruleId: c.ruleId };
    if (c.to === 'fail' && c.from !== 'fail') {
      if (DIGESTED.has(c.ruleId)) continue;
      // Institution rules are dated obligations (filing, evaluation, yearly governance): a failure means a deadline passed.
      const kind: AlertKind = c.subjectKind === 'institution' && !NOT_DEADLINES.has(c.ruleId) ? 'deadline' : 'finding';
      if (kind === 'finding' && (!ALERTING_SEVERITIES.has(c.severity) || ALERTED_ON_INGEST.has(c.ruleId))) continue;
      raises.push({ ...key, kind, severity: c.severity, institutionCode: c.institutionCode, regionCode: c.regionCode, evidence: c.evidence });
    } else if (c.to === 'pass' || c.to === 'not-applicable') {
      clears.push({ ...key, reason: { zh: '检查已通过', en: `the finding is now ${c.to}` } });
    }
    // 'unknown' neither opens nor resolves: missing data is no proof that the risk went away.
  }
  return { raises, clears };
}

/**
 * The alerts of findings' changes, in the caller's transaction (ingest's: a report and the alerts
 * it opens or resolves commit together); the moves are announced after the commit (`announceAlerts`).
 */
export async function alertsForFindingChanges(deps: ServiceDeps, tx: Db, changes: FindingChange[], names?: SubjectNames): Promise<AlertMove[]> {
  const { raises, clears } = alertActions(changes);
  if (!raises.length && !clears.length) return [];
  const at = deps.now().toISOString();
  // Different alerts (a change either raises or clears its own): sent together, one wait for both.
  const [raised, cleared] = await together(
    tx,
    (d) => raiseIn(deps, d, raises, at, names),
    (d) => clearIn(d, clears, at),
  );
  return [...raised, ...cleared];
}

/** A finding's change that its writer did not handle: its alert in a transaction of its own (the alert engine). */
export async function onFindingChanged(deps: ServiceDeps, c: FindingChange): Promise<void> {
  if (c.alerted) return;
  const { raises, clears } = alertActions([c]);
  if (!raises.length && !clears.length) return;
  announceAlerts(deps, await deps.db.transaction().execute((tx) => alertsForFindingChanges(deps, tx, [c])));
}

export async function onIdentityConflict(deps: ServiceDeps, e: { hostId: string; institutionCode: string; regionCode: string; detail: Record<string, unknown> }): Promise<void> {
  const observed = String(e.detail.observed ?? '');
  await raiseAlert(deps, {
    subjectKind: 'host',
    subjectId: e.hostId,
    ruleId: IDENTITY_RULE,
    kind: 'identity',
    severity: 'high',
    institutionCode: e.institutionCode,
    regionCode: e.regionCode,
    evidence: { zh: `主机上报了另一台机器的标识 ${observed}：探针配置可能被复制`, en: `the host reported another machine's id ${observed}: its agent configuration may have been copied` },
  });
}

/** The every-minute job that keeps the alert counts a few rows per institution (each alert change adds one). */
export const foldAlertCounts = (deps: ServiceDeps): Promise<number> => compactAlertCounts(deps.db);

/**
 * The every-minute job: agents silent past the threshold raise an offline alert; ones seen again
 * since resolve theirs, as do identity conflicts the host has since cleared. Idempotent.
 */
export async function detectOffline(deps: ServiceDeps, opts: AlertOptions = DEFAULT_ALERT_OPTIONS): Promise<{ opened: number; resolved: number }> {
  const before = new Date(deps.now().getTime() - opts.offlineAfterMs).toISOString();
  const minutes = Math.round(opts.offlineAfterMs / 60_000);
  let opened = 0;
  let resolved = 0;
  for (const h of await listSilentHostsWithoutAlert(deps.db, before, OFFLINE_RULE)) {
    const r = await raiseAlert(deps, {
      subjectKind: 'host',
      subjectId: h.id,
      ruleId: OFFLINE_RULE,
      kind: 'offline',
      severity: 'high',
      institutionCode: h.institution_code,
      regionCode: h.region_code,
      evidence: { zh: `${h.hostname} 自 ${h.last_seen_at} 起无心跳（阈值 ${minutes} 分钟）`, en: `${h.hostname} silent since ${h.last_seen_at} (threshold ${minutes} min)` },
    });
    if (r.opened) opened++;
  }
  for (const a of await listHostAlertsSeenSince(deps.db, before, OFFLINE_RULE)) {
    if (await clearAlert(deps, { subjectKind: 'host', subjectId: a.subject_id, ruleId: OFFLINE_RULE }, { zh: `探针于 ${a.last_seen_at} 恢复上报`, en: `agent seen again at ${a.last_seen_at}` }))
      resolved++;
  }
  for (const a of await listIdentityAlertsCleared(deps.db, IDENTITY_RULE)) {
    if (await clearAlert(deps, { subjectKind: 'host', subjectId: a.subject_id, ruleId: IDENTITY_RULE }, { zh: '主机标识已恢复一致', en: 'the host reports its own identity again' })) resolved++;
  }
  return { opened, resolved };
}

/** Sustained failed sign-ins on an account: its alert opens, or counts a repeat (signInAlerts.ts). */
export async function onSustainedFailures(deps: ServiceDeps, e: EventMap['auth.sustained-failures']): Promise<void> {
  const alert = await signInAlertOf(deps, e);
  if (alert) await raiseAlert(deps, alert);
}

/** The every-minute job's other half: accounts whose failed sign-ins stopped for a whole window resolve their alert. */
export async function resolveQuietSignIns(deps: ServiceDeps): Promise<number> {
  let resolved = 0;
  for (const key of await quietSignInAlerts(deps)) if (await clearAlert(deps, key, { zh: '登录失败已停止', en: 'the failed sign-ins stopped' })) resolved++;
  return resolved;
}

// ---- people's work on alerts ------------------------------------------------------------------------------
async function visibleAlert(deps: ServiceDeps, scope: Scope, id: string): Promise<AlertRow> {
  const row = await getAlert(deps.db, scope, id);
  // Out of scope and nonexistent look the same: nothing leaks about other regions' alerts.
  if (!row) throw forbidden(`alert ${id} is not visible to you`);
  return row;
}

export async function listAlertViews(deps: ServiceDeps, scope: Scope, filter: AlertFilter) {
  const { rows, total } = await listAlerts(deps.db, scope, filter);
  return { items: rows.map(viewOf), total, limit: filter.limit, offset: filter.offset };
}

export async function getAlertDetail(deps: ServiceDeps, scope: Scope, id: string) {
  const row = await visibleAlert(deps, scope, id);
  const events = await listAlertEvents(deps.db, id);
  return {
    ...viewOf(row),
    events: events.map((e) => ({ id: e.id, at: e.at, action: e.action, actor: { type: e.actor_type, id: e.actor_id, name: e.actor_name }, detail: JSON.parse(e.detail) as Record<string, unknown> })),
  };
}

/** One person's change: applied only while the alert is unresolved, kept as an event, announced. */
async function changeAlert(deps: ServiceDeps, principal: Principal, id: string, action: AlertEventRow['action'], set: Parameters<typeof updateUnresolvedAlert>[2], detail: Record<string, unknown>) {
  await visibleAlert(deps, principal.scope, id);
  const at = deps.now().toISOString();
  const row = await deps.db.transaction().execute(async (tx) => {
    const r = await updateUnresolvedAlert(tx, id, { ...set, updated_at: at });
    if (r) await insertAlertEvents(tx, [eventRow(id, at, { type: 'user', principal }, action, detail)]);
    return r;
  });
  if (!row) throw conflict(`alert ${id} is already resolved`);
  announce(deps, row.status === 'resolved' ? 'resolved' : 'updated', row);
  // The alert as it now stands, without its history: an answer's size must not grow with the alert's age (alerts.get has the events).
  return viewOf(row);
}

/** Whoever acknowledges an alert nobody handles yet becomes its handler (处理人). */
export async function acknowledgeAlert(deps: ServiceDeps, principal: Principal, id: string, note?: string) {
  const alert = await visibleAlert(deps, principal.scope, id);
  const at = deps.now().toISOString();
  const takes = alert.assignee_id ? {} : { assignee_id: principal.userId, assignee_name: principal.displayName };
  return changeAlert(deps, principal, id, 'acknowledged', { status: 'acknowledged', acknowledged_at: at, acknowledged_by: principal.username, ...takes }, note ? { note } : {});
}

/**
 * Why the alert's condition still holds now, or null. A person may resolve only what has cleared
 * (or what the data cannot tell): resolving a live failure would hide it until its next pass→fail.
 */
async function conditionStillHolds(deps: ServiceDeps, alert: AlertRow): Promise<string | null> {
  if (alert.rule_id === NOTICE_OVERDUE_RULE) {
    const overdue = (await listOverdueNotices(deps.db, chinaDate(deps.now()))).filter((n) => n.institution_code === alert.subject_id);
    return overdue.length ? `${overdue.length} rectification notice(s) are still past their deadline (${overdue.map((n) => n.number).join(', ')})` : null;
  }
  if ((alert.kind === 'finding' || alert.kind === 'deadline') && alert.subject_kind !== 'user') {
    const finding = (await getFindings(deps.db, alert.subject_kind, alert.subject_id)).find((f) => f.rule_id === alert.rule_id);
    if (finding?.status !== 'fail') return null;
    const evidence = JSON.parse(finding.evidence) as { zh?: string };
    return `the check ${alert.rule_id} still fails (${evidence.zh ?? ''}, evaluated ${finding.evaluated_at})`;
  }
  const host = alert.subject_kind === 'host' ? await getHost(deps.db, { kind: 'all' }, alert.subject_id) : undefined;
  if (!host) return null;
  if (alert.kind === 'offline' && (host.last_seen_at === null || host.last_seen_at <= alert.opened_at))
    return `the agent has not reported since the alert opened (last seen ${host.last_seen_at ?? 'never'})`;
  if (alert.kind === 'identity' && host.identity_conflict !== null) return "the host still reports another machine's identity";
  return null;
}

export async function resolveAlert(deps: ServiceDeps, principal: Principal, id: string, note?: string) {
  const alert = await visibleAlert(deps, principal.scope, id);
  const holds = alert.status === 'resolved' ? null : await conditionStillHolds(deps, alert);
  if (holds) throw conflict(`not resolved: ${holds}; it resolves by itself once the condition clears. Acknowledge it or add a comment to record what was done`);
  const at = deps.now().toISOString();
  return changeAlert(deps, principal, id, 'resolved', { status: 'resolved', resolved_at: at, resolved_by: principal.username }, note ? { note } : {});
}

/** Assigns to a user who may see the alert (null unassigns). */
export async function assignAlert(deps: ServiceDeps, principal: Principal, id: string, userId: string | null) {
  const alert = await visibleAlert(deps, principal.scope, id);
  if (userId === null) return changeAlert(deps, principal, id, 'assigned', { assignee_id: null, assignee_name: null }, { assignee: null });
  const user = await getUser(deps.db, userId);
  const where = { regionCode: alert.region_code, institutionCode: alert.institution_code };
  // Unknown, deleted and out-of-reach users answer alike, without a name: ids are not a directory.
  if (!user || user.deleted_at || !visibleIn(scopeOf(user), where)) throw badRequest('that user cannot work this alert: pick someone who can see it');
  return changeAlert(deps, principal, id, 'assigned', { assignee_id: user.id, assignee_name: user.display_name }, { assignee: { id: user.id, username: user.username } });
}

/** Comments are kept on resolved alerts too (a post-mortem note). */
export async function commentAlert(deps: ServiceDeps, principal: Principal, id: string, text: string) {
  const trimmed = text.trim();
  if (!trimmed) throw badRequest('a comment needs text');
  const row = await visibleAlert(deps, principal.scope, id);
  const at = deps.now().toISOString();
  await deps.db.transaction().execute(async (tx) => {
    await insertAlertEvents(tx, [eventRow(id, at, { type: 'user', principal }, 'commented', { text: trimmed })]);
    await touchAlert(tx, id, at);
  });
  announce(deps, row.resolved_at ? 'resolved' : 'updated', { ...row, updated_at: at });
  return viewOf({ ...row, updated_at: at });
}
