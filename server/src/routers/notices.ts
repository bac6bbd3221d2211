import { AnswerNoticeItemInput, ExtensionDecisionInput, ExtensionRequestInput, IssueNoticeInput, NoticeId, NoticeListInput, ReviewNoticeItemInput, UploadEvidenceInput } from '@weian/shared';
import {
  answerNoticeItem,
  decideExtension,
  getNoticeDetail,
  issueNotices,
  listNoticeViews,
  requestExtension,
  reviewNoticeItem,
  signNotice,
  submitNotice,
  uploadEvidence,
} from '../services/notices.js';
import { visibleIn } from '../services/scope.js';
import { authed, router } from '../trpc/init.js';
import { decodeEvidence } from '../services/evidenceFiles.js';

/** Rectification notices (整改通知): thin; the service enforces states, scope and who acts. Every mutation is audited by the middleware. */
export const noticesRouter = router({
  list: authed('notices:read')
    .input(NoticeListInput.default({ limit: 100, offset: 0 }))
    .query(({ ctx, input }) => listNoticeViews(ctx.deps, ctx.principal, input)),
  get: authed('notices:read')
    .input(NoticeId)
    .query(({ ctx, input }) => getNoticeDetail(ctx.deps, ctx.principal, input.noticeId)),
  issue: authed('notices:issue')
    .input(IssueNoticeInput)
    .mutation(({ ctx, input }) => issueNotices(ctx.deps, ctx.principal, input)),
  review: authed('notices:issue')
    .input(ReviewNoticeItemInput)
    .mutation(({ ctx, input }) => reviewNoticeItem(ctx.deps, ctx.principal, input)),
  decideExtension: authed('notices:issue')
    .input(ExtensionDecisionInput)
    .mutation(({ ctx, input }) => decideExtension(ctx.deps, ctx.principal, input)),
  sign: authed('notices:answer')
    .input(NoticeId)
    .mutation(({ ctx, input }) => signNotice(ctx.deps, ctx.principal, input.noticeId)),
  upload: authed('notices:answer')
    .input(UploadEvidenceInput)
    .mutation(({ ctx, input }) => uploadEvidence(ctx.deps, ctx.principal, { noticeId: input.noticeId, name: input.name, content: decodeEvidence(input.contentBase64) })),
  answer: authed('notices:answer')
    .input(AnswerNoticeItemInput)
    .mutation(({ ctx, input }) => answerNoticeItem(ctx.deps, ctx.principal, input)),
  requestExtension: authed('notices:answer')
    .input(ExtensionRequestInput)
    .mutation(({ ctx, input }) => requestExtension(ctx.deps, ctx.principal, input)),
  submit: authed('notices:answer')
    .input(NoticeId)
    .mutation(({ ctx, input }) => submitNotice(ctx.deps, ctx.principal, input.noticeId)),
  /** Pushes which notices the subscriber may see moved, as they move (the dashboard reloads them). */
  live: authed('notices:read').subscription(async function* ({ ctx, signal }) {
    for await (const ev of ctx.deps.bus.stream('notice.changed', signal)) if (visibleIn(ctx.principal.scope, ev)) yield ev;
  }),
});
