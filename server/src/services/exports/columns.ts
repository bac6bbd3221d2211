import { failingLabel, GRADES, INCIDENT_COLUMN_HEADERS } from '@weian/shared';
import type { RankingRowOut } from '../rankings.js';
import type { Column } from './column.js';
import { SUPERVISION_COLUMNS } from './supervisionColumns.js';

export const gradeLabel = (letter: string) => {
  const g = GRADES.find((x) => x.letter === letter);
  return g ? `${g.letter} ${g.zh}` : letter;
};

const count = (key: string, header: string, value: (r: RankingRowOut) => number): Column => ({ key, header, value, width: 10, numFmt: '0', numeric: true });

export const RANKING_COLUMNS: readonly Column[] = [
  { key: 'rank', header: '排名', value: (r) => r.rank, width: 7, numFmt: '0', numeric: true },
  { key: 'code', header: '机构代码', value: (r) => r.code, width: 16, nowrap: true },
  { key: 'name', header: '机构名称', value: (r) => r.name, width: 36 },
  { key: 'type', header: '机构类型', value: (r) => r.typeLabel.zh, width: 14 },
  { key: 'region', header: '所属地区', value: (r) => r.regionName, width: 14 },
  { key: 'score', header: '得分', value: (r) => r.score, width: 8, numFmt: '0.0', numeric: true },
  { key: 'grade', header: '等级', value: (r) => gradeLabel(r.grade), width: 10, nowrap: true },
  count('critical', failingLabel('critical'), (r) => r.failing.critical),
  count('high', failingLabel('high'), (r) => r.failing.high),
  count('medium', failingLabel('medium'), (r) => r.failing.medium),
  count('low', failingLabel('low'), (r) => r.failing.low),
  { key: 'coverage', header: '覆盖率（%）', value: (r) => r.coverage, width: 11, numFmt: '0.0', numeric: true },
  count('overdueMlps', '等保逾期事项', (r) => r.overdueMlps),
  // Null when the institution has no score in the previous period: "no comparison", not "no change".
  { key: 'change', header: '较上期变化', value: (r) => r.change, width: 11, numFmt: '+0.0;-0.0;0.0', numeric: true },
  ...SUPERVISION_COLUMNS,
  // Counted, not scored (methodology: incidentColumnMethod).
  count('incidentsLate', INCIDENT_COLUMN_HEADERS.late, (r) => r.incidents.late),
  count('incidentsSummaryMissing', INCIDENT_COLUMN_HEADERS.summaryMissing, (r) => r.incidents.summaryMissing),
];

export const rowValues = (row: RankingRowOut) => RANKING_COLUMNS.map((c) => c.value(row));
