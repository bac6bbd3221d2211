import { z } from 'zod';
import { RegionCode } from '@weian/shared';
import { CHANNEL_KINDS } from '../services/channels/index.js';
import { createChannel, deleteChannel, listChannelViews, testChannel, updateChannelConfig } from '../services/notificationChannels.js';
import { authed, router } from '../trpc/init.js';

const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM (China time)');
const Channel = z.object({
  name: z.string().trim().min(1).max(64),
  kind: z.enum(CHANNEL_KINDS),
  url: z.string().min(1).max(2000),
  secret: z.string().max(256).nullable().optional(),
  minSeverity: z.enum(['critical', 'high', 'medium', 'low']),
  mode: z.enum(['immediate', 'hourly', 'daily']),
  quietHours: z.object({ start: Time, end: Time }).nullable().optional(),
  enabled: z.boolean().optional(),
});
const ChannelId = z.object({ channelId: z.string().min(1).max(64) });

/** Notification channels per region: a region's channels receive its alerts and its sub-regions'. */
export const channelsRouter = router({
  list: authed('channels:write').query(({ ctx }) => listChannelViews(ctx.deps, ctx.principal.scope)),
  create: authed('channels:write')
    .input(z.object({ regionCode: RegionCode, channel: Channel }))
    .mutation(({ ctx, input }) => createChannel(ctx.deps, ctx.principal, input.regionCode, input.channel)),
  update: authed('channels:write')
    .input(ChannelId.extend({ channel: Channel.partial() }))
    .mutation(({ ctx, input }) => updateChannelConfig(ctx.deps, ctx.principal, input.channelId, input.channel)),
  delete: authed('channels:write')
    .input(ChannelId)
    .mutation(({ ctx, input }) => deleteChannel(ctx.deps, ctx.principal, input.channelId)),
  /** Sends a test message now and answers with the endpoint's verdict. */
  test: authed('channels:write')
    .input(ChannelId)
    .mutation(({ ctx, input }) => testChannel(ctx.deps, ctx.principal, input.channelId)),
});
