import { CreateScannerInput, ListPublicTargetsInput, PublicTargetId, RegisterPublicTargetInput, ScannerId } from '@weian/shared';
import { listPublicTargetViews, registerPublicTarget, removePublicTarget } from '../services/publicTargets.js';
import { createScanner, listExposureViews, listScannerViews, revokeScannerBy } from '../services/scanners.js';
import { authed, router } from '../trpc/init.js';

/** Exposure seen from outside (资产测绘, issue 24): institutions' registered public targets. Thin; mutations audited by the middleware. */
export const exposureRouter = router({
  list: authed('exposure:read')
    .input(ListPublicTargetsInput)
    .query(({ ctx, input }) => listPublicTargetViews(ctx.deps, ctx.principal, input.institutionCode)),
  register: authed('exposure:register')
    .input(RegisterPublicTargetInput)
    .mutation(({ ctx, input }) => registerPublicTarget(ctx.deps, ctx.principal, input)),
  remove: authed('exposure:register')
    .input(PublicTargetId)
    .mutation(({ ctx, input }) => removePublicTarget(ctx.deps, ctx.principal, input.id)),
  /** What the region's scanners saw open, with first and last seen and the host behind it when tied. */
  observations: authed('exposure:read').query(({ ctx }) => listExposureViews(ctx.deps, ctx.principal)),
  /** The scanners that scan the caller's region, their target counts, last call and whether revoked (shown, not secret). */
  scanners: authed('exposure:read').query(({ ctx }) => listScannerViews(ctx.deps, ctx.principal)),
  createScanner: authed('exposure:register')
    .input(CreateScannerInput)
    .mutation(({ ctx, input }) => createScanner(ctx.deps, ctx.principal, input)),
  /** A revoked scanner gets nothing from then on: no list, no report taken. */
  revokeScanner: authed('exposure:register')
    .input(ScannerId)
    .mutation(({ ctx, input }) => revokeScannerBy(ctx.deps, ctx.principal, input.scannerId)),
});
