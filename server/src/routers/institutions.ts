import { z } from 'zod';
import { GovernanceRecordInput, GRADES, InstitutionType, MlpsSystemInput, RECORD_LIMITS, RegionCode, RiskExceptionInput } from '@weian/shared';
import { getInstitutionDetail } from '../services/directory.js';
import { institutionFindings } from '../services/findings.js';
import { ranking, RANKING_PAGE_SIZE, RANKING_SORTS } from '../services/rankings.js';
import { addException, addGovernanceRecord, institutionRecords, removeException, removeGovernanceRecord, removeMlpsSystem, saveMlpsSystem } from '../services/records.js';
import { getInstitutionScore } from '../storage/scores.js';
import { authed, router } from '../trpc/init.js';

export const InstitutionCode = z.object({ institutionCode: z.string().min(1).max(64) });
const RecordId = InstitutionCode.extend({ id: z.string().min(1).max(64) });
export const RankingInput = z.object({
  regionCode: RegionCode,
  period: z.string().max(7).optional(),
  // One page of the ranking; rank and position stay those of the whole region (services/rankings.ts).
  page: z.number().int().min(1).max(1_000_000).optional(),
  pageSize: z.number().int().min(1).max(RANKING_PAGE_SIZE.max).optional(),
  sort: z.enum(RANKING_SORTS).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  types: z.array(InstitutionType).max(32).optional(),
  grades: z
    .array(z.enum(GRADES.map((g) => g.letter)))
    .max(8)
    .optional(),
  text: z.string().trim().max(RECORD_LIMITS.name).optional(),
});

export const institutionsRouter = router({
  get: authed('institutions:read')
    .input(InstitutionCode)
    .query(async ({ ctx, input }) => {
      const inst = await getInstitutionDetail(ctx.deps, ctx.principal.scope, input.institutionCode);
      return { ...inst, score: (await getInstitutionScore(ctx.deps.db, inst.code)) ?? null };
    }),
  records: authed('institutions:read')
    .input(InstitutionCode)
    .query(({ ctx, input }) => institutionRecords(ctx.deps, ctx.principal.scope, input.institutionCode)),
  findings: authed('institutions:read')
    .input(InstitutionCode)
    .query(({ ctx, input }) => institutionFindings(ctx.deps, ctx.principal.scope, input.institutionCode)),
  /** 评估排名: one page of the institutions of a region, filtered and sorted, for the current or a past month. */
  ranking: authed('institutions:read')
    .input(RankingInput)
    .query(({ ctx, input }) => ranking(ctx.deps, ctx.principal.scope, input)),
  saveSystem: authed('records:write')
    .input(InstitutionCode.extend({ id: z.string().max(64).optional(), system: MlpsSystemInput }))
    .mutation(({ ctx, input }) => saveMlpsSystem(ctx.deps, ctx.principal, input.institutionCode, { ...input.system, id: input.id })),
  removeSystem: authed('records:write')
    .input(RecordId)
    .mutation(({ ctx, input }) => removeMlpsSystem(ctx.deps, ctx.principal, input.institutionCode, input.id)),
  addGovernance: authed('records:write')
    .input(InstitutionCode.extend({ record: GovernanceRecordInput }))
    .mutation(({ ctx, input }) => addGovernanceRecord(ctx.deps, ctx.principal, input.institutionCode, input.record)),
  removeGovernance: authed('records:write')
    .input(RecordId)
    .mutation(({ ctx, input }) => removeGovernanceRecord(ctx.deps, ctx.principal, input.institutionCode, input.id)),
  addException: authed('records:write')
    .input(InstitutionCode.extend({ exception: RiskExceptionInput }))
    .mutation(({ ctx, input }) => addException(ctx.deps, ctx.principal, input.institutionCode, input.exception)),
  removeException: authed('records:write')
    .input(RecordId)
    .mutation(({ ctx, input }) => removeException(ctx.deps, ctx.principal, input.institutionCode, input.id)),
});
