import { DataRegisterEntryInput, ImportantDataFilingInput } from '@weian/shared';
import { z } from 'zod';
import { dataRegisterView, removeDataRegisterEntry, saveDataRegisterEntry, saveImportantDataFiling } from '../services/dataRegister.js';
import { authed, router } from '../trpc/init.js';
import { InstitutionCode } from './institutions.js';

/** 数据目录: read within scope; the institution keeps it (records:write, audited by the mutation middleware). */
export const dataRegisterRouter = router({
  get: authed('institutions:read')
    .input(InstitutionCode)
    .query(({ ctx, input }) => dataRegisterView(ctx.deps, ctx.principal.scope, input.institutionCode)),
  saveEntry: authed('records:write')
    .input(InstitutionCode.extend({ id: z.string().min(1).max(64).optional(), entry: DataRegisterEntryInput }))
    .mutation(({ ctx, input }) => saveDataRegisterEntry(ctx.deps, ctx.principal, input.institutionCode, { ...input.entry, id: input.id })),
  removeEntry: authed('records:write')
    .input(InstitutionCode.extend({ id: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => removeDataRegisterEntry(ctx.deps, ctx.principal, input.institutionCode, input.id)),
  saveFiling: authed('records:write')
    .input(InstitutionCode.extend({ filing: ImportantDataFilingInput }))
    .mutation(({ ctx, input }) => saveImportantDataFiling(ctx.deps, ctx.principal, input.institutionCode, input.filing)),
});
