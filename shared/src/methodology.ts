import { CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR } from './calendar.js';
import { DEFAULT_DUE_SOON_DAYS, FILING_WORKING_DAYS } from './deadlines.js';
import { articlesText } from './articles.js';
import { EOL_TABLE } from './eol.js';
import { DEFAULT_INCIDENT_SETTINGS as INC, ESPECIALLY_MAJOR_LINE as EM, incidentColumnMethod } from './incidents.js';
import { HOST_RULE_READS } from './rules/reads.js';
import { RULE_DATA } from './rules/catalogue.js';
import type { RuleData, ThresholdSpec } from './rules/types.js';
import { DEFAULT_SCORE_WEIGHTS } from './schemas/settings.js';
import { PLACE_NAME_READINGS } from './nameOrder.js';
import { CRITICAL_CAP, GRADES, LEVEL3_HOST_WEIGHT, SEVERITY_WEIGHTS } from './scoring.js';
import { supervisionMethod } from './supervisionFigures.js';
import { SEVERITY_ZH } from './terms.js';
import { renderWorkedExample } from './workedExample.js';

/**
 * docs/methodology.md, rendered from the catalogue and the scoring constants so that the document
 * a bureau shows an institution cannot drift from what the code does. Regenerate with
 * `npx tsx shared/scripts/methodology.ts`; methodology.test.ts fails when the committed file is stale.
 */
type Lang = 'zh' | 'en';
const SEV: Record<Lang, Record<string, string>> = {
  zh: SEVERITY_ZH,
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
      ? '| 规则 | 名称 | 严重程度 | 依据 | 判定不合规 | 默认阈值 | 整改建议 |\n| --- | --- | --- | --- | --- | --- | --- |'
      : '| rule | title | severity | rests on | fails when | default thresholds | remediation |\n| --- | --- | --- | --- | --- | --- | --- |';
  const rows = rules.map((r) => {
    const note = r.severityNote ? (lang === 'zh' ? `（${r.severityNote.zh}）` : ` (${r.severityNote.en})`) : '';
    const sev = SEV[lang][r.severity]! + note;
    const th =
      Object.values(r.thresholds)
        .map((s) => fmtThreshold(s, lang))
        .join('; ') || '—';
    return `| ${r.id} | ${cell(r.title[lang])} | ${cell(sev)} | ${lang === 'zh' ? cell(articlesText(r.articles).zh) : r.articles.join(', ')} | ${cell(r.failsWhen[lang])} | ${cell(th)} | ${cell(r.remediation[lang])} |`;
  });
  return [head, ...rows].join('\n');
}

const w = DEFAULT_SCORE_WEIGHTS;
const backupMinLevel = () => String(RULE_DATA.find((r) => r.id === 'HOST-BACKUP-NONE')!.thresholds.minLevel!.default);
const pct = (x: number) => `${Math.round(x * 100)}%`;
const weights = (lang: Lang) =>
  Object.entries(SEVERITY_WEIGHTS)
    .map(([s, n]) => `${SEV[lang][s]} ${n}`)
    .join(lang === 'zh' ? '，' : ', ');
const grades = (lang: Lang) =>
  GRADES.map((g, i) => {
    const upper = i === 0 ? '' : lang === 'zh' ? `，低于 ${GRADES[i - 1]!.min}` : `, below ${GRADES[i - 1]!.min}`;
    return lang === 'zh' ? `- ${g.letter} ${g.zh}：≥ ${g.min}${upper}` : `- ${g.letter} ${g.en}: ≥ ${g.min}${upper}`;
  }).join('\n');

function zh(host: readonly RuleData[], inst: readonly RuleData[], withPinyin = true): string {
  return `## 中文

### 规则

每条规则依据《医疗卫生机构网络安全管理办法》（国卫规划发〔2022〕29号，下称《管理办法》）、GB/T 22239-2019《网络安全等级保护基本要求》第三级安全计算环境测评项（下称等保）及妇幼卫生信息安全管理制度，各规则的“依据”列出具体条款。每条规则的结果为：合规、不合规、未知（数据缺失：采集失败、不支持、尚未上报——显示原因，**绝不视为合规**）或不适用（不计分）。地区只能收紧阈值、启用或停用规则，规则编号的含义不变。

#### 主机规则（每次上报时评估）

${ruleTable(host, 'zh')}

#### 机构规则（每日及机构记录变更时评估）

${ruleTable(inst, 'zh')}

### 期限

- 备案：定级后 ${FILING_WORKING_DAYS} 个工作日内，按国务院公布的节假日及调休安排计算（数据随软件提供，覆盖 ${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_YEAR} 年，其后各年由管理员按国务院办公厅通知导入；没有数据的年份不作推测，结果为“未知”）。定级当日不计。已备案即合规，逾期备案在证据中注明。
- 等级测评：三级、四级每年一次；处理超过 10 万人个人信息的二级每 3 年；其他二级每 5 年；从未测评的自定级日起算。
- 年度事项（领导小组会议、自查、应急演练、数据资产清查、培训、权限复核）：上一次之后 12 个月内。自查须同时包含漏洞扫描和渗透测试方计入。日期晚于今天的记录不计入。
- 距到期 ${DEFAULT_DUE_SOON_DAYS} 天内显示为“即将到期”，过期即为不合规。日期均按北京时间。

### 评分

- 主机得分 = 适用规则的加权合规率 × 100。权重：${weights('zh')}。“未知”按不合规计；不适用的规则不计；有效风险接受（例外）所覆盖的不合规或未知结果在到期前不计入，到期次日起重新计入。任一严重规则不合规或结果未知（且未被例外覆盖）时，主机得分最高 ${CRITICAL_CAP}：无法证明严重规则合规，与其不合规同等对待。导出中“因严重项降至${CRITICAL_CAP}”为“是”，表示按比例算出的得分高于 ${CRITICAL_CAP}、被降为 ${CRITICAL_CAP}（比例本已不高于 ${CRITICAL_CAP} 的主机为“否”，即使有严重项不合规）。
- 没有任何适用规则的主机没有得分，不计入技术平均（仍计入覆盖）。
- 备份：未声明任何备份任务的主机，HOST-BACKUP-STALE、HOST-BACKUP-FAILED、HOST-BACKUP-OFFSITE、HOST-BACKUP-RESTORE-TEST 不适用（不计分）；这类主机是否必须有备份只由 HOST-BACKUP-NONE 判定（默认仅适用于 ${backupMinLevel()} 级及以上定级对象的主机）。
- 机构得分 = ${pct(w.technical)} 技术 + ${pct(w.governance)} 管理 + ${pct(w.coverage)} 覆盖（权重可由地区设置，按六位小数计）：
  - 技术：有得分的主机得分的加权平均，属于三级及以上定级对象的主机权重为 ${LEVEL3_HOST_WEIGHT}，其他为 1；
  - 管理：机构规则（INST-COVERAGE 除外，它已体现在覆盖部分）的加权合规率；外部暴露规则（EXT-\*）也是机构规则，计入这一部分：只计目标最近一轮完整扫描中仍开放的端口；机构未登记公网地址时不适用，登记的地址在有效期内没有完整扫描时为“未知”；
  - 覆盖：在 HOST-AGENT-SILENT 的最长静默时间（默认 24 小时，地区可收紧）内有报告的主机数 / 已登记主机数（不含已退役主机）。
  - 没有主机或没有记录时对应部分为 0：缺少证据不视为合规。
  - 何时重算：所读内容变化（某主机的分数，某项结果的结论、严重程度或风险例外，机构的档案与机构级结果）后约 1 秒；其主机仍在上报时，随主机每小时的重新评估至少每小时重算一次——覆盖率与等保期限仅随时间变化，地区设置中的权重调整也由此生效；每日任务亦重算。主机重新评估结果不变时不会更频繁地重算。
- 地区得分 = 辖区内全部机构得分的算术平均。尚无得分的机构（已登记、尚未上报）按 0 分、D 等计入平均和等级分布。概览卡片、趋势线、下级地区对比和排名导出（CSV、XLSX、PDF）的地区数字都由同一计算得出。
- 取整：计算按精确十进制进行（以 0.1 分为单位的整数），每一级只取整一次，四舍五入（恰为 x.x5 时进位）：主机得分、技术、管理、覆盖各保留一位小数；机构得分由这三个一位小数的部分加权求和后取整；地区得分由机构得分求平均后取整。上一级分数由下一级显示的分数计算，可以复算。例：0.6 × 66.6 + 0.3 × 33.3 + 0.1 × 100 = 59.95 → 60.0，等级 C。
- 等级按显示的一位小数得分判定：89.9 为 B，90.0 为 A。

### 等级

${grades('zh')}

### 排名

同一地区内按得分从高到低；得分相同者，严重不合规项少者在前，再比高危不合规项，再按机构名称（中文拼音排序，多音字地名按地名读音，见下表），名称完全相同时按机构代码。仅因名称或代码先后的机构并列名次（如 1、2、2、4）。不合规项计数与导出中的“严重不合规”“高危不合规”列相同：只计“不合规”，不含“未知”和有效例外——未知的严重项已在得分中按封顶计入，而排名的先后应能从导出的数字直接核对。

一个排名中的所有机构按排名地区的规则设置（启用的规则、阈值、权重）评判。市、县只能在上级设置的基础上收紧：收紧地区的机构在本地区的视图中按其更严格的设置计分；在上级地区的排名及其导出中，则以已存储的检查结果为基础、按排名地区的设置重新计分（排名地区未启用的规则不计入，阈值不同的规则按排名地区的阈值重新判定），因此下级的收紧不会改变其机构在上级排名中的位置。排名页注明哪些下级地区收紧了哪些规则。往月排名读取该月最后一次每日快照，按快照时各机构所在地区的设置计分。
${incidentColumnMethod('zh')}

### 网络安全事件分级与时限

按《网络安全事件报告管理办法》及其分级指南，事件按下列量化标准定级，达到任一条即为该级；上报人可说明理由定得更高，不能定得更低。
- 特别重大：关键信息基础设施全面中断 ≥ ${EM.ciiDownHours} 小时，或 ≥ ${EM.recordsLeaked.toLocaleString('en-US')} 人个人信息泄露（已按分级指南原文核实，不可设置）。
- 重大：关键信息基础设施全面中断 ≥ ${INC.majorCiiDownHours} 小时，或 ≥ ${INC.majorRecordsLeaked.toLocaleString('en-US')} 人个人信息泄露。
- 较大：关键信息基础设施全面中断 ≥ ${INC.largeCiiDownHours} 小时，或 ≥ ${INC.largeRecordsLeaked.toLocaleString('en-US')} 人个人信息泄露。
- **重大、较大两级的数字未能从官方原文核实，是默认值**，由地区设置（重大、较大两级各自的中断时长和泄露人数）。省级设定基准（可高于或低于默认值，但较大不得高于重大，均不得高于特别重大）；市、县只能调低（更多事件定为更高级别），调高的设置被拒绝。上报表单按机构所在地区在用的数字给出最低级别。
- 上报时限自发现时起算：较大及以上，关键信息基础设施运营者 1 小时、其他 4 小时（办法原文，不可设置）；一般事件 ${INC.generalReportHours} 小时（办法未规定，默认值，地区可设置）。
- 总结报告：处置完毕后 ${INC.summaryDays} 天内提交（默认值，地区可设置；市、县只能缩短）。到期未提交即告警。

多音字地名读音表（排序时按右列读音）：

${placeReadings(withPinyin)}

${supervisionMethod('zh')}`;
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

- Filing: within ${FILING_WORKING_DAYS} working days after grading, counted on the State Council's holiday and adjusted-working-day (调休) calendar (chinese-days, ${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_YEAR}, later years as loaded by an administrator from the State Council notice; years without data are not guessed, the result is unknown). The grading day is not counted. Once filed the rule passes; a late filing is noted in the evidence.
- Evaluation: yearly at level 3 and 4; every 3 years at level 2 with personal information of over 100,000 people; every 5 years at other level 2; counted from grading when never evaluated.
- Yearly items (leadership meeting, self-inspection, drill, data inventory, training, permission review): within 12 months of the last one. A self-inspection counts only with both a vulnerability scan and a penetration test. Records dated after today do not count.
- Within ${DEFAULT_DUE_SOON_DAYS} days of the due date an item is due soon; past it, the rule fails. Dates are China time.

### Scoring

- Host score = weighted pass ratio of the applicable rules × 100, weights ${weights('en')}. Unknown counts as not passed; not-applicable rules are left out; a failing or unknown finding covered by a valid risk exception is left out until the exception's last day, and counts again from the next day. Any critical rule that fails or is unknown (not excepted) caps the host at ${CRITICAL_CAP}: a critical rule that cannot be shown to pass is treated like one that fails. The exports' column "因严重项降至${CRITICAL_CAP}" (lowered to ${CRITICAL_CAP} by a critical) says yes when the ratio was above ${CRITICAL_CAP} and the cap lowered it; a host whose ratio is ${CRITICAL_CAP} or less says no, even with failing criticals.
- A host with no applicable rule has no score and is left out of the technical mean (it still counts in coverage).
- Backups: on a host that declares no backup job, HOST-BACKUP-STALE, HOST-BACKUP-FAILED, HOST-BACKUP-OFFSITE and HOST-BACKUP-RESTORE-TEST are not applicable (not scored); whether such a host must have a backup is decided by HOST-BACKUP-NONE alone (by default only for hosts of MLPS systems of level ${backupMinLevel()} and above).
- Institution score = ${pct(w.technical)} technical + ${pct(w.governance)} governance + ${pct(w.coverage)} coverage (weights are region settings, read to six decimals):
  - technical: weighted mean of the scores of the hosts that have one, hosts of MLPS systems of level 3 and above weighted ${LEVEL3_HOST_WEIGHT}, others 1;
  - governance: weighted pass ratio of the institution rules except INST-COVERAGE (measured by the coverage part); the outside-in rules (EXT-\*) are institution rules and count here: only ports still open in their target's latest complete scan round count; with no public address registered they are not applicable, and registered addresses without a complete round within the window make them unknown;
  - coverage: hosts reporting within HOST-AGENT-SILENT's maximum silence (default 24 h; a region may tighten it) / hosts registered (retired hosts excluded).
  - A part without hosts or records is 0: missing evidence is not compliance.
  - When it is recomputed: about a second after a change in what it reads (a host's score; a finding's status, severity or risk exception; the institution's records and its own findings); while its hosts report, at least once an hour, as their hourly re-judgements come (time alone moves coverage and MLPS deadlines, and a change of the weights in the region settings reaches it this way); and by the daily job. A host judged again with the same result does not recompute it more often.
- Region score = plain mean of the scores of all its institutions. An institution with no score yet (registered, nothing reported) counts as 0 and grade D, in the mean and in the grade counts. The overview card, the trend line, the sub-region comparison and the ranking exports (CSV, XLSX, PDF) take their region figures from the one computation.
- Rounding: the arithmetic is exact decimal (integers of tenths), and each level is rounded once, half up (an exact x.x5 goes up): host score, technical, governance and coverage to one decimal; the institution score from those one-decimal parts, then rounded; the region score from the institutions' scores, then rounded. Each level is computed from the displayed scores below it, so any number can be recomputed by hand. Example: 0.6 × 66.6 + 0.3 × 33.3 + 0.1 × 100 = 59.95 → 60.0, grade C.
- Grades are read on the displayed one-decimal score: 89.9 is B, 90.0 is A.

### Grades

${grades('en')}

### Ranking

Within a region, by score descending; equal scores by fewer failing critical findings, then fewer failing high findings, then the institution's name in Chinese (pinyin) collation, with polyphonic place names read as places (table above), then, for identical names, the institution code. Institutions ordered only by name or code share a rank (1, 2, 2, 4). The failing counts are the exports' "严重不合规" and "高危不合规" columns: failing only, not unknown, findings under a valid exception excluded. An unknown critical already costs its cap in the score, and the order must be checkable from the numbers in the export.

A ranking judges every institution by the ranking region's settings (rules enabled, thresholds, weights). A city or county may only tighten what it inherits: its institutions are scored by its stricter settings in its own views, while in a ranking of a region above (and its exports) they are scored again from their stored findings under the ranking region's settings (rules that region does not run are left out, rules it runs with other thresholds are judged again with its thresholds), so a lower level's tightening cannot move its institutions in the ranking above. The ranking names the regions below that tighten, and the rules. A past month's ranking reads that month's last daily snapshot, scored by each institution's settings at the time.
${incidentColumnMethod('en')}

### Incident grading and deadlines

Under the Incident Reporting Measures and their grading guide, an incident reaches a level when any of that level's lines is met; a reporter may grade higher with a reason, never lower.
- Especially major: critical information infrastructure (CII) wholly down ≥ ${EM.ciiDownHours} h, or personal information of ≥ ${EM.recordsLeaked.toLocaleString('en-US')} people leaked (checked against the guide's text; not a setting).
- Major: CII wholly down ≥ ${INC.majorCiiDownHours} h, or personal information of ≥ ${INC.majorRecordsLeaked.toLocaleString('en-US')} people leaked.
- Large: CII wholly down ≥ ${INC.largeCiiDownHours} h, or personal information of ≥ ${INC.largeRecordsLeaked.toLocaleString('en-US')} people leaked.
- **The major and large figures could not be confirmed from the official text: they are defaults**, and region settings (incidents.majorCiiDownHours, majorRecordsLeaked, largeCiiDownHours, largeRecordsLeaked). The province sets the baseline (above or below the defaults, large never above major, neither above especially major); a city or county may only lower a figure (grading more incidents higher), and a higher one is refused. The report form gives the least level under the figures in force for the institution's region.
- Report deadline from discovery: large and above, 1 h for CII operators and 4 h for others (the Measures' own figures; not settings); general, ${INC.generalReportHours} h (the Measures set none: a default, region setting generalReportHours).
- Summary report: within ${INC.summaryDays} days of closing (a default, region setting summaryDays; a city or county may only shorten it). Past that, an alert opens.
${supervisionMethod('en')}`;
}

function eolSection(lang: Lang | 'both'): string {
  if (lang === 'zh') {
    const rows = EOL_TABLE.map((e) => `| ${e.name} | ${e.date ?? (e.notAfter ? `未知（不晚于 ${e.notAfter}）` : '未知')} | ${cell(e.sourceZh)} |`);
    return `## 操作系统停止支持日期（规则 HOST-OS-EOL）

| 系统 | 停止安全支持 | 来源 |
| --- | --- | --- |
${rows.join('\n')}
`;
  }
  const rows = EOL_TABLE.map((e) => `| ${e.name} | ${e.date ?? (e.notAfter ? `— (unknown, no later than ${e.notAfter} / 未知，不晚于 ${e.notAfter})` : '— (unknown / 未知)')} | ${cell(e.source)} |`);
  return `## 操作系统停止支持日期 / Operating-system end-of-life dates (HOST-OS-EOL)

| 系统 / OS | 停止安全支持 / end of support | 来源 / source |
| --- | --- | --- |
${rows.join('\n')}
`;
}

/** The polyphonic place names; the pinyin column only where the reader also reads English (the exports are Chinese alone). */
function placeReadings(withPinyin: boolean): string {
  if (!withPinyin) return ['| 地名 | 按此排序 |', '| --- | --- |', ...PLACE_NAME_READINGS.map(([word, readAs]) => `| ${word} | ${readAs} |`)].join('\n');
  const rows = PLACE_NAME_READINGS.map(([word, readAs, pinyin]) => `| ${word} | ${readAs} | ${pinyin} |`);
  return ['| 地名 place name | 按此排序 collated as | 读音 reading |', '| --- | --- | --- |', ...rows].join('\n');
}

/** What each host rule reads from the agent, and why data the agent cannot vouch for never passes (issue 19). */
function uncertainSection(): string {
  const rows = Object.entries(HOST_RULE_READS).map(([id, reads]) => `| \`${id}\` | ${reads.length ? reads.map((r) => `\`${r}\``).join(', ') : '—'} |`);
  return `## 探针无法确定的数据 / Data the agent cannot vouch for

探针读到但无法确认的数据（输出被截断、无法解析、软件源未标明哪些更新是安全更新、配置未显式设置且不知道该发行版的默认值等）会在上报中逐项标明（字段与原因）。读取这些字段的规则不会判为合规，而是“未知”，并显示探针给出的原因；已读到的数据足以判定不合规时，仍判为不合规。上一版本探针以警告说明的同类情况（如 CentOS 7 软件源没有 updateinfo）同样处理。

Data the agent read but cannot vouch for (output cut short or unreadable, repositories that do not mark security updates, a setting left at a default unknown for that distribution, …) is flagged in the report, field by field, with the reason. A rule that reads a flagged field is never a pass: it is unknown, showing the agent's reason; a fail that the data read already proves stands. Previous agents' warnings that say the same (e.g. CentOS 7 repositories without updateinfo) count as such flags.

| 规则 / rule | 读取的数据 / reads |
| --- | --- |
${rows.join('\n')}
`;
}

/** docs/methodology.md in both languages; `'zh'` gives the Chinese half alone, for the exports a bureau reads. */
export function renderMethodology(lang: 'both' | 'zh' = 'both'): string {
  const host = RULE_DATA.filter((r) => r.subject === 'host');
  const inst = RULE_DATA.filter((r) => r.subject === 'institution');
  // Alone, the Chinese half needs no "## 中文" heading.
  if (lang === 'zh') return `# 卫安 评估方法\n\n${zh(host, inst, false).replace(/^## 中文\n\n/, '')}\n${eolSection('zh')}`;
  return `<!-- Generated by shared/scripts/methodology.ts from the rule catalogue: do not edit by hand. -->
# 卫安 评估方法 / WeiAn assessment methodology

${zh(host, inst)}
${en(host, inst)}
${renderWorkedExample()}
${eolSection('both')}
${uncertainSection()}`;
}
