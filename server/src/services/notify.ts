import type { AlertRow, AlertSeverity } from '../storage/alerts.js';
import {
  addToGroup,
  claimDelivery,
  closeDueGroups,
  finishDelivery,
  getChannel,
  insertAttempt,
  listChannelsFor,
  listDeliveryAlerts,
  listDueDeliveries,
  type ChannelRow,
  type DeliveryRow,
} from '../storage/notifications.js';
import type { Db } from '../storage/schema.js';
import { regionAncestors } from '@weian/shared';
import { CHANNELS, fetchSender, type NotificationMessage, type Sender } from './channels/index.js';
import { destinationAllowed } from './channels/destinations.js';
import { ruleTitle } from './alertRules.js';
import type { ServiceDeps } from './deps.js';
import { newId } from './secrets.js';

/** Alerts of one institution arriving this close together go out as one message (a burst is one message). */
export const GROUP_WINDOW_MS = 30_000;
/** Daily digests go out at 09:00 China time. */
const DAILY_DIGEST_MINUTE = 9 * 60;
const CHINA_OFFSET_MIN = 8 * 60;
const SEVERITY_RANK: Record<AlertSeverity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

export interface SendOptions {
  send: Sender;
  maxAttempts: number;
  /** Backoff after the n-th failure: base × 2^(n−1), capped. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  batch: number;
}
export const DEFAULT_SEND_OPTIONS: SendOptions = { send: fetchSender(), maxAttempts: 8, backoffBaseMs: 30_000, backoffMaxMs: 3_600_000, batch: 100 };

const chinaMinuteOfDay = (t: Date) => (((t.getUTCHours() * 60 + t.getUTCMinutes() + CHINA_OFFSET_MIN) % 1440) + 1440) % 1440;
const hhmm = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

/** The first instant at or after `t` whose China time of day is `minute` (whole minutes). */
function nextChinaMinute(t: Date, minute: number): Date {
  const start = new Date(Math.ceil(t.getTime() / 60_000) * 60_000);
  const wait = (minute - chinaMinuteOfDay(start) + 1440) % 1440;
  return new Date(start.getTime() + wait * 60_000);
}

/** Whether `t` falls in the channel's quiet hours (China time; a window may wrap past midnight). */
export function inQuietHours(channel: Pick<ChannelRow, 'quiet_start' | 'quiet_end'>, t: Date): boolean {
  if (!channel.quiet_start || !channel.quiet_end) return false;
  const m = chinaMinuteOfDay(t);
  const [s, e] = [hhmm(channel.quiet_start), hhmm(channel.quiet_end)];
  return s <= e ? m >= s && m < e : m >= s || m < e;
}

/** When a group opened now is sent: after the grouping window or at the digest time, never in quiet hours. */
export function dueAt(channel: Pick<ChannelRow, 'mode' | 'quiet_start' | 'quiet_end'>, now: Date): Date {
  let due =
    channel.mode === 'immediate'
      ? new Date(now.getTime() + GROUP_WINDOW_MS)
      : channel.mode === 'hourly'
        ? new Date((Math.floor(now.getTime() / 3600_000) + 1) * 3600_000)
        : nextChinaMinute(new Date(now.getTime() + 60_000), DAILY_DIGEST_MINUTE);
  if (inQuietHours(channel, due)) due = nextChinaMinute(due, hhmm(channel.quiet_end!));
  return due;
}

/**
 * Puts new alerts into the outbox of every channel that wants them: channels of their county and of
 * the city and province above, at or above their minimum severity. Runs in the alerts' transaction;
 * the channels are read once per region (a first report opens several alerts of one host).
 */
export async function queueNotifications(db: Db, alerts: AlertRow[], now: Date): Promise<number> {
  const byRegion = new Map<string, Awaited<ReturnType<typeof listChannelsFor>>>();
  let queued = 0;
  for (const alert of alerts) {
    let all = byRegion.get(alert.region_code);
    if (!all) byRegion.set(alert.region_code, (all = await listChannelsFor(db, regionAncestors(alert.region_code))));
    for (const c of all) {
      if (SEVERITY_RANK[alert.severity] < SEVERITY_RANK[c.min_severity]) continue;
      const due = dueAt(c, now).toISOString();
      await addToGroup(
        db,
        {
          id: newId('nd'),
          channel_id: c.id,
          group_key: c.mode === 'immediate' ? `inst:${alert.institution_code}` : 'digest',
          institution_code: c.mode === 'immediate' ? alert.institution_code : null,
          due_at: due,
          next_attempt_at: due,
          created_at: now.toISOString(),
        },
        { alert_id: alert.id, change: 'opened', at: now.toISOString() },
      );
      queued++;
    }
  }
  return queued;
}

/** The message a delivery carries, from its alerts as they are now. */
export async function messageFor(db: Db, delivery: DeliveryRow, mode: ChannelRow['mode']): Promise<NotificationMessage> {
  const rows = await listDeliveryAlerts(db, delivery.id);
  rows.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.institution_code.localeCompare(b.institution_code) || a.item_at.localeCompare(b.item_at));
  const alerts = rows.map((r) => ({
    id: r.id,
    change: r.change,
    severity: r.severity,
    ruleId: r.rule_id,
    ruleTitle: ruleTitle(r.rule_id).zh,
    subject: r.subject_kind === 'host' ? (r.hostname ?? r.subject_id) : r.institution_name,
    institutionCode: r.institution_code,
    institutionName: r.institution_name,
    evidence: (JSON.parse(r.evidence) as { zh: string }).zh,
    at: r.item_at,
  }));
  const institution = delivery.institution_code && rows[0] ? { code: delivery.institution_code, name: rows[0].institution_name } : null;
  const title = institution ? `卫安风险告警：${institution.name}（${alerts.length} 条）` : `卫安风险告警${mode === 'daily' ? '每日' : '每小时'}汇总（${alerts.length} 条）`;
  return { title, digest: mode !== 'immediate', institution, alerts };
}

/** Sends one message to one channel now; every call is one attempt. */
export async function sendToChannel(
  channel: Pick<ChannelRow, 'kind' | 'url' | 'secret'>,
  message: NotificationMessage,
  now: Date,
  send: Sender,
  allowList: readonly string[] | undefined,
): Promise<{ ok: boolean; httpStatus: number | null; error: string | null }> {
  const module = CHANNELS[channel.kind];
  // Checked at send time too: rows stored before destinations were limited, or an allow-list since narrowed.
  if (!destinationAllowed(channel.kind, channel.url, allowList)) return { ok: false, httpStatus: null, error: 'destination not allowed (WEIAN_CHANNEL_HOSTS)' };
  try {
    const res = await send(module.build({ url: channel.url, secret: channel.secret }, message, now));
    const error = module.rejected(res);
    return { ok: error === null, httpStatus: res.status, error };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    return { ok: false, httpStatus: null, error: [err.message, err.cause?.code, err.cause?.message].filter(Boolean).join(': ') };
  }
}

/**
 * The delivery job: closes groups whose window passed, then sends what is due, recording every
 * attempt; a failure is retried with exponential backoff until maxAttempts, then marked failed.
 */
export async function sendDueNotifications(deps: ServiceDeps, opts: Partial<SendOptions> = {}): Promise<{ sent: number; failed: number; retrying: number }> {
  const o = { ...DEFAULT_SEND_OPTIONS, ...opts };
  const out = { sent: 0, failed: 0, retrying: 0 };
  await closeDueGroups(deps.db, deps.now().toISOString());
  for (const d of await listDueDeliveries(deps.db, deps.now().toISOString(), o.batch)) {
    if (!(await claimDelivery(deps.db, d.id))) continue;
    const channel = await getChannel(deps.db, d.channel_id);
    const started = deps.now();
    const attempts = d.attempts + 1;
    const result = channel?.enabled
      ? await sendToChannel(channel, await messageFor(deps.db, d, channel.mode), started, o.send, deps.channelHosts)
      : { ok: false, httpStatus: null, error: 'the channel was deleted or disabled' };
    const at = deps.now();
    await insertAttempt(deps.db, {
      id: newId('na'),
      delivery_id: d.id,
      at: at.toISOString(),
      ok: result.ok ? 1 : 0,
      http_status: result.httpStatus,
      error: result.error,
      duration_ms: Math.max(0, at.getTime() - started.getTime()),
    });
    if (result.ok) {
      out.sent++;
      await finishDelivery(deps.db, d.id, { status: 'sent', attempts, next_attempt_at: d.next_attempt_at, sent_at: at.toISOString(), last_error: null });
    } else if (!channel?.enabled || attempts >= o.maxAttempts) {
      out.failed++;
      await finishDelivery(deps.db, d.id, { status: 'failed', attempts, next_attempt_at: d.next_attempt_at, sent_at: null, last_error: result.error });
    } else {
      out.retrying++;
      const wait = Math.min(o.backoffBaseMs * 2 ** (attempts - 1), o.backoffMaxMs);
      await finishDelivery(deps.db, d.id, { status: 'pending', attempts, next_attempt_at: new Date(at.getTime() + wait).toISOString(), sent_at: null, last_error: result.error });
    }
  }
  return out;
}
