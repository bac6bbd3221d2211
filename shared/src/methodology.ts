import { CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR } from './calendar.js';
import { DEFAULT_DUE_SOON_DAYS, FILING_WORKING_DAYS } from './deadlines.js';
import { EOL_TABLE } from './eol.js';
import { HOST_RULE_READS } from './rules/reads.js';
import { RULE_DATA } from './rules/catalogue.js';
import type { RuleData, ThresholdSpec } from './rules/types.js';
import { DEFAULT_SCORE_WEIGHTS } from './schemas/records.js';
import { CRITICAL_CAP, GRADES, LEVEL3_HOST_WEIGHT, SEVERITY_WEIGHTS } from './scoring.js';

/**
 * docs/methodology.md, rendered from the catalogue and the scoring constants so that the document
 * a bureau shows an institution cannot drift from what the code does. Regenerate with
 * `npx tsx shared/scripts/methodology.ts`; methodology.test.ts fails when the committed file is stale.
 */
type Lang = 'zh' | 'en';
const SEV: Record<Lang, Record<string, string>> = {
  zh: { critical: '严重', high: '高', medium: '中', low: '低' },
  en: { critical: 'critical', high: 'high', medium: 'medium', low: 'low' },
};
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const fmtThreshold = (spec: ThresholdSpec, lang: Lang) => {
  const v = typeof spec.default === 'boolean' ? (lang === 'zh' ? (spec.default ? '是' : '否') : spec.default ? 'yes' : 'no') : String(spec.default);
  return `${spec.label[lang]} = ${v}`;
};

function ruleTable(rules: readonly RuleData[], lang: Lang): string {
  const head =
    lang === 'zh'
      ? '| 规则 | 名称 | 严重程度 | 依据 | 判定不通过 | 默认阈值 | 整改建议 |\n| --- | --- | --- | --- | --- | --- | --- |'
      : '| rule | title | severity | rests on | fails when | default thresholds | remediation |\n| --- | --- | --- | --- | --- | --- | --- |';
  const rows = rules.map((r) => {
    const note = r.severityNote ? (lang === 'zh' ? `（${r.severityNote.zh}）` : ` (${r.severityNote.en})`) : '';
    const sev = SEV[lang][r.severity]! + note;
    const th = Object.values(r.thresholds).map((s) => fmtThreshold(s, lang)).join('; ') || '—';
    return `| ${r.id} | ${cell(r.title[lang])} | ${cell(sev)} | ${r.articles.join(', ')} | ${cell(r.failsWhen[lang])} | ${cell(th)} | ${cell(r.remediation[lang])} |`;
  });
  return [head, ...rows].join('\n');
}

const w = DEFAULT_SCORE_WEIGHTS;
const pct = (x: number) => `${Math.round(x * 100)}%`;
const weights = (lang: Lang) => Object.entries(SEVERITY_WEIGHTS).map(([s, n]) => `${SEV[lang][s]} ${n}`).join(lang === 'zh' ? '，' : ', ');
const grades = (lang: Lang) =>
  GRADES.map((g, i) => {
    const upper = i === 0 ? '' : lang === 'zh' ? `，低于 ${GRADES[i - 1]!.min}` : `, below ${GRADES[i - 1]!.min}`;
    return `- ${g.letter} ${g.zh} / ${g.en}: ≥ ${g.min}${upper}`;
  }).join('\n');

function zh(host: readonly RuleData[], inst: readonly RuleData[]): string {
  return `## 中文

### 规则

每条规则依据《医疗卫生机构网络安全管理办法》（国卫规划发〔2022〕29号，条款记为 M5、M6(2) …）、GB/T 22239-2019 第三级安全计算环境测评项（记为 MLPS-xx）及妇幼卫生信息安全管理制度（记为 FY-…）。每条规则的结果为：通过、不通过、未知（数据缺失：采集失败、不支持、尚未上报——显示原因，**绝不视为通过**）或不适用（不计分）。地区只能收紧阈值、启用或停用规则，规则编号的含义不变。

#### 主机规则（每次上报时评估）

${ruleTable(host, 'zh')}

#### 机构规则（每日及机构记录变更时评估）

${ruleTable(inst, 'zh')}

### 期限

- 备案：定级后 ${FILING_WORKING_DAYS} 个工作日内，按国务院公布的节假日及调休安排计算（数据来自 chinese-days，覆盖 ${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_YEAR} 年；超出范围的日期不作推测，结果为“未知”）。定级当日不计。已备案的规则即通过，逾期备案在证据中注明。
- 等级测评：三级、四级每年一次；处理超过 10 万人个人信息的二级每 3 年；其他二级每 5 年；从未测评的自定级日起算。
- 年度事项（领导小组会议、自查、应急演练、数据资产清查、培训、权限复核）：上一次之后 12 个月内。自查须同时包含漏洞扫描和渗透测试方计入。日期晚于今天的记录不计入。
- 距到期 ${DEFAULT_DUE_SOON_DAYS} 天内显示为“即将到期”，过期即为不通过。日期均按北京时间。

### 评分

- 主机得分 = 适用规则的加权通过率 × 100。权重：${weights('zh')}。“未知”按未通过计；不适用的规则不计；有效风险接受（例外）所覆盖的不通过或未知结果在到期前不计入，到期次日起重新计入。任一严重规则不通过或结果未知（且未被例外覆盖）时，主机得分最高 ${CRITICAL_CAP}：无法证明严重规则通过，与其不通过同等对待。
- 机构得分 = ${pct(w.technical)} 技术 + ${pct(w.governance)} 管理 + ${pct(w.coverage)} 覆盖（权重可由地区设置）：
  - 技术：主机得分的平均值，属于三级及以上定级对象的主机权重为 ${LEVEL3_HOST_WEIGHT}；
  - 管理：机构规则（INST-COVERAGE 除外，它已体现在覆盖部分）的加权通过率；
  - 覆盖：24 小时内有报告的主机数 / 已登记主机数。
  - 没有主机或没有记录时对应部分为 0：缺少证据不视为合规。
- 地区得分 = 辖区内机构得分的算术平均。
- 所有分数保留一位小数，上一级分数由下一级显示的分数计算，可以复算。

### 等级

${grades('zh')}

### 排名

同一地区内按得分从高到低；得分相同者，严重不通过项少者在前，再比高危不通过项，最后按机构名称（中文拼音排序）。仅因名称排序而先后的机构并列名次（如 1、2、2、4）。不通过项计数不含有效例外。
`;
}

function en(host: readonly RuleData[], inst: readonly RuleData[]): string {
  return `## English

### Rules

Each rule rests on the Measures for the Cybersecurity Management of Medical and Health Institutions (2022, articles cited M5, M6(2) …), the level-3 secure computing environment test items of GB/T 22239-2019 (MLPS-xx) and the maternal and child health information-security regulation (FY-…). A rule's result is pass, fail, unknown (data missing: collector error, unsupported, never reported — shown with the reason and **never counted as a pass**) or not applicable (not scored). Regions may only tighten thresholds and enable or disable rules; a rule id never changes meaning.

#### Host rules (evaluated on every report)

${ruleTable(host, 'en')}

#### Institution rules (evaluated daily and on every edit of the institution's records)

${ruleTable(inst, 'en')}

### Deadlines

- Filing: within ${FILING_WORKING_DAYS} working days after grading, counted on the State Council's holiday and adjusted-working-day (调休) calendar (chinese-days, ${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_YEAR}; dates outside it are not guessed, the result is unknown). The grading day is not counted. Once filed the rule passes; a late filing is noted in the evidence.
- Evaluation: yearly at level 3 and 4; every 3 years at level 2 with personal information of over 100,000 people; every 5 years at other level 2; counted from grading when never evaluated.
- Yearly items (leadership meeting, self-inspection, drill, data inventory, training, permission review): within 12 months of the last one. A self-inspection counts only with both a vulnerability scan and a penetration test. Records dated after today do not count.
- Within ${DEFAULT_DUE_SOON_DAYS} days of the due date an item is due soon; past it, the rule fails. Dates are China time.

### Scoring

- Host score = weighted pass ratio of the applicable rules × 100, weights ${weights('en')}. Unknown counts as not passed; not-applicable rules are left out; a failing or unknown finding covered by a valid risk exception is left out until the exception's last day, and counts again from the next day. Any critical rule that fails or is unknown (not excepted) caps the host at ${CRITICAL_CAP}: a critical rule that cannot be shown to pass is treated like one that fails.
- Institution score = ${pct(w.technical)} technical + ${pct(w.governance)} governance + ${pct(w.coverage)} coverage (weights are region settings):
  - technical: mean host score, hosts of MLPS systems of level 3 and above weighted ${LEVEL3_HOST_WEIGHT};
  - governance: weighted pass ratio of the institution rules except INST-COVERAGE (measured by the coverage part);
  - coverage: hosts reporting within 24 h / hosts registered.
  - A part without hosts or records is 0: missing evidence is not compliance.
- Region score = plain mean of its institutions' scores.
- Every score has one decimal, and each level is computed from the displayed scores below it, so any number can be recomputed by hand.

### Grades

${grades('en')}

### Ranking

Within a region, by score descending; equal scores by fewer failing critical findings, then fewer failing high findings, then the institution's name in Chinese (pinyin) collation. Institutions ordered only by name share a rank (1, 2, 2, 4). Failing counts exclude findings under a valid exception.
`;
}

function eolSection(): string {
  const rows = EOL_TABLE.map((e) => `| ${e.name} | ${e.date ?? '— (unknown / 未知)'} | ${cell(e.source)} |`);
  return `## 操作系统停止支持日期 / Operating-system end-of-life dates (HOST-OS-EOL)

| 系统 / OS | 停止安全支持 / end of support | 来源 / source |
| --- | --- | --- |
${rows.join('\n')}
`;
}

/** What each host rule reads from the agent, and why data the agent cannot vouch for never passes (issue 19). */
function uncertainSection(): string {
  const rows = Object.entries(HOST_RULE_READS).map(([id, reads]) => `| \`${id}\` | ${reads.length ? reads.map((r) => `\`${r}\``).join(', ') : '—'} |`);
  return `## 探针无法确定的数据 / Data the agent cannot vouch for

探针读到但无法确认的数据（输出被截断、无法解析、软件源未标明哪些更新是安全更新、配置未显式设置且不知道该发行版的默认值等）会在上报中逐项标明（字段与原因）。读取这些字段的规则不会判为通过，而是“未知”，并显示探针给出的原因；已读到的数据足以判定不通过时，仍判为不通过。上一版本探针以警告说明的同类情况（如 CentOS 7 软件源没有 updateinfo）同样处理。

Data the agent read but cannot vouch for (output cut short or unreadable, repositories that do not mark security updates, a setting left at a default unknown for that distribution, …) is flagged in the report, field by field, with the reason. A rule that reads a flagged field is never a pass: it is unknown, showing the agent's reason; a fail that the data read already proves stands. Previous agents' warnings that say the same (e.g. CentOS 7 repositories without updateinfo) count as such flags.

| 规则 / rule | 读取的数据 / reads |
| --- | --- |
${rows.join('\n')}
`;
}

export function renderMethodology(): string {
  const host = RULE_DATA.filter((r) => r.subject === 'host');
  const inst = RULE_DATA.filter((r) => r.subject === 'institution');
  return `<!-- Generated by shared/scripts/methodology.ts from the rule catalogue: do not edit by hand. -->
# 卫安 评估方法 / WeiAn assessment methodology

${zh(host, inst)}
${en(host, inst)}
${eolSection()}
${uncertainSection()}`;
}
