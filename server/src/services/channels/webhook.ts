import { createHmac } from 'node:crypto';
import type { ChannelModule } from './message.js';

const SIGNATURE_HEADER = 'x-weian-signature';

/** Generic webhook: the message as JSON, the exact body signed with HMAC-SHA256 (hex) in a header. */
export const webhook: ChannelModule = {
  kind: 'webhook',
  secretRequired: true,
  build(target, message, now) {
    const body = JSON.stringify({ type: 'weian.alerts', sentAt: now.toISOString(), title: message.title, digest: message.digest, institution: message.institution, alerts: message.alerts });
    const signature = createHmac('sha256', target.secret ?? '')
      .update(body)
      .digest('hex');
    return { url: target.url, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: `sha256=${signature}` }, body };
  },
  // The status only: a receiver's body is not ours to keep or show.
  rejected: (res) => (res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`),
};
