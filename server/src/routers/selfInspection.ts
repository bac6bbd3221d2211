import { PublishTemplateInput, ReviewSelfInspectionInput, SaveSelfInspectionAnswerInput, SelfInspectionRef, SelfInspectionYear, UploadSelfInspectionEvidenceInput } from '@weian/shared';
import {
  getSelfInspectionView,
  getTemplate,
  listSelfInspectionViews,
  publishTemplate,
  reviewSelfInspection,
  saveSelfInspectionAnswer,
  submitSelfInspection,
  uploadSelfInspectionEvidence,
} from '../services/selfInspection.js';
import { authed, router } from '../trpc/init.js';
import { visibleIn } from '../services/scope.js';
import { decodeEvidence } from '../services/evidenceFiles.js';

/** The yearly self-inspection (自查自评): thin; the service enforces states, scope and who acts. Every mutation is audited by the middleware. */
export const selfInspectionRouter = router({
  template: authed('selfInspection:read')
    .input(SelfInspectionYear)
    .query(({ ctx, input }) => getTemplate(ctx.deps, ctx.principal, input.year)),
  list: authed('selfInspection:read')
    .input(SelfInspectionYear)
    .query(({ ctx, input }) => listSelfInspectionViews(ctx.deps, ctx.principal, input.year)),
  get: authed('selfInspection:read')
    .input(SelfInspectionRef)
    .query(({ ctx, input }) => getSelfInspectionView(ctx.deps, ctx.principal, input.institutionCode, input.year)),
  publishTemplate: authed('selfInspection:publish')
    .input(PublishTemplateInput)
    .mutation(({ ctx, input }) => publishTemplate(ctx.deps, ctx.principal, input)),
  review: authed('selfInspection:review')
    .input(ReviewSelfInspectionInput)
    .mutation(({ ctx, input }) => reviewSelfInspection(ctx.deps, ctx.principal, input)),
  save: authed('selfInspection:fill')
    .input(SaveSelfInspectionAnswerInput)
    .mutation(({ ctx, input }) => saveSelfInspectionAnswer(ctx.deps, ctx.principal, input)),
  upload: authed('selfInspection:fill')
    .input(UploadSelfInspectionEvidenceInput)
    .mutation(({ ctx, input }) => uploadSelfInspectionEvidence(ctx.deps, ctx.principal, { year: input.year, name: input.name, content: decodeEvidence(input.contentBase64) })),
  submit: authed('selfInspection:fill')
    .input(SelfInspectionYear)
    .mutation(({ ctx, input }) => submitSelfInspection(ctx.deps, ctx.principal, input.year)),
  /** Pushes whose self-inspection the subscriber may see moved, as it moves (the dashboard reloads it). */
  live: authed('selfInspection:read').subscription(async function* ({ ctx, signal }) {
    for await (const ev of ctx.deps.bus.stream('selfInspection.changed', signal)) if (visibleIn(ctx.principal.scope, ev)) yield ev;
  }),
});
