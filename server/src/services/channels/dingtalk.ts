import { createHmac } from 'node:crypto';
import { jsonCodeRejected, markdownOf, type ChannelModule } from './message.js';

/**
 * 钉钉自定义机器人 with 加签: sign = urlencode(base64(HMAC-SHA256(key = secret,
 * data = timestamp + "\n" + secret))), timestamp in milliseconds, both appended to the URL.
 */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return encodeURIComponent(createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64'));
}

export const dingtalk: ChannelModule = {
  kind: 'dingtalk',
  secretRequired: false,
  build(target, message, now) {
    const ts = now.getTime();
    const url = target.secret ? `${target.url}${target.url.includes('?') ? '&' : '?'}timestamp=${ts}&sign=${dingtalkSign(target.secret, ts)}` : target.url;
    return { url, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ msgtype: 'markdown', markdown: { title: message.title, text: markdownOf(message) } }) };
  },
  rejected: (res) => jsonCodeRejected(res, ['errcode']),
};
