import type { ChannelKind } from '../../storage/notifications.js';
import { dingtalk } from './dingtalk.js';
import { feishu } from './feishu.js';
import type { ChannelModule, Sender } from './message.js';
import { webhook } from './webhook.js';
import { wecom } from './wecom.js';

export const CHANNEL_KINDS = ['webhook', 'wecom', 'dingtalk', 'feishu'] as const satisfies readonly ChannelKind[];
export const CHANNELS: Record<ChannelKind, ChannelModule> = { webhook, wecom, dingtalk, feishu };

/** The real sender: Node's fetch, bounded in time so a hanging endpoint cannot hold the job. */
export const fetchSender =
  (timeoutMs = 10_000): Sender =>
  async (req) => {
    const res = await fetch(req.url, { method: 'POST', headers: req.headers, body: req.body, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    return { status: res.status, body: (await res.text()).slice(0, 4000) };
  };

export type { ChannelModule, NotificationMessage, Sender } from './message.js';
