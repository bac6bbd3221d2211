import {
  articlesText,
  CRITICAL_CAP,
  GRADES,
  LEVEL3_HOST_WEIGHT,
  RULE_DATA,
  SEVERITY_WEIGHTS,
  SEVERITY_ZH,
  renderMethodology,
  type ResolvedSettings,
  type RuleData,
  type RuleId,
  type ScoreWeights,
} from '@weian/shared';

/** Plain words for exports; the full text is docs/methodology.md, rendered by `renderMethodology`. */
export { SEVERITY_ZH };

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** The institution score weights in force for the region (a region setting, so not always the defaults). */
export const weightsText = (w: ScoreWeights) => `技术 ${pct(w.technical)} + 管理 ${pct(w.governance)} + 覆盖 ${pct(w.coverage)}`;
export const severityWeightsText = () =>
  Object.entries(SEVERITY_WEIGHTS)
    .map(([s, n]) => `${SEVERITY_ZH[s as keyof typeof SEVERITY_ZH]} ${n}`)
    .join('，');
export const gradesText = () => GRADES.map((g) => `${g.letter} ${g.zh} ≥ ${g.min}`).join('；');

type Cell = string | number;

/** The scoring constants and each rule as configured for the region: what a reader needs to recompute a score. */
export function rulesInForce(settings: ResolvedSettings): Cell[][] {
  return [
    ['机构得分权重（本地区在用）', weightsText(settings.weights)],
    ['规则严重程度权重', severityWeightsText()],
    ['严重规则不合规或无法判断时主机得分上限', CRITICAL_CAP],
    ['三级及以上定级对象主机的权重', LEVEL3_HOST_WEIGHT],
    ['等级', gradesText()],
    [],
    ['规则', '名称', '对象', '严重程度', '本地区启用', '阈值（本地区在用）', '依据'],
    ...RULE_DATA.map((r) => {
      const inForce = settings.rules[r.id as RuleId];
      const thresholds = Object.entries(inForce?.thresholds ?? {})
        .map(([k, v]) => `${(r.thresholds as RuleData['thresholds'])[k]?.label.zh ?? k} = ${typeof v === 'boolean' ? (v ? '是' : '否') : String(v)}`)
        .join('；');
      return [r.id, r.title.zh, r.subject === 'host' ? '主机' : '机构', SEVERITY_ZH[r.severity], inForce?.enabled === false ? '否' : '是', thresholds || '—', articlesText(r.articles).zh];
    }),
  ];
}

/**
 * The Chinese half of docs/methodology.md as spreadsheet rows: one line per row, markdown tables split into cells,
 * separator lines dropped, so the sheet reads like the document without duplicating its text.
 */
export function methodologyRows(): Cell[][] {
  return renderMethodology('zh')
    .split('\n')
    .filter((line) => !line.startsWith('<!--') && !/^\|(\s*-+\s*\|)+$/.test(line))
    .map((line) =>
      line.startsWith('|')
        ? line
            .slice(1, -1)
            .split(/(?<!\\)\|/)
            .map((c) => c.trim().replace(/\\\|/g, '|'))
        : [line.replace(/^#+\s*/, '').replace(/\*\*/g, '')],
    );
}
