import { z } from 'zod';
import { isIsoDate } from '../calendar.js';
import { EVIDENCE_MAX_BYTES, EVIDENCE_MAX_NAME } from '../evidence.js';
import { NOTICE_MAX_WORKING_DAYS } from '../notices.js';
import { RegionCode } from '../regionCode.js';
import { RULE_IDS } from '../rules/index.js';
import { GRADES } from '../scoring.js';
import { sha256Hex } from './common.js';

/** Inputs of the rectification notice procedures, checked at the edge. Messages: Chinese / English. */
const Day = z.string().refine(isIsoDate, '日期格式应为 YYYY-MM-DD / expected a date as YYYY-MM-DD');
const Text = (max: number) => z.string().trim().min(1).max(max);
const Code = z.string().min(1).max(64);
export const NOTICE_SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export const NOTICE_MAX_ITEMS = 50;
/** Institutions one bulk notice may reach: a province-wide campaign, not an unbounded write. */
export const NOTICE_MAX_TARGETS = 500;

/** One item: a failing rule (linked to that rule's failing findings at the institution), or free text (an on-site result). */
export const NoticeItemInput = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('rule'),
      ruleId: z.enum(RULE_IDS),
      requirement: Text(1000).optional(),
      /** From a finding: linked to that subject (a host id, or the institution's code) only, not every failing one. */
      subjectId: Code.optional(),
    })
    .strict(),
  z.object({ kind: z.literal('text'), title: Text(200), requirement: Text(1000) }).strict(),
]);
export type NoticeItemInput = z.infer<typeof NoticeItemInput>;

export const IssueNoticeInput = z
  .object({
    /** One institution, or every institution in the caller's scope matching the filter (one notice each). */
    target: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('institution'), institutionCode: Code }).strict(),
      /** Institutions picked by hand (rows selected in the rankings): one notice each, all in scope or nothing is issued. */
      z.object({ kind: z.literal('institutions'), institutionCodes: z.array(Code).min(1).max(NOTICE_MAX_TARGETS) }).strict(),
      z
        .object({
          kind: z.literal('filter'),
          regionCode: RegionCode.optional(),
          failingRuleId: z.enum(RULE_IDS).optional(),
          grade: z.enum(GRADES.map((g) => g.letter) as ['A', 'B', 'C', 'D']).optional(),
          /** 等保备案逾期: INST-MLPS-FILING fails (its verdict, on the working-day calendar). */
          mlpsFilingOverdue: z.literal(true).optional(),
        })
        .strict()
        .refine((f) => f.failingRuleId || f.grade || f.mlpsFilingOverdue, '至少选择一个条件 / choose a failing rule, a grade or MLPS filing overdue'),
    ]),
    title: Text(200),
    requirement: Text(4000),
    severity: z.enum(NOTICE_SEVERITIES),
    due: z.union([z.object({ workingDays: z.number().int().min(1).max(NOTICE_MAX_WORKING_DAYS) }).strict(), z.object({ date: Day }).strict()]),
    items: z.array(NoticeItemInput).min(1).max(NOTICE_MAX_ITEMS),
  })
  .strict();
export type IssueNoticeInput = z.infer<typeof IssueNoticeInput>;

export const NoticeId = z.object({ noticeId: Code }).strict();
export const NoticeItemRef = z.object({ noticeId: Code, itemId: Code }).strict();

/** One evidence file as uploaded (notices, self-inspections): name and content, judged again by the server from the bytes. */
export const EvidenceUpload = z.object({
  name: z.string().min(1).max(EVIDENCE_MAX_NAME),
  /** Base64 of the file; its decoded size and type are checked by the server from the bytes. */
  contentBase64: z
    .string()
    .max(Math.ceil(EVIDENCE_MAX_BYTES / 3) * 4 + 4)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, '不是 base64 / not base64'),
});

export const UploadEvidenceInput = EvidenceUpload.extend({ noticeId: Code }).strict();

export const AnswerNoticeItemInput = NoticeItemRef.extend({
  measures: Text(4000),
  /** Evidence already uploaded to this notice, by SHA-256. */
  evidence: z.array(sha256Hex()).max(20).default([]),
}).strict();

export const ExtensionRequestInput = NoticeId.extend({ reason: Text(1000), workingDays: z.number().int().min(1).max(60) }).strict();
export const ExtensionDecisionInput = NoticeId.extend({ grant: z.boolean(), comment: Text(1000).optional() }).strict();

export const ReviewNoticeItemInput = NoticeItemRef.extend({
  decision: z.enum(['accept', 'return']),
  comment: Text(1000).optional(),
  /** Accepting a technical item whose findings still fail: said explicitly, with the reason, and audited. */
  override: z
    .object({ reason: Text(1000) })
    .strict()
    .optional(),
})
  .strict()
  .refine((r) => r.decision === 'accept' || r.comment, { message: '退回须写明意见 / a return needs a comment', path: ['comment'] });

export const NoticeListInput = z
  .object({
    status: z
      .array(z.enum(['issued', 'signed', 'submitted', 'returned', 'closed']))
      .max(5)
      .optional(),
    institutionCode: Code.optional(),
    limit: z.number().int().min(1).max(500).default(100),
    offset: z.number().int().min(0).default(0),
  })
  .strict();
