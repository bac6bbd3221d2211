import { sql } from 'kysely';
import { regionPrefix } from '@weian/shared';
import type { Db } from './schema.js';
import { runUnread } from './hot.js';
import { inScope, type Scope } from './scope.js';

export type AlertSeverity = 'critical' | 'high' | 'medium' | 'low';
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';
/** Why the alert exists: a failing finding, a silent agent, a passed deadline, a cloned identity, sustained failed sign-ins on an account. */
export type AlertKind = 'finding' | 'offline' | 'deadline' | 'identity' | 'sign-in';

/** Kept beside their only user, like job_runs: nothing else reads these tables. */
export interface AlertsTable {
  id: string;
  /** `user`: an account (sign-in alerts; subject_id is the username as sign-in compares it, lower-cased). */
  subject_kind: 'host' | 'institution' | 'user';
  subject_id: string;
  rule_id: string;
  kind: AlertKind;
  severity: AlertSeverity;
  status: AlertStatus;
  institution_code: string;
  region_code: string;
  /** The hostname or institution name when the alert opened (so lists and live pushes need no join). */
  subject_name: string | null;
  institution_name: string | null;
  /** JSON {zh, en}. */
  evidence: string;
  /** How many times the condition was raised in this episode. */
  count: number;
  opened_at: string;
  last_seen_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  assignee_id: string | null;
  assignee_name: string | null;
  resolved_at: string | null;
  /** 'system' when the condition cleared, else the username. */
  resolved_by: string | null;
  updated_at: string;
}
export interface AlertEventsTable {
  id: string;
  alert_id: string;
  at: string;
  actor_type: 'system' | 'user';
  actor_id: string | null;
  actor_name: string;
  action: 'opened' | 'repeated' | 'acknowledged' | 'assigned' | 'commented' | 'resolved';
  /** JSON. */
  detail: string;
}
/** Alerts counted per institution, status and severity: a row (+1 or -1) per change, added by triggers on alerts (migration 2026-12-07-43) and folded by compactAlertCounts. */
export interface AlertCountsTable {
  region_code: string;
  institution_code: string;
  status: AlertStatus;
  severity: AlertSeverity;
  n: number;
}
export type AlertRow = AlertsTable;
export type AlertEventRow = AlertEventsTable;

const alertsDb = (db: Db) => db.withTables<{ alerts: AlertsTable; alert_events: AlertEventsTable; alert_counts: AlertCountsTable }>();
export const ALERT_COLS = { region: 'alerts.region_code', institution: 'alerts.institution_code' } as const;

/** What a new episode of an alert is before anyone works on it: open, seen once, nobody's. */
export function openAlertRow(
  a: Pick<AlertRow, 'id' | 'subject_kind' | 'subject_id' | 'subject_name' | 'rule_id' | 'kind' | 'severity' | 'institution_code' | 'institution_name' | 'region_code' | 'evidence'>,
  at: string,
): AlertRow {
  return {
    ...a,
    status: 'open',
    count: 1,
    opened_at: at,
    last_seen_at: at,
    acknowledged_at: null,
    acknowledged_by: null,
    assignee_id: null,
    assignee_name: null,
    resolved_at: null,
    resolved_by: null,
    updated_at: at,
  };
}

/**
 * Opens each (subject, rule) alert, or counts a repeat on the one already open, in one statement.
 * The partial unique index makes this race-free across processes: `inserted` tells who opened it.
 * Keys must be distinct (PostgreSQL refuses to update one row twice in a statement).
 */
export async function upsertOpenAlerts(db: Db, rows: AlertRow[]): Promise<Array<{ alert: AlertRow; inserted: boolean }>> {
  if (!rows.length) return [];
  const alerts = await alertsDb(db)
    .insertInto('alerts')
    .values(rows)
    .onConflict((oc) =>
      oc
        .columns(['subject_kind', 'subject_id', 'rule_id'])
        .where('resolved_at', 'is', null)
        .doUpdateSet((eb) => ({
          count: eb(eb.ref('alerts.count'), '+', 1),
          last_seen_at: eb.ref('excluded.last_seen_at'),
          severity: eb.ref('excluded.severity'),
          evidence: eb.ref('excluded.evidence'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
    )
    .returningAll()
    .execute();
  // RETURNING promises no order: rows are matched to their input by key.
  const byKey = new Map(alerts.map((a) => [alertKey(a), a]));
  return rows.map((row) => {
    const alert = byKey.get(alertKey(row))!;
    return { alert, inserted: alert.id === row.id };
  });
}
const alertKey = (a: Pick<AlertRow, 'subject_kind' | 'subject_id' | 'rule_id'>) => `${a.subject_kind}\u0000${a.subject_id}\u0000${a.rule_id}`;

/**
 * Resolves the open episodes of subjects' rules (a report group's hosts' passing rules), in one statement;
 * returns them (resolved) so the caller can announce them.
 */
export function resolveOpenAlerts(db: Db, keys: Array<{ subjectKind: AlertRow['subject_kind']; subjectId: string; ruleIds: string[] }>, at: string, by: string): Promise<AlertRow[]> {
  const wanted = keys.filter((k) => k.ruleIds.length);
  if (!wanted.length) return Promise.resolve([]);
  const distinct = <T>(f: (k: (typeof wanted)[number]) => T[]): T[] => [...new Set(wanted.flatMap(f))];
  return (
    alertsDb(db)
      .updateTable('alerts')
      .set({ status: 'resolved', resolved_at: at, resolved_by: by, updated_at: at })
      // The index of open alerts is searched by the kinds × ids × rules named (an OR of subjects alone
      // makes SQLite scan it whole); each subject's own terms then keep only its rules.
      .where(
        'subject_kind',
        'in',
        distinct((k) => [k.subjectKind]),
      )
      .where(
        'subject_id',
        'in',
        distinct((k) => [k.subjectId]),
      )
      .where(
        'rule_id',
        'in',
        distinct((k) => k.ruleIds),
      )
      .where((eb) => eb.or(wanted.map((k) => eb.and([eb('subject_kind', '=', k.subjectKind), eb('subject_id', '=', k.subjectId), eb('rule_id', 'in', k.ruleIds)]))))
      .where('resolved_at', 'is', null)
      .returningAll()
      .execute()
  );
}

/** An alert only when it lies in `scope`. */
export function getAlert(db: Db, scope: Scope, id: string) {
  return alertsDb(db)
    .selectFrom('alerts')
    .selectAll()
    .where('id', '=', id)
    .where(inScope(scope, ALERT_COLS) as never)
    .executeTakeFirst();
}

/** Applies a person's change to an alert that is still unresolved; undefined when it is not (any more). */
export function updateUnresolvedAlert(
  db: Db,
  id: string,
  set: Partial<Pick<AlertRow, 'status' | 'acknowledged_at' | 'acknowledged_by' | 'assignee_id' | 'assignee_name' | 'resolved_at' | 'resolved_by' | 'updated_at'>>,
) {
  return alertsDb(db).updateTable('alerts').set(set).where('id', '=', id).where('resolved_at', 'is', null).returningAll().executeTakeFirst();
}

export async function touchAlert(db: Db, id: string, at: string): Promise<void> {
  await alertsDb(db).updateTable('alerts').set({ updated_at: at }).where('id', '=', id).execute();
}

export interface AlertFilter {
  status?: AlertStatus[] | undefined;
  severity?: AlertSeverity[] | undefined;
  regionCode?: string | undefined;
  institutionCode?: string | undefined;
  /** 'recent' (default): newest activity first; 'severity': critical first, then newest activity. */
  sort?: AlertSort | undefined;
  limit: number;
  offset: number;
}
export type AlertSort = 'recent' | 'severity';

/** What a list or a count narrows alerts to; `regionPrefix`: the leading digits of the region codes under a region. */
type AlertWhere = Pick<AlertFilter, 'status' | 'severity' | 'institutionCode'> & { regionPrefix?: string | undefined };

/** The alerts of `f`, or their counts (`alert_counts` has the same columns to filter on). */
function filtered(db: Db, scope: Scope, f: AlertWhere, table: 'alerts' | 'alert_counts' = 'alerts') {
  let q = alertsDb(db)
    .selectFrom(table as 'alerts')
    .where(inScope(scope, { region: `${table}.region_code`, institution: `${table}.institution_code` }) as never);
  if (f.status?.length) q = q.where('status', 'in', f.status);
  if (f.severity?.length) q = q.where('severity', 'in', f.severity);
  // A region filter covers everything under it: a city code matches its counties.
  if (f.regionPrefix) q = q.where('region_code', 'like', `${f.regionPrefix}%`);
  if (f.institutionCode) q = q.where('institution_code', '=', f.institutionCode);
  return q;
}

// The order of the index alerts_unresolved_by_severity (migration 2026-12-07-43): keep the two alike.
const SEVERITY_RANK = sql<number>`case severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2 else 3 end`;

/** Only unresolved alerts asked for: resolved_at is null exactly then, and says so in the terms of the partial index. */
const unresolvedOnly = (status: AlertStatus[] | undefined) => Boolean(status?.length) && !status!.includes('resolved');

/** Newest activity first, or by severity first; the total lets the caller page. */
export async function listAlerts(db: Db, scope: Scope, f: AlertFilter): Promise<{ rows: AlertRow[]; total: number }> {
  const where: AlertWhere = { status: f.status, severity: f.severity, institutionCode: f.institutionCode, regionPrefix: f.regionCode && regionPrefix(f.regionCode) };
  let q = filtered(db, scope, where).selectAll();
  if (unresolvedOnly(f.status)) q = q.where('resolved_at', 'is', null);
  if (f.sort === 'severity') q = q.orderBy(SEVERITY_RANK);
  const total = Object.values(await countBySeverity(db, scope, where)).reduce((a, b) => a + b, 0);
  // Past the last alert there is nothing to look for (the index would be read to its end).
  const rows = total > f.offset ? await q.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute() : [];
  return { rows, total };
}

/** The filter's alerts counted by severity, summed from the kept counts (a few rows per institution). */
async function countBySeverity(db: Db, scope: Scope, f: AlertWhere): Promise<Record<string, number>> {
  const rows = await filtered(db, scope, f, 'alert_counts')
    .select(['severity', sql<string | number>`sum(n)`.as('n')])
    .groupBy('severity')
    .execute();
  // PostgreSQL sums integers as bigint (a string).
  return Object.fromEntries(rows.map((r) => [r.severity, Number(r.n)]));
}

/** Unresolved alerts by severity under a region prefix, in the caller's scope (the overview KPIs). */
export function countOpenBySeverity(db: Db, scope: Scope, regionPrefix: string): Promise<Record<string, number>> {
  return countBySeverity(db, scope, { status: ['open', 'acknowledged'], regionPrefix });
}

/**
 * Folds each key's count rows (one added per alert change by the triggers) into one row, dropping keys
 * that sum to nothing; returns how many rows it removed. It sums exactly the rows it deleted: a change
 * another transaction adds meanwhile is not deleted, so it is never lost.
 */
export async function compactAlertCounts(db: Db): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const gone = await sql<AlertCountsTable>`delete from alert_counts
      where (region_code, institution_code, status, severity) in (
        select region_code, institution_code, status, severity from alert_counts
        group by region_code, institution_code, status, severity having count(*) > 1)
      returning region_code, institution_code, status, severity, n`.execute(tx);
    const sums = new Map<string, AlertCountsTable>();
    for (const r of gone.rows) {
      const key = JSON.stringify([r.region_code, r.institution_code, r.status, r.severity]);
      const held = sums.get(key);
      if (held) held.n += Number(r.n);
      else sums.set(key, { ...r, n: Number(r.n) });
    }
    const rows = [...sums.values()].filter((r) => r.n !== 0);
    // Under SQLite's limit of bound values per statement (5 per row).
    for (let i = 0; i < rows.length; i += 1000)
      await alertsDb(tx)
        .insertInto('alert_counts')
        .values(rows.slice(i, i + 1000))
        .execute();
    return gone.rows.length - rows.length;
  });
}

export async function insertAlertEvents(db: Db, rows: AlertEventRow[]): Promise<void> {
  if (rows.length) await runUnread(db, alertsDb(db).insertInto('alert_events').values(rows));
}

export function listAlertEvents(db: Db, alertId: string) {
  return alertsDb(db).selectFrom('alert_events').selectAll().where('alert_id', '=', alertId).orderBy('at').orderBy('id').execute();
}

/** Hosts (not retired) silent since `before`, with no open alert for `ruleId` yet. */
export function listSilentHostsWithoutAlert(db: Db, before: string, ruleId: string) {
  return alertsDb(db)
    .selectFrom('hosts')
    .innerJoin('institutions', 'institutions.code', 'hosts.institution_code')
    .select(['hosts.id', 'hosts.hostname', 'hosts.institution_code', 'institutions.region_code', 'hosts.last_seen_at'])
    .where('hosts.status', '!=', 'retired')
    .where('hosts.last_seen_at', '<', before)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('alerts')
            .select(sql<number>`1`.as('one'))
            .where('alerts.subject_kind', '=', 'host')
            .whereRef('alerts.subject_id', '=', 'hosts.id')
            .where('alerts.rule_id', '=', ruleId)
            .where('alerts.resolved_at', 'is', null),
        ),
      ),
    )
    .execute();
}

/** Open `ruleId` alerts whose host has been seen since `after` (heartbeats emit no event, so the job looks). */
export function listHostAlertsSeenSince(db: Db, after: string, ruleId: string) {
  return alertsDb(db)
    .selectFrom('alerts')
    .innerJoin('hosts', 'hosts.id', 'alerts.subject_id')
    .select(['alerts.subject_id', 'hosts.last_seen_at'])
    .where('alerts.subject_kind', '=', 'host')
    .where('alerts.rule_id', '=', ruleId)
    .where('alerts.resolved_at', 'is', null)
    .where('hosts.last_seen_at', '>=', after)
    .execute();
}

/** Open identity alerts whose host no longer carries a conflict (ingest clears it when the ids match again). */
export function listIdentityAlertsCleared(db: Db, ruleId: string) {
  return alertsDb(db)
    .selectFrom('alerts')
    .innerJoin('hosts', 'hosts.id', 'alerts.subject_id')
    .select(['alerts.subject_id'])
    .where('alerts.subject_kind', '=', 'host')
    .where('alerts.rule_id', '=', ruleId)
    .where('alerts.resolved_at', 'is', null)
    .where('hosts.identity_conflict', 'is', null)
    .execute();
}

/** The open alerts of one of the server's own rules, with what names their subject. */
export function listOpenAlertsOfRule(db: Db, ruleId: string) {
  return alertsDb(db).selectFrom('alerts').select(['subject_kind', 'subject_id', 'opened_at']).where('rule_id', '=', ruleId).where('resolved_at', 'is', null).execute();
}
