import type { ChannelKind } from '../../storage/notifications.js';

/**
 * Where a channel may send (issue 18: `channels.test` was a server-side request forgery any region
 * user could aim at loopback and internal addresses). Each robot kind may reach the host its vendor
 * documents; anything else, generic webhooks included, only a host the operator lists in
 * WEIAN_CHANNEL_HOSTS (`host` for any port, or `host:port`).
 */
export const DOCUMENTED_HOSTS: Readonly<Record<ChannelKind, readonly string[]>> = {
  webhook: [],
  wecom: ['qyapi.weixin.qq.com'],
  dingtalk: ['oapi.dingtalk.com'],
  feishu: ['open.feishu.cn', 'open.larksuite.com'],
};

/** Whether `url` is a destination a channel of `kind` may send to. */
export function destinationAllowed(kind: ChannelKind, url: string, allowList: readonly string[] = []): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  const host = u.hostname.toLowerCase();
  const withPort = u.host.toLowerCase();
  if (DOCUMENTED_HOSTS[kind].includes(host)) return true;
  return allowList.some((entry) => {
    const e = entry.trim().toLowerCase();
    return e === withPort || (!e.includes(':') && e === host);
  });
}

/** The one answer a failed test gives, whatever the reason: no remote body, status or error text that would map a network. */
export const TEST_FAILED = 'the channel did not accept the test message: check its URL and key, or the server log';
