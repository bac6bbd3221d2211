import type { Column } from './column.js';

/** The ranking's rectification and self-inspection columns (shared/src/supervisionFigures.ts says how they count). */
export const SUPERVISION_COLUMNS: readonly Column[] = [
  { key: 'noticesOpen', header: '整改中通知', value: (r) => r.noticesOpen, width: 10, numFmt: '0', numeric: true },
  { key: 'noticesOverdue', header: '逾期通知', value: (r) => r.noticesOverdue, width: 10, numFmt: '0', numeric: true },
  // Null when no notice has closed: "nothing to measure", not 0%.
  { key: 'noticesOnTimeRate', header: '按期办结率（%）', value: (r) => r.noticesOnTimeRate, width: 14, numFmt: '0.0', numeric: true },
  { key: 'selfInspectionSubmitted', header: '自查已报送', value: (r) => (r.selfInspectionSubmitted ? '是' : '否'), width: 10, nowrap: true },
  { key: 'selfInspectionPercent', header: '自查得分率（%）', value: (r) => r.selfInspectionPercent, width: 14, numFmt: '0.0', numeric: true },
];
