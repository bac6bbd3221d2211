import { articlesText, failingLabel, type Deadline } from '@weian/shared';
import { gradeLabel } from './columns.js';
import { SEVERITY_ZH, weightsText } from './methodology.js';
import { STATUS_ZH, type InstitutionReport } from './institutionReport.js';
import type { Writable } from 'node:stream';
import { chinaTime, esc } from './format.js';
import { table } from './reportPage.js';
import { addRow, openWorkbook, sheetNamer, tableSheet } from './xlsx.js';

/**
 * The institution report's tables, defined once: the PDF prints each as a section, the XLSX
 * writes each as a sheet. A column is header, width (XLSX), number format and how to read a value.
 */
export interface SectionColumn<T> {
  header: string;
  width: number;
  numFmt?: string;
  numeric?: boolean;
  nowrap?: boolean;
  value(row: T): string | number | null;
}
export interface Section<T = unknown> {
  title: string;
  columns: ReadonlyArray<SectionColumn<T>>;
  rows: readonly T[];
}
export const section = <T>(title: string, columns: ReadonlyArray<SectionColumn<T>>, rows: readonly T[]): Section => ({ title, columns, rows }) as Section;

/** Sections as a workbook, one sheet each (the institution report, the incident exports). */
export async function writeSectionsXlsx(sections: readonly Section[], out: Writable, generatedAt: string): Promise<void> {
  const wb = openWorkbook(out, generatedAt);
  const name = sheetNamer();
  for (const s of sections) {
    const sheet = tableSheet(wb, name(s.title), s.columns);
    for (const row of s.rows)
      addRow(
        sheet,
        s.columns.map((c) => c.value(row)),
      );
    sheet.commit();
  }
  await wb.commit();
}

/** Sections as printed: a heading and a table each. */
export const sectionsHtml = (sections: readonly Section[]) => sections.map((sec) => `<h2>${esc(sec.title)}</h2>${table(sec.columns, sec.rows)}`).join('\n');

/** A two-column key/value table: a report's particulars. */
export const factsSection = (title: string, facts: ReadonlyArray<[string, string | number | null]>, widths: [number, number] = [30, 60]) =>
  section<[string, string | number | null]>(
    title,
    [
      { header: '项目', width: widths[0], value: (x) => x[0] },
      { header: '值', width: widths[1], value: (x) => x[1] },
    ],
    facts,
  );

export const deadlineText = (d: Deadline | null) => (d === null ? '无此义务' : d.dueOn === null ? `无法判断（${d.reasonZh}）` : `${d.dueOn}（${STATUS_ZH[d.status]}）`);
const n = (header: string, value: (r: never) => number | null, numFmt = '0', width = 10) => ({ header, value, numFmt, width, numeric: true });

export function institutionSections(r: InstitutionReport): Section[] {
  const s = r.score;
  const summary: Array<[string, string | number | null]> = [
    ['机构', `${r.institution.name}（${r.institution.code}）`],
    ['所属地区', `${r.institution.regionName}（${r.institution.regionCode}）`],
    ['期间', `${r.period}（${r.live ? '本月实时得分' : '月末快照'}）`],
    ['得分', s ? s.score : '该期间无快照'],
    ['等级', s ? gradeLabel(s.grade.letter) : null],
    ['技术', s?.technical ?? null],
    ['管理', s?.governance ?? null],
    ['管理：加权合规 / 应计（生成时）', `${r.governanceBasis.earned} / ${r.governanceBasis.possible}`],
    ['覆盖（%）', s?.coverage ?? null],
    ['得分权重（本地区在用）', weightsText(r.weights)],
    ['上报主机 / 登记主机', s ? `${s.hostsReporting} / ${s.hostsRegistered}` : null],
    ['不合规项（严重 / 高危 / 中危 / 低危）', s ? `${s.failing.critical} / ${s.failing.high} / ${s.failing.medium} / ${s.failing.low}` : null],
    ['等保逾期事项', s?.overdueMlps ?? null],
    [`较上期（${r.previousPeriod}）变化`, s?.change ?? null],
  ];
  type Host = InstitutionReport['hosts'][number];
  type Finding = InstitutionReport['findings'][number];
  type System = InstitutionReport['systems'][number];
  type GovDeadline = InstitutionReport['governanceDeadlines'][number];
  type Gov = InstitutionReport['governance'][number];
  type Exc = InstitutionReport['exceptions'][number];
  return [
    factsSection('得分构成', summary),
    section<Host>(
      '主机得分',
      [
        { header: '主机', width: 28, value: (h) => h.hostname },
        { header: '得分', width: 8, numFmt: '0.0', numeric: true, value: (h) => h.score },
        // 是: the critical cap lowered the score to 59 (not merely "a critical failed": then the ratio may be lower still).
        { header: '因严重项降至59', width: 12, value: (h) => (h.capped ? '是' : '否') },
        { header: '等保级别', width: 10, numeric: true, value: (h) => h.mlpsLevel },
        n(failingLabel('critical'), (h: Host) => h.failing.critical),
        n(failingLabel('high'), (h: Host) => h.failing.high),
        n(failingLabel('medium'), (h: Host) => h.failing.medium),
        n(failingLabel('low'), (h: Host) => h.failing.low),
        // With the failing counts and the weights (methodology), these rebuild the score from the export alone.
        { header: '合规（严重 / 高危 / 中危 / 低危）', width: 18, value: (h) => `${h.passed.critical} / ${h.passed.high} / ${h.passed.medium} / ${h.passed.low}` },
        { header: '未知（严重 / 高危 / 中危 / 低危）', width: 18, value: (h) => `${h.unknown.critical} / ${h.unknown.high} / ${h.unknown.medium} / ${h.unknown.low}` },
        { header: '加权合规 / 应计', width: 14, value: (h) => `${h.earned} / ${h.possible}` },
      ] as ReadonlyArray<SectionColumn<Host>>,
      r.hosts,
    ),
    section<Finding>(
      '问题项与整改建议',
      [
        { header: '对象', width: 20, value: (f) => f.subject },
        { header: '规则', width: 26, nowrap: true, value: (f) => f.ruleId },
        { header: '名称', width: 28, value: (f) => f.title.zh },
        { header: '严重程度', width: 10, nowrap: true, value: (f) => SEVERITY_ZH[f.severity as keyof typeof SEVERITY_ZH] ?? f.severity },
        { header: '结果', width: 10, nowrap: true, value: (f) => STATUS_ZH[f.status] ?? f.status },
        { header: '依据', width: 30, value: (f) => articlesText(f.articles).zh },
        { header: '证据', width: 40, value: (f) => f.evidence.zh },
        { header: '自', width: 20, value: (f) => (f.since ? chinaTime(f.since) : null) },
        { header: '整改建议', width: 50, value: (f) => f.remediation.zh },
        { header: '风险接受至', width: 12, value: (f) => f.exception?.expiresOn ?? null },
      ],
      r.findings,
    ),
    section<System>(
      '等保定级对象与期限',
      [
        { header: '系统', width: 28, value: (x) => x.name },
        { header: '级别', width: 10, numeric: true, value: (x) => x.level },
        { header: '定级日期', width: 12, value: (x) => x.gradedOn },
        { header: '备案日期', width: 12, value: (x) => x.filedOn },
        { header: '备案期限', width: 24, value: (x) => deadlineText(x.deadlines.filing) },
        { header: '上次测评', width: 12, value: (x) => x.lastEvaluatedOn },
        { header: '测评期限', width: 24, value: (x) => deadlineText(x.deadlines.evaluation) },
        { header: '停用日期', width: 12, value: (x) => x.retiredOn },
      ],
      r.systems,
    ),
    section<GovDeadline>(
      '年度管理事项期限',
      [
        { header: '事项', width: 30, value: (d) => d.label },
        { header: '最近一次', width: 12, value: (d) => d.lastOn },
        { header: '到期日', width: 12, value: (d) => d.dueOn },
        { header: '状态', width: 10, value: (d) => STATUS_ZH[d.status] ?? d.status },
      ],
      r.governanceDeadlines,
    ),
    section<Gov>(
      '管理记录',
      [
        { header: '事项', width: 30, value: (g) => g.label },
        { header: '日期', width: 12, value: (g) => g.date },
        { header: '漏洞扫描 / 渗透测试', width: 18, value: (g) => (g.kind === 'self-inspection' ? `${g.vulnerabilityScan ? '有' : '无'} / ${g.penetrationTest ? '有' : '无'}` : null) },
        { header: '备注', width: 40, value: (g) => g.note ?? null },
      ],
      r.governance,
    ),
    section<Exc>(
      '风险接受（例外）',
      [
        { header: '对象', width: 20, value: (e) => (e.subject.kind === 'host' ? (r.hosts.find((h) => h.id === e.subject.id)?.hostname ?? e.subject.id) : '机构') },
        { header: '规则', width: 26, nowrap: true, value: (e) => e.ruleId },
        { header: '理由', width: 40, value: (e) => e.reason },
        { header: '批准人', width: 12, value: (e) => e.approver },
        { header: '有效至', width: 12, value: (e) => e.expiresOn },
        { header: '状态', width: 10, value: (e) => (e.active ? '有效' : '已过期') },
      ],
      r.exceptions,
    ),
  ];
}
