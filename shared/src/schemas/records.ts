import { z } from 'zod';
import { isIsoDate } from '../calendar.js';
import { RULE_DATA_BY_ID, RULE_IDS, type RuleId } from '../rules/catalogue.js';
import { text } from './common.js';

/**
 * Institution records that people enter through the dashboard: institutions, MLPS systems
 * (定级对象), governance evidence, risk exceptions and per-region rule settings. Every string and
 * list is bounded; the `…Input` schemas are what tRPC procedures take (the server assigns ids).
 */
export const RECORD_LIMITS = {
  name: 128,
  id: 64,
  note: 2000,
  reason: 2000,
  hostsPerSystem: 5000,
  thresholdsPerRule: 16,
} as const;

/** A civil date `YYYY-MM-DD`, between 1990 and 2100 so that typos do not become deadlines. */
export const isoDate = () =>
  z
    .string()
    .refine(isIsoDate, 'expected a date as YYYY-MM-DD')
    .refine((d) => d >= '1990-01-01' && d <= '2100-12-31', 'date out of range (1990–2100)');
const recordId = () => text(RECORD_LIMITS.id).min(1);
const name = () => text(RECORD_LIMITS.name).trim().min(1);

// ---- institution ----------------------------------------------------------------------------
export const INSTITUTION_TYPES = ['tertiary-hospital', 'secondary-hospital', 'primary-care', 'maternal-child', 'cdc', 'specialty-hospital', 'other'] as const;
export const InstitutionType = z.enum(INSTITUTION_TYPES);
export type InstitutionType = z.infer<typeof InstitutionType>;
export const INSTITUTION_TYPE_LABELS: Readonly<Record<InstitutionType, { zh: string; en: string }>> = {
  'tertiary-hospital': { zh: '三级医院', en: 'Tertiary hospital' },
  'secondary-hospital': { zh: '二级医院', en: 'Secondary hospital' },
  'primary-care': { zh: '基层医疗卫生机构', en: 'Primary care institution' },
  'maternal-child': { zh: '妇幼保健院', en: 'Maternal and child health hospital' },
  cdc: { zh: '疾控中心', en: 'Center for disease control' },
  'specialty-hospital': { zh: '专科医院', en: 'Specialty hospital' },
  other: { zh: '其他', en: 'Other' },
};

export const Institution = z.object({
  /** e.g. the unified social credit code (统一社会信用代码) or the medical-institution licence number. */
  code: text(RECORD_LIMITS.id).regex(/^[0-9A-Za-z-]+$/, 'letters, digits and hyphens only'),
  name: name(),
  type: InstitutionType,
});
export type Institution = z.infer<typeof Institution>;

// ---- MLPS systems (定级对象) ------------------------------------------------------------------
export const MLPS_LEVELS = [1, 2, 3, 4] as const;
export const MlpsLevel = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]);
export type MlpsLevel = z.infer<typeof MlpsLevel>;

const mlpsFields = {
  name: name(),
  /** null: not graded yet (INST-MLPS-UNGRADED fails). */
  level: MlpsLevel.nullable(),
  criticalInfrastructure: z.boolean(),
  /** Holds personal information of over 100,000 people: level 2 is then evaluated every 3 years, not 5. */
  personalInfoOver100k: z.boolean(),
  gradedOn: isoDate().nullable(),
  filedOn: isoDate().nullable(),
  lastEvaluatedOn: isoDate().nullable(),
  wentLiveOn: isoDate().nullable(),
  prelaunchTestedOn: isoDate().nullable(),
  retiredOn: isoDate().nullable(),
  hostIds: z
    .array(recordId())
    .max(RECORD_LIMITS.hostsPerSystem)
    .refine((ids) => new Set(ids).size === ids.length, 'a host is listed twice'),
};
type MlpsFields = z.infer<z.ZodObject<typeof mlpsFields>>;
/** Orderings that cannot be true; everything else (late filing, testing after go-live) is for the rules to judge. */
const mlpsConsistency = (s: MlpsFields, ctx: z.core.$RefinementCtx) => {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (s.level === null && s.gradedOn !== null) issue('level', 'a graded system needs its level');
  if (s.filedOn !== null && s.gradedOn === null) issue('gradedOn', 'a filed system must have a grading date');
  if (s.filedOn !== null && s.gradedOn !== null && s.filedOn < s.gradedOn) issue('filedOn', 'filed before it was graded');
  if (s.retiredOn !== null && s.wentLiveOn !== null && s.retiredOn < s.wentLiveOn) issue('retiredOn', 'retired before it went live');
};
export const MlpsSystemInput = z.object(mlpsFields).superRefine(mlpsConsistency);
export type MlpsSystemInput = z.infer<typeof MlpsSystemInput>;
export const MlpsSystem = z.object({ id: recordId(), ...mlpsFields }).superRefine(mlpsConsistency);
export type MlpsSystem = z.infer<typeof MlpsSystem>;

// ---- governance evidence --------------------------------------------------------------------
export const GOVERNANCE_KINDS = [
  'leadership-meeting',
  'self-inspection',
  'emergency-drill',
  'data-inventory',
  'training',
  'permission-review',
  // Data-security duties (《数据安全法》, the 2026 health-sector data Measures): rules/data.ts.
  'data-security-meeting',
  'data-risk-assessment',
  'pi-audit',
] as const;
export const GovernanceKind = z.enum(GOVERNANCE_KINDS);
export type GovernanceKind = z.infer<typeof GovernanceKind>;
export const GOVERNANCE_KIND_LABELS: Readonly<Record<GovernanceKind, { zh: string; en: string }>> = {
  'leadership-meeting': { zh: '网络安全和信息化领导小组会议', en: 'Leadership-group meeting' },
  'self-inspection': { zh: '安全自查', en: 'Self-inspection' },
  'emergency-drill': { zh: '应急演练', en: 'Emergency drill' },
  'data-inventory': { zh: '数据资产清查与分类分级', en: 'Data-asset inventory and classification' },
  training: { zh: '网络安全培训', en: 'Security training' },
  'permission-review': { zh: '用户权限复核', en: 'Permission review' },
  'data-security-meeting': { zh: '数据安全和个人信息保护工作会议', en: 'Data-security and PI-protection meeting' },
  'data-risk-assessment': { zh: '数据安全风险评估报告报送', en: 'Data-security risk assessment report submitted' },
  'pi-audit': { zh: '个人信息保护合规审计', en: 'Personal-information protection compliance audit' },
};

const govBase = { date: isoDate(), note: text(RECORD_LIMITS.note).optional() };
const plainKinds = GOVERNANCE_KINDS.filter((k): k is Exclude<GovernanceKind, 'self-inspection'> => k !== 'self-inspection');
const govOptions = (extra: Record<string, z.ZodType>) => [
  z.object({ kind: z.literal('self-inspection'), ...govBase, vulnerabilityScan: z.boolean(), penetrationTest: z.boolean(), ...extra }),
  ...plainKinds.map((kind) => z.object({ kind: z.literal(kind), ...govBase, ...extra })),
];
type GovernanceShape =
  { kind: 'self-inspection'; date: string; note?: string; vulnerabilityScan: boolean; penetrationTest: boolean } | { kind: Exclude<GovernanceKind, 'self-inspection'>; date: string; note?: string };
export const GovernanceRecordInput = z.discriminatedUnion('kind', govOptions({}) as never) as unknown as z.ZodType<GovernanceShape>;
export type GovernanceRecordInput = GovernanceShape;
export const GovernanceRecord = z.discriminatedUnion('kind', govOptions({ id: recordId() }) as never) as unknown as z.ZodType<GovernanceShape & { id: string }>;
export type GovernanceRecord = GovernanceShape & { id: string };

// ---- risk exceptions (风险接受) ----------------------------------------------------------------
export const RuleIdSchema = z.enum(RULE_IDS);
const exceptionFields = {
  subject: z.object({ kind: z.enum(['host', 'institution']), id: recordId() }),
  ruleId: RuleIdSchema,
  reason: text(RECORD_LIMITS.reason).trim().min(1),
  approver: name(),
  /** Last day the exception holds (China date); from the next day the finding counts again. */
  expiresOn: isoDate(),
};
const exceptionSubjectMatches = (e: { subject: { kind: string }; ruleId: RuleId }, ctx: z.core.$RefinementCtx) => {
  if (RULE_DATA_BY_ID[e.ruleId].subject !== e.subject.kind) ctx.addIssue({ code: 'custom', path: ['subject', 'kind'], message: `${e.ruleId} is a ${RULE_DATA_BY_ID[e.ruleId].subject} rule` });
};
export const RiskExceptionInput = z.object(exceptionFields).superRefine(exceptionSubjectMatches);
export type RiskExceptionInput = z.infer<typeof RiskExceptionInput>;
export const RiskException = z.object({ id: recordId(), ...exceptionFields }).superRefine(exceptionSubjectMatches);
export type RiskException = z.infer<typeof RiskException>;
