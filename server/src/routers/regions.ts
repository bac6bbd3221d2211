import { z } from 'zod';
import { RegionSettings } from '@weian/shared';
import { regionTree } from '../services/directory.js';
import { regionOverview } from '../services/overview.js';
import { visibleRegion } from '../services/rankings.js';
import { getOwnRegionSettings, putSettings } from '../services/settings.js';
import { authed, router } from '../trpc/init.js';

const RegionCode = z.object({ regionCode: z.string().regex(/^\d{6}$/, 'a six-digit region code') });

export const regionsRouter = router({
  /** Regions and institutions the caller may see, to draw the region tree. */
  tree: authed('regions:read').query(({ ctx }) => regionTree(ctx.deps, ctx.principal)),
  overview: authed('regions:read').input(RegionCode).query(({ ctx, input }) => regionOverview(ctx.deps, ctx.principal.scope, input.regionCode)),
  settings: authed('regions:read')
    .input(RegionCode)
    .query(async ({ ctx, input }) => {
      await visibleRegion(ctx.deps, ctx.principal.scope, input.regionCode);
      return getOwnRegionSettings(ctx.deps, input.regionCode);
    }),
  putSettings: authed('settings:write')
    .input(RegionCode.extend({ settings: RegionSettings }))
    .mutation(({ ctx, input }) => putSettings(ctx.deps, ctx.principal, input.regionCode, input.settings)),
});
