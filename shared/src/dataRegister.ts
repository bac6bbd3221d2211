import { z } from 'zod';
import { isoDate, RECORD_LIMITS } from './schemas/records.js';
import { text } from './schemas/common.js';

/**
 * An institution's data register (数据目录): which categories of health data it holds (GB/T 39725-2020),
 * at which level (核心/重要/一般, 《数据安全法》第二十一条), in which MLPS systems, for how many people,
 * and whether the important-data catalogue was filed with the local health department. The data rules
 * (rules/data.ts) and INST-MLPS-EVALUATION (level-2 cycle, M6(4)) read it.
 */

/** GB/T 39725-2020 §5.1: the six categories of health and medical data. */
export const DATA_CATEGORIES = ['personal-attributes', 'health-status', 'medical-application', 'medical-payment', 'health-resources', 'public-health'] as const;
export const DataCategory = z.enum(DATA_CATEGORIES);
export type DataCategory = z.infer<typeof DataCategory>;
export const DATA_CATEGORY_LABELS: Readonly<Record<DataCategory, { zh: string; en: string }>> = {
  'personal-attributes': { zh: '个人属性数据', en: 'Personal attributes' },
  'health-status': { zh: '健康状况数据', en: 'Health status' },
  'medical-application': { zh: '医疗应用数据', en: 'Medical application' },
  'medical-payment': { zh: '医疗支付数据', en: 'Medical payment' },
  'health-resources': { zh: '卫生资源数据', en: 'Health resources' },
  'public-health': { zh: '公共卫生数据', en: 'Public health' },
};

export const DATA_LEVELS = ['core', 'important', 'general'] as const;
export const DataLevel = z.enum(DATA_LEVELS);
export type DataLevel = z.infer<typeof DataLevel>;
export const DATA_LEVEL_LABELS: Readonly<Record<DataLevel, { zh: string; en: string }>> = {
  core: { zh: '核心数据', en: 'Core data' },
  important: { zh: '重要数据', en: 'Important data' },
  general: { zh: '一般数据', en: 'General data' },
};
/** Core data is protected at least as strictly as important data: both count as "important" for the rules. */
export const isImportant = (level: DataLevel): boolean => level !== 'general';

/**
 * How many people's personal information an entry covers. The bounds are those the texts name:
 * 100,000 (M6(4), level-2 evaluation every 3 years) and 10 million (《个人信息保护合规审计管理办法》,
 * a compliance audit at least every 2 years).
 */
export const VOLUME_BANDS = ['no-personal-info', 'under-100k', '100k-10m', 'over-10m'] as const;
export const VolumeBand = z.enum(VOLUME_BANDS);
export type VolumeBand = z.infer<typeof VolumeBand>;
export const VOLUME_BAND_LABELS: Readonly<Record<VolumeBand, { zh: string; en: string }>> = {
  'no-personal-info': { zh: '不含个人信息', en: 'No personal information' },
  'under-100k': { zh: '10 万人以下个人信息', en: 'Personal information of under 100,000 people' },
  '100k-10m': { zh: '10 万至 1000 万人个人信息', en: 'Personal information of 100,000 to 10 million people' },
  'over-10m': { zh: '1000 万人以上个人信息', en: 'Personal information of over 10 million people' },
};
export const isOver100k = (band: VolumeBand): boolean => band === '100k-10m' || band === 'over-10m';
export const holdsPersonalInfo = (band: VolumeBand): boolean => band !== 'no-personal-info';

export const DATA_REGISTER_LIMITS = { entries: 200, systemsPerEntry: 200, receipt: 256 } as const;

const entryFields = {
  category: DataCategory,
  level: DataLevel,
  volume: VolumeBand,
  /** Ids of the institution's MLPS systems that hold this data; the server refuses ids it does not know. */
  systemIds: z
    .array(text(RECORD_LIMITS.id).min(1))
    .max(DATA_REGISTER_LIMITS.systemsPerEntry)
    .refine((ids) => new Set(ids).size === ids.length, 'a system is listed twice'),
  note: text(RECORD_LIMITS.note).optional(),
};
export const DataRegisterEntryInput = z.object(entryFields);
export type DataRegisterEntryInput = z.infer<typeof DataRegisterEntryInput>;
export const DataRegisterEntry = z.object({ id: text(RECORD_LIMITS.id).min(1), ...entryFields });
export type DataRegisterEntry = z.infer<typeof DataRegisterEntry>;

/** Filing of the important-data catalogue with the local health department: both or neither. */
export const ImportantDataFilingInput = z
  .object({ filedOn: isoDate().nullable(), receipt: text(DATA_REGISTER_LIMITS.receipt).trim().nullable() })
  .refine((f) => (f.filedOn === null) === (f.receipt === null || f.receipt === ''), { message: 'a filing needs both its date and its receipt number', path: ['receipt'] });
export type ImportantDataFilingInput = z.infer<typeof ImportantDataFilingInput>;

/** What the rules see. `null` as a whole: the institution has not entered a register yet (rules say unknown). */
export interface DataRegister {
  entries: readonly DataRegisterEntry[];
  importantDataFiledOn: string | null;
  importantDataReceipt: string | null;
}

/** Systems the register says hold personal information of over 100,000 people (M6(4)). */
export const systemsOver100k = (register: DataRegister | null | undefined): ReadonlySet<string> => new Set((register?.entries ?? []).filter((e) => isOver100k(e.volume)).flatMap((e) => e.systemIds));
