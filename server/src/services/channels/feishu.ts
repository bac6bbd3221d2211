import { createHmac } from 'node:crypto';
import { jsonCodeRejected, markdownOf, type ChannelModule } from './message.js';

/**
 * 飞书自定义机器人 with 签名校验: the key is timestamp + "\n" + secret, the signed data is empty,
 * base64 of the HMAC-SHA256 goes in the body's `sign`, the timestamp (seconds, as a string) beside it.
 */
export function feishuSign(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

export const feishu: ChannelModule = {
  kind: 'feishu',
  secretRequired: false,
  build(target, message, now) {
    const ts = Math.floor(now.getTime() / 1000);
    const signed = target.secret ? { timestamp: String(ts), sign: feishuSign(target.secret, ts) } : {};
    return { url: target.url, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...signed, msg_type: 'text', content: { text: markdownOf(message) } }) };
  },
  // Feishu answers {code: 0} (older endpoints {StatusCode: 0}).
  rejected: (res) => jsonCodeRejected(res, ['code', 'StatusCode']),
};
