import { regionFigures, institutionPart } from './regionFigures.js';
import type { Severity } from './rules/types.js';
import type { MlpsLevel } from './schemas/records.js';
import { DEFAULT_SCORE_WEIGHTS } from './schemas/settings.js';
import { CRITICAL_CAP, hostScore, institutionScore, LEVEL3_HOST_WEIGHT, SEVERITY_WEIGHTS } from './scoring.js';
import { fromTenths, toTenths, WEIGHT_UNIT, weightUnits } from './tenths.js';

/**
 * docs/methodology.md's worked example: a county of four institutions, from the findings counted
 * per severity up to the region's average. The inputs are data here; every figure printed with
 * them comes from the scoring code, and a test recomputes them from the document alone.
 */
export type Counts = Readonly<Record<Severity, readonly [passed: number, failing: number, unknown: number]>>;
export interface ExampleHost {
  name: string;
  mlpsLevel: MlpsLevel | null;
  counts: Counts;
}
export interface ExampleInstitution {
  name: string;
  hosts: readonly ExampleHost[];
  governance: Counts;
  coverage: { reporting: number; registered: number };
}
const c = (critical: [number, number, number], high: [number, number, number], medium: [number, number, number], low: [number, number, number]): Counts => ({ critical, high, medium, low });
const NONE: [number, number, number] = [0, 0, 0];

export const WORKED_EXAMPLE: { institutions: readonly ExampleInstitution[]; unscored: readonly string[] } = {
  institutions: [
    {
      name: '甲县人民医院',
      hosts: [
        { name: 'H1', mlpsLevel: 3, counts: c([2, 1, 0], [8, 1, 0], [5, 0, 0], [1, 0, 0]) },
        { name: 'H2', mlpsLevel: null, counts: c([3, 0, 0], [6, 0, 1], [3, 1, 0], [1, 0, 0]) },
        { name: 'H3', mlpsLevel: 2, counts: c([3, 0, 0], [5, 0, 0], [2, 0, 1], [0, 1, 0]) },
        { name: 'H4', mlpsLevel: null, counts: c(NONE, NONE, NONE, NONE) },
      ],
      governance: c([1, 0, 0], [3, 0, 0], [3, 1, 0], [1, 1, 0]),
      coverage: { reporting: 3, registered: 4 },
    },
    {
      name: '乙镇卫生院',
      hosts: [
        { name: 'H5', mlpsLevel: 3, counts: c([2, 0, 1], [8, 0, 0], [5, 0, 0], [1, 0, 0]) },
        { name: 'H6', mlpsLevel: null, counts: c([3, 0, 0], [7, 2, 1], [3, 0, 0], [1, 1, 0]) },
      ],
      governance: c([0, 1, 0], [1, 0, 0], NONE, NONE),
      coverage: { reporting: 2, registered: 2 },
    },
    {
      name: '丁区妇幼保健院',
      hosts: [{ name: 'H7', mlpsLevel: null, counts: c([3, 0, 0], [9, 0, 0], [5, 0, 0], [1, 0, 0]) }],
      governance: c(NONE, [19, 0, 0], [2, 0, 0], [0, 1, 0]),
      coverage: { reporting: 1, registered: 1 },
    },
  ],
  // Registered, nothing reported yet: no score.
  unscored: ['丙乡卫生院'],
};

const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low'];
/** Findings as the scoring code takes them, from counts per severity. */
export function findingsOf(counts: Counts) {
  return SEVERITIES.flatMap((severity) => (['pass', 'fail', 'unknown'] as const).flatMap((status, i) => Array.from({ length: counts[severity][i]! }, () => ({ status, severity, exception: null }))));
}
const NOW = new Date('2026-01-01T00:00:00Z');
const t1 = (x: number) => x.toFixed(1);
const cnt = (x: readonly [number, number, number]) => x.join(' / ');
/** An exact quotient with a few decimals, for showing the arithmetic: 303.7 / 4 = 75.925. */
const exact = (n: number, d: number) => String(Number((n / d).toFixed(4)));

export function renderWorkedExample(): string {
  const hostRows: string[] = [];
  const instRows: string[] = [];
  const parts = [];
  for (const inst of WORKED_EXAMPLE.institutions) {
    const hosts = inst.hosts.map((h) => ({ ...h, s: hostScore(findingsOf(h.counts), NOW) }));
    for (const h of hosts) {
      const ratio = h.s.possible ? `${h.s.earned} / ${h.s.possible} = ${exact(100 * h.s.earned, h.s.possible)}%` : '—';
      hostRows.push(
        `| ${h.name} | ${inst.name} | ${h.mlpsLevel ?? '—'} | ${SEVERITIES.map((s) => cnt(h.counts[s])).join(' | ')} | ${ratio} | ${h.s.score === null ? '—' : t1(h.s.score)} | ${h.s.capped ? '是 yes' : '否 no'} |`,
      );
    }
    const gov = findingsOf(inst.governance).map((f) => ({ ...f, ruleId: 'INST-GOV-DRILL' as const }));
    const s = institutionScore({ hosts: hosts.map((h) => ({ score: h.s.score, mlpsLevel: h.mlpsLevel })), findings: gov, coverage: inst.coverage }, DEFAULT_SCORE_WEIGHTS, NOW);
    const scored = hosts.filter((h) => h.s.score !== null);
    const w = (h: ExampleHost) => (h.mlpsLevel !== null && h.mlpsLevel >= 3 ? LEVEL3_HOST_WEIGHT : 1);
    const num = scored.reduce((n, h) => n + w(h) * toTenths(h.s.score!), 0);
    const den = scored.reduce((n, h) => n + w(h), 0);
    const techText = `(${scored.map((h) => (w(h) > 1 ? `${w(h)} × ${t1(h.s.score!)}` : t1(h.s.score!))).join(' + ')}) / ${den} = ${exact(num, 10 * den)} → ${t1(s.technical)}`;
    const g = findingsOf(inst.governance).reduce((a, f) => ({ e: a.e + (f.status === 'pass' ? SEVERITY_WEIGHTS[f.severity] : 0), p: a.p + SEVERITY_WEIGHTS[f.severity] }), { e: 0, p: 0 });
    const wt = DEFAULT_SCORE_WEIGHTS;
    const sumText = `${wt.technical} × ${t1(s.technical)} + ${wt.governance} × ${t1(s.governance)} + ${wt.coverage} × ${t1(s.coverage)} = ${exact(weightUnits(wt.technical) * toTenths(s.technical) + weightUnits(wt.governance) * toTenths(s.governance) + weightUnits(wt.coverage) * toTenths(s.coverage), 10 * WEIGHT_UNIT)} → ${t1(s.score)}`;
    instRows.push(
      `| ${inst.name} | ${techText} | ${SEVERITIES.map((sv) => cnt(inst.governance[sv])).join(' | ')} | ${g.e} / ${g.p} = ${exact(100 * g.e, g.p)}% → ${t1(s.governance)} | ${inst.coverage.reporting} / ${inst.coverage.registered} → ${t1(s.coverage)} | ${sumText} | ${s.grade.letter} |`,
    );
    parts.push(institutionPart(s.score));
  }
  for (const _ of WORKED_EXAMPLE.unscored) parts.push(institutionPart(null));
  const region = regionFigures(parts);
  const tenths = parts.reduce((n, p) => n + p.scoreTenths, 0);
  const names = [...WORKED_EXAMPLE.institutions.map((i) => i.name), ...WORKED_EXAMPLE.unscored];
  return `## 算例 / Worked example

一个县的四家机构，从每台主机按严重程度统计的规则结果算到地区平均分（默认权重；数字由评分代码生成，测试按本文独立复算）。计数格式为“合规 / 不合规 / 未知”，不适用与被有效例外覆盖的结果不列入。
Four institutions of one county, from each host's rule results counted per severity up to the region's average (default weights; the figures are made by the scoring code, and a test recomputes them from this text alone). Counts read "passed / failing / unknown"; not-applicable results and those under a valid exception are not listed.

### 主机 / Hosts

| 主机 host | 机构 institution | 等保级别 MLPS level | 严重 critical (${SEVERITY_WEIGHTS.critical}) | 高危 high (${SEVERITY_WEIGHTS.high}) | 中危 medium (${SEVERITY_WEIGHTS.medium}) | 低危 low (${SEVERITY_WEIGHTS.low}) | 加权合规 / 应计 earned / possible | 得分 score | 因严重项降至${CRITICAL_CAP} capped |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${hostRows.join('\n')}

H1 有严重项不合规、H5 有严重项结果未知：比例高于 ${CRITICAL_CAP}，得分降为 ${CRITICAL_CAP}。H4 没有适用规则，没有得分，不计入技术平均（但仍计入覆盖）。
H1 has a failing critical and H5 an unknown one: their ratios are above ${CRITICAL_CAP}, so both score ${CRITICAL_CAP}. H4 has no applicable rule: it has no score and is left out of the technical mean (it still counts in coverage).

### 机构 / Institutions

| 机构 institution | 技术 technical | 管理 严重 critical | 管理 高危 high | 管理 中危 medium | 管理 低危 low | 管理 governance | 覆盖 coverage | 得分 score | 等级 grade |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${instRows.join('\n')}

乙镇卫生院的精确值为 59.95，四舍五入为 60.0，等级 C（按浮点数计算会得到 59.9、D）。
乙镇卫生院 is exactly 59.95, rounded half up to 60.0, grade C (floating-point arithmetic would give 59.9, D).

### 地区 / Region

| 机构 institutions | 得分之和 sum of scores | 平均 average | 等级 grade | A | B | C | D |
| --- | --- | --- | --- | --- | --- | --- | --- |
| ${names.join('、')}（${names.length}） | ${t1(fromTenths(tenths))} | ${t1(fromTenths(tenths))} / ${region.institutions} = ${exact(tenths, 10 * region.institutions)} → ${t1(region.averageScore!)} | ${region.grade} | ${region.distribution.A} | ${region.distribution.B} | ${region.distribution.C} | ${region.distribution.D} |

${WORKED_EXAMPLE.unscored.join('、')}尚无得分，按 0 分、D 等计入。
${WORKED_EXAMPLE.unscored.join(', ')} has no score yet and counts as 0, grade D.
`;
}
