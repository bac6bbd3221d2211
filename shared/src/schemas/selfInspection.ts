import { z } from 'zod';
import { isIsoDate } from '../calendar.js';
import { SELF_INSPECTION_CATEGORIES, SELF_INSPECTION_MAX_POINTS } from '../selfInspection.js';
import { sha256Hex } from './common.js';
import { EvidenceUpload } from './notices.js';

/** Inputs of the self-inspection (自查自评) procedures, checked at the edge. Messages: Chinese / English. */
const Day = z.string().refine(isIsoDate, '日期格式应为 YYYY-MM-DD / expected a date as YYYY-MM-DD');
const Text = (max: number) => z.string().trim().min(1).max(max);
const Code = z.string().min(1).max(64);
const ItemId = z.string().regex(/^[A-Z][A-Z0-9-]{1,31}$/, '条目编号为大写字母、数字和连字符 / an item id is upper-case letters, digits and hyphens');
const Points = z.number().int().min(1).max(SELF_INSPECTION_MAX_POINTS);

export const SelfInspectionYear = z.object({ year: z.number().int().min(2020).max(2100) }).strict();
export const SelfInspectionRef = SelfInspectionYear.extend({ institutionCode: Code }).strict();

export const PublishTemplateInput = SelfInspectionYear.extend({
  /** The region's submission deadline; null keeps the one set above (or none). */
  deadline: Day.nullable(),
  added: z
    .array(
      z
        .object({
          id: ItemId,
          category: z.enum(SELF_INSPECTION_CATEGORIES),
          indicator: Text(200),
          criteria: Text(1000),
          points: Points,
          articles: z
            .array(z.string().regex(/^[A-Za-z]+-?[\w()\u4e00-\u9fff]*$/))
            .max(8)
            .default([]),
          evidenceRequired: z.boolean().optional(),
        })
        .strict(),
    )
    .max(50)
    .default([]),
  raised: z.record(ItemId, Points).default({}),
  /** Inherited items that now need an evidence file before submission. */
  requireEvidence: z.array(ItemId).max(200).default([]),
}).strict();
export type PublishTemplateInput = z.infer<typeof PublishTemplateInput>;

export const SaveSelfInspectionAnswerInput = SelfInspectionYear.extend({
  itemId: ItemId,
  answer: Text(4000),
  selfScore: z.number().min(0).max(SELF_INSPECTION_MAX_POINTS),
  /** Evidence already uploaded to this self-inspection, by SHA-256. */
  evidence: z.array(sha256Hex()).max(20).default([]),
  /** 责任人 */
  responsible: Text(100),
}).strict();

export const UploadSelfInspectionEvidenceInput = EvidenceUpload.extend(SelfInspectionYear.shape).strict();

export const ReviewSelfInspectionInput = SelfInspectionRef.extend({
  decision: z.enum(['accept', 'return']),
  comment: Text(2000).optional(),
  /** 现场检查: the bureau's own score for some items. */
  scores: z
    .array(z.object({ itemId: ItemId, score: z.number().min(0).max(SELF_INSPECTION_MAX_POINTS), comment: Text(1000).optional() }).strict())
    .max(100)
    .default([]),
})
  .strict()
  .refine((r) => r.decision === 'accept' || r.comment, { message: '退回须写明意见 / a return needs a comment', path: ['comment'] });
