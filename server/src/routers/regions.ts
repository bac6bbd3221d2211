import { z } from 'zod';
import { RegionCode, RegionSettings } from '@weian/shared';
import { regionTree } from '../services/directory.js';
import { regionOverview } from '../services/overview.js';
import { visibleRegion } from '../services/regions.js';
import { getOwnRegionSettings, putSettings } from '../services/settings.js';
import { authed, router } from '../trpc/init.js';

const InRegion = z.object({ regionCode: RegionCode });

export const regionsRouter = router({
  /** Regions and institutions the caller may see, to draw the region tree. */
  tree: authed('regions:read').query(({ ctx }) => regionTree(ctx.deps, ctx.principal)),
  overview: authed('regions:read')
    .input(InRegion)
    .query(({ ctx, input }) => regionOverview(ctx.deps, ctx.principal.scope, input.regionCode)),
  settings: authed('regions:read')
    .input(InRegion)
    .query(async ({ ctx, input }) => {
      await visibleRegion(ctx.deps, ctx.principal.scope, input.regionCode);
      return getOwnRegionSettings(ctx.deps, input.regionCode);
    }),
  putSettings: authed('settings:write')
    .input(InRegion.extend({ settings: RegionSettings }))
    .mutation(({ ctx, input }) => putSettings(ctx.deps, ctx.principal, input.regionCode, input.settings)),
});
