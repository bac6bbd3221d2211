import { ScannerCredentials, ScanReportInput } from '@weian/shared';
import { ingestScan, scannerTargets } from '../services/scanners.js';
import { publicProcedure, router } from '../trpc/init.js';

/** The calls a scanner makes (issue 24), authenticated by its own id and secret in the input: not a user, not an agent. */
export const scannerRouter = router({
  targets: publicProcedure.input(ScannerCredentials).mutation(({ ctx, input }) => scannerTargets(ctx.deps, input)),
  report: publicProcedure.input(ScanReportInput).mutation(({ ctx, input }) => ingestScan(ctx.deps, input)),
});
