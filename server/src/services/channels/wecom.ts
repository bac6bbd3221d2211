import { jsonCodeRejected, markdownOf, type ChannelModule } from './message.js';

/** 企业微信群机器人: markdown to the webhook URL, which carries the robot's key; no signature. */
export const wecom: ChannelModule = {
  kind: 'wecom',
  secretRequired: false,
  build(target, message) {
    return { url: target.url, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ msgtype: 'markdown', markdown: { content: markdownOf(message) } }) };
  },
  rejected: (res) => jsonCodeRejected(res, ['errcode']),
};
