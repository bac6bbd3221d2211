import { SEVERITY_ZH } from '@weian/shared';
import type { AlertSeverity } from '../../storage/alerts.js';
import type { ChannelKind } from '../../storage/notifications.js';

/** One outgoing notification: a group of alerts (one institution's burst, or a digest). */
export interface NotificationMessage {
  title: string;
  digest: boolean;
  /** Set when every alert belongs to one institution (immediate groups). */
  institution: { code: string; name: string } | null;
  alerts: Array<{
    id: string;
    change: 'opened' | 'resolved';
    severity: AlertSeverity;
    ruleId: string;
    ruleTitle: string;
    subject: string;
    institutionCode: string;
    institutionName: string;
    evidence: string;
    at: string;
  }>;
}

export interface ChannelTarget {
  url: string;
  secret: string | null;
}

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What a sender returns; anything thrown (network, timeout) counts as a failed attempt too. */
export interface SenderResponse {
  status: number;
  body: string;
}
export type Sender = (req: OutgoingRequest) => Promise<SenderResponse>;

/** One module per kind: how to build its request, and whether its answer means delivered. */
export interface ChannelModule {
  kind: ChannelKind;
  /** Whether a signing secret is required for this kind. */
  secretRequired: boolean;
  build(target: ChannelTarget, message: NotificationMessage, now: Date): OutgoingRequest;
  /** null when the endpoint accepted the message, else why not. */
  rejected(res: SenderResponse): string | null;
}

/** Lines kept in one message: robots cap message sizes (WeCom markdown at 4096 bytes). */
export const MAX_LINES = 20;

/** The markdown text the robots show (WeCom, DingTalk; Feishu as plain text lines). */
export function markdownOf(message: NotificationMessage): string {
  const counts = new Map<AlertSeverity, number>();
  for (const a of message.alerts) counts.set(a.severity, (counts.get(a.severity) ?? 0) + 1);
  const summary = (['critical', 'high', 'medium', 'low'] as const)
    .filter((s) => counts.has(s))
    .map((s) => `${SEVERITY_ZH[s]} ${counts.get(s)}`)
    .join(' · ');
  const lines = message.alerts.slice(0, MAX_LINES).map((a) => {
    const state = a.change === 'resolved' ? '已恢复' : SEVERITY_ZH[a.severity];
    return `- 【${state}】${message.institution ? '' : `${a.institutionName} `}${a.subject}：${a.ruleTitle}（${a.ruleId}）${a.evidence ? ` — ${a.evidence}` : ''}`;
  });
  const more = message.alerts.length > MAX_LINES ? [`- ……另有 ${message.alerts.length - MAX_LINES} 条，请登录卫安查看`] : [];
  return [`### ${message.title}`, `> ${summary}`, '', ...lines, ...more].join('\n');
}

/** Robots answer HTTP 200 with an error code in the body; `field` names it (errcode, code). */
export function jsonCodeRejected(res: SenderResponse, fields: string[]): string | null {
  if (res.status < 200 || res.status >= 300) return `HTTP ${res.status}`;
  try {
    const parsed = JSON.parse(res.body) as Record<string, unknown>;
    for (const f of fields) if (f in parsed && parsed[f] !== 0) return `${f} ${String(parsed[f])}: ${String(parsed.errmsg ?? parsed.msg ?? parsed.StatusMessage ?? '')}`;
    return null;
  } catch {
    return 'unreadable answer';
  }
}
