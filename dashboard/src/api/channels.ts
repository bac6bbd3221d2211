import { api, type ApiClient } from './client.js';
import { call } from './errors.js';
import type { In, Out } from './types.js';

type C = ApiClient['channels'];
export type Channel = Out<C['list']['query']>[number];
export type ChannelInput = In<C['create']['mutate']>['channel'];
export type ChannelKind = ChannelInput['kind'];
export type ChannelMode = ChannelInput['mode'];
export const CHANNEL_KINDS: readonly ChannelKind[] = ['wecom', 'dingtalk', 'feishu', 'webhook'];
export const CHANNEL_MODES: readonly ChannelMode[] = ['immediate', 'hourly', 'daily'];

/** Notification channels of the caller's regions (a region's channels also receive its sub-regions' alerts). */
export const channelsApi = {
  list: () => call(() => api().channels.list.query()),
  create: (regionCode: string, channel: ChannelInput) => call(() => api().channels.create.mutate({ regionCode, channel })),
  setEnabled: (channelId: string, enabled: boolean) => call(() => api().channels.update.mutate({ channelId, channel: { enabled } })),
  remove: (channelId: string) => call(() => api().channels.delete.mutate({ channelId })),
  test: (channelId: string) => call(() => api().channels.test.mutate({ channelId })),
};
