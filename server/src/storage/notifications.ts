import { sql } from 'kysely';
import type { Db } from './schema.js';
import type { AlertSeverity, AlertsTable } from './alerts.js';

export type ChannelKind = 'webhook' | 'wecom' | 'dingtalk' | 'feishu';
export type ChannelMode = 'immediate' | 'hourly' | 'daily';

export interface NotificationChannelsTable {
  id: string;
  /** The region whose alerts (and its sub-regions') the channel receives. */
  region_code: string;
  name: string;
  kind: ChannelKind;
  url: string;
  /** Signing secret (webhook HMAC, DingTalk, Feishu); kept in clear because signing needs it, never returned. */
  secret: string | null;
  min_severity: AlertSeverity;
  mode: ChannelMode;
  /** 'HH:MM' China time; both set or both null. */
  quiet_start: string | null;
  quiet_end: string | null;
  enabled: number;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at: string | null;
}
export interface NotificationDeliveriesTable {
  id: string;
  channel_id: string;
  /** Same key, same message: 'inst:<code>' for immediate groups, 'digest:<bucket>' for digests. */
  group_key: string;
  institution_code: string | null;
  /** collecting (still taking alerts) → pending (closed, to send) → sending → sent | failed. */
  status: 'collecting' | 'pending' | 'sending' | 'sent' | 'failed';
  items: number;
  due_at: string;
  attempts: number;
  next_attempt_at: string;
  created_at: string;
  sent_at: string | null;
  last_error: string | null;
}
export interface NotificationItemsTable {
  delivery_id: string;
  alert_id: string;
  change: 'opened' | 'resolved';
  at: string;
}
export interface NotificationAttemptsTable {
  id: string;
  delivery_id: string;
  at: string;
  ok: number;
  http_status: number | null;
  error: string | null;
  duration_ms: number;
}
export type ChannelRow = NotificationChannelsTable;
export type DeliveryRow = NotificationDeliveriesTable;

const ndb = (db: Db) =>
  db.withTables<{
    notification_channels: NotificationChannelsTable;
    notification_deliveries: NotificationDeliveriesTable;
    notification_items: NotificationItemsTable;
    notification_attempts: NotificationAttemptsTable;
    alerts: AlertsTable;
  }>();

// ---- channels ------------------------------------------------------------------------------------------
export async function insertChannel(db: Db, row: ChannelRow): Promise<void> {
  await ndb(db).insertInto('notification_channels').values(row).execute();
}

export async function updateChannel(db: Db, id: string, set: Partial<Omit<ChannelRow, 'id' | 'region_code' | 'created_at' | 'created_by'>>): Promise<void> {
  await ndb(db).updateTable('notification_channels').set(set).where('id', '=', id).where('deleted_at', 'is', null).execute();
}

/** Channels configured at a region under `prefix` (the caller's scope, as a region-code prefix; '' for all). */
export function listChannels(db: Db, prefix: string) {
  return ndb(db)
    .selectFrom('notification_channels')
    .selectAll()
    .where('deleted_at', 'is', null)
    .where('region_code', 'like', `${prefix}%`)
    .orderBy('region_code')
    .orderBy('name')
    .orderBy('id')
    .execute();
}

export function getChannel(db: Db, id: string) {
  return ndb(db).selectFrom('notification_channels').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

/** Enabled channels configured at any of `regionCodes` (an alert's county and the city and province above). */
export function listChannelsFor(db: Db, regionCodes: string[]) {
  return ndb(db).selectFrom('notification_channels').selectAll().where('deleted_at', 'is', null).where('enabled', '=', 1).where('region_code', 'in', regionCodes).execute();
}

// ---- the outbox ------------------------------------------------------------------------------------------
/**
 * Adds an alert to the open group (channel, key), creating the group when none is collecting.
 * The counter update takes the group's row lock, so a sender closing the group either sees this item
 * or makes this call start a new group: an item never lands in a message already rendered.
 */
export async function addToGroup(db: Db, group: Omit<DeliveryRow, 'status' | 'items' | 'attempts' | 'sent_at' | 'last_error'>, item: Omit<NotificationItemsTable, 'delivery_id'>): Promise<string> {
  for (;;) {
    await ndb(db)
      .insertInto('notification_deliveries')
      .values({ ...group, status: 'collecting', items: 0, attempts: 0, sent_at: null, last_error: null })
      // The predicate is written out: SQLite matches a partial index only against a literal, not a parameter.
      .onConflict((oc) =>
        oc
          .columns(['channel_id', 'group_key'])
          .where(sql<boolean>`status = 'collecting'`)
          .doNothing(),
      )
      .execute();
    const held = await ndb(db)
      .updateTable('notification_deliveries')
      .set((eb) => ({ items: eb(eb.ref('items'), '+', 1) }))
      .where('channel_id', '=', group.channel_id)
      .where('group_key', '=', group.group_key)
      .where('status', '=', 'collecting')
      .returning('id')
      .executeTakeFirst();
    if (!held) continue;
    await ndb(db)
      .insertInto('notification_items')
      .values({ ...item, delivery_id: held.id })
      .execute();
    return held.id;
  }
}

/** Groups whose window has passed stop collecting and become due. */
export async function closeDueGroups(db: Db, now: string): Promise<number> {
  const r = await ndb(db).updateTable('notification_deliveries').set({ status: 'pending' }).where('status', '=', 'collecting').where('due_at', '<=', now).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Deliveries due for an attempt, oldest first. */
export function listDueDeliveries(db: Db, now: string, limit: number) {
  return ndb(db).selectFrom('notification_deliveries').selectAll().where('status', '=', 'pending').where('next_attempt_at', '<=', now).orderBy('next_attempt_at').orderBy('id').limit(limit).execute();
}

/** Takes a delivery for sending; false when another process took it first. */
export async function claimDelivery(db: Db, id: string): Promise<boolean> {
  const r = await ndb(db).updateTable('notification_deliveries').set({ status: 'sending' }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function finishDelivery(db: Db, id: string, set: Pick<DeliveryRow, 'status' | 'attempts' | 'next_attempt_at' | 'sent_at' | 'last_error'>): Promise<void> {
  await ndb(db).updateTable('notification_deliveries').set(set).where('id', '=', id).execute();
}

/** The alerts a delivery reports, with what happened to each. */
export function listDeliveryAlerts(db: Db, deliveryId: string) {
  return ndb(db)
    .selectFrom('notification_items')
    .innerJoin('alerts', 'alerts.id', 'notification_items.alert_id')
    .innerJoin('institutions', 'institutions.code', 'alerts.institution_code')
    .leftJoin('hosts', (j) => j.onRef('hosts.id', '=', 'alerts.subject_id').on('alerts.subject_kind', '=', 'host'))
    .selectAll('alerts')
    .select(['notification_items.change', 'notification_items.at as item_at', 'institutions.name as institution_name', 'hosts.hostname'])
    .where('notification_items.delivery_id', '=', deliveryId)
    .orderBy('alerts.institution_code')
    .orderBy('notification_items.at')
    .execute();
}

export async function insertAttempt(db: Db, row: NotificationAttemptsTable): Promise<void> {
  await ndb(db).insertInto('notification_attempts').values(row).execute();
}

export function listAttempts(db: Db, deliveryId: string) {
  return ndb(db).selectFrom('notification_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('at').execute();
}

export function listDeliveries(db: Db, channelId: string) {
  return ndb(db).selectFrom('notification_deliveries').selectAll().where('channel_id', '=', channelId).orderBy('created_at').orderBy('id').execute();
}

/** Send attempts recorded so far, by channel kind and result (every process's, for /metrics). */
export function countAttemptsByKind(db: Db) {
  return ndb(db)
    .selectFrom('notification_attempts')
    .innerJoin('notification_deliveries', 'notification_deliveries.id', 'notification_attempts.delivery_id')
    .innerJoin('notification_channels', 'notification_channels.id', 'notification_deliveries.channel_id')
    .select((eb) => ['notification_channels.kind as kind', 'notification_attempts.ok as ok', eb.fn.countAll<number | string>().as('n')])
    .groupBy(['notification_channels.kind', 'notification_attempts.ok'])
    .execute();
}
