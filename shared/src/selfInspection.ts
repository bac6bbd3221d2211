/**
 * The yearly self-inspection (自查自评, 《管理办法》第九条): a checklist a region publishes for a year,
 * the institution's answers and self-scores, the bureau's review. Pure: templates, the tightening
 * of a template down the region tree, the submission's states, judging items from findings, scores.
 *
 * A template is the shipped default plus one layer per region from the province down. Like rule
 * settings, a layer only tightens: it adds items, raises points or brings the deadline forward,
 * and never removes or lowers what it inherits (a county cannot drop what its institutions fail).
 */
import type { IsoDate } from './calendar.js';
import type { RuleId } from './rules/index.js';

export const SELF_INSPECTION_CATEGORIES = ['governance', 'physical', 'personnel', 'supplyChain', 'medicalDevices', 'crypto', 'data', 'emergency', 'technical'] as const;
export type SelfInspectionCategory = (typeof SELF_INSPECTION_CATEGORIES)[number];
export const SELF_INSPECTION_CATEGORY_LABELS: Record<SelfInspectionCategory, { zh: string; en: string }> = {
  governance: { zh: '管理制度', en: 'Governance' },
  physical: { zh: '机房安全', en: 'Machine rooms' },
  personnel: { zh: '人员管理', en: 'Personnel' },
  supplyChain: { zh: '第三方与供应链', en: 'Third parties and supply chain' },
  medicalDevices: { zh: '医疗设备', en: 'Medical devices' },
  crypto: { zh: '密码应用', en: 'Cryptography' },
  data: { zh: '数据安全', en: 'Data security' },
  emergency: { zh: '应急', en: 'Emergency' },
  technical: { zh: '技术防护', en: 'Technical protection' },
};

export interface ChecklistItem {
  /** Stable within a year's template: answers are keyed by it. */
  id: string;
  category: SelfInspectionCategory;
  /** 指标 */
  indicator: string;
  /** 考核细则 */
  criteria: string;
  points: number;
  /** Citation codes (M9, FY-training …), shown in words by articles.ts. */
  articles: string[];
  /** Judged by WeiAn's findings for these rules: pre-filled and locked while the data can judge it. */
  ruleIds?: RuleId[];
  /** At least one evidence file (佐证材料) before the self-inspection can be submitted (a region may require it, never drop it). */
  evidenceRequired?: boolean;
}

const item = (id: string, category: SelfInspectionCategory, indicator: string, criteria: string, points: number, articles: string[], ruleIds?: RuleId[]): ChecklistItem => ({
  id,
  category,
  indicator,
  criteria,
  points,
  articles,
  ...(ruleIds ? { ruleIds } : {}),
});

/**
 * The shipped template: the Measures' obligations no agent can see (answered with evidence) and
 * those WeiAn's rules judge (pre-filled). 100 points.
 */
export const DEFAULT_CHECKLIST: readonly ChecklistItem[] = [
  item('GOV-LEADERSHIP', 'governance', '网络安全和信息化领导小组', '成立由主要负责人牵头的领导小组，每年至少召开一次会议，有会议纪要', 5, ['M5'], ['INST-GOV-LEADERSHIP']),
  item('GOV-POLICY', 'governance', '网络安全管理制度', '制定网络安全管理制度和操作规程，明确网络安全责任人和各岗位职责，每年修订', 4, ['M5', 'M9']),
  item(
    'GOV-MLPS',
    'governance',
    '等级保护定级、备案与测评',
    '网络完成定级；二级以上在定级后 10 个工作日内备案；按级别周期开展等级测评并制定整改方案',
    5,
    ['M6(1)', 'M6(2)', 'M6(4)'],
    ['INST-MLPS-UNGRADED', 'INST-MLPS-FILING', 'INST-MLPS-EVALUATION'],
  ),
  item('GOV-SELFCHECK', 'governance', '年度自查与整改报备', '每年开展自查（文档核查、漏洞扫描、渗透测试），对发现问题限期整改并向上级卫生健康行政部门报备', 5, ['M9'], ['INST-GOV-SELF-INSPECTION']),
  item('PHY-ROOM', 'physical', '机房物理安全', '机房门禁、视频监控、温湿度、消防和不间断电源措施到位，出入有登记', 5, ['M11']),
  item('PHY-REMOTE', 'physical', '远程运维管控', '经互联网远程运维须经评估审批，使用堡垒机并全程审计，远程管理端口不暴露在互联网', 5, ['M11'], ['HOST-PORT-REMOTE-PUBLIC']),
  item('PER-SECURITY', 'personnel', '关键岗位人员管理', '关键岗位人员经安全背景审查、签订保密协议；人员离岗时及时注销账号和权限', 5, ['M10']),
  item('PER-TRAINING', 'personnel', '培训计划与考核', '制定年度网络安全培训计划，全员培训并考核，有记录', 5, ['M10', 'FY-training'], ['INST-GOV-TRAINING']),
  item('PER-PERMISSION', 'personnel', '权限定期审查', '定期审查信息系统用户权限，清理多余、过期账号', 2, ['FY-roles'], ['INST-GOV-PERMISSION-REVIEW']),
  item('SUP-AGREEMENT', 'supplyChain', '供应商安全协议', '与信息系统和服务供应商签订网络安全与保密协议，明确安全责任和违约责任', 5, ['M4', 'M16']),
  item('SUP-THIRDPARTY', 'supplyChain', '第三方人员管控', '驻场及远程接入的第三方人员有登记、授权、监督和审计，离场收回权限', 3, ['M10', 'M11']),
  item('MED-DEVICE', 'medicalDevices', '联网医疗设备安全', '建立联网医疗设备台账，落实安全配置、补丁和访问控制，厂商远程维护受控', 5, ['M14']),
  item('CRY-PLAN', 'crypto', '商用密码应用', '商用密码与网络同步规划、同步建设、同步运行，按要求开展密码应用安全性评估', 5, ['M15']),
  item('CRY-TRANSPORT', 'crypto', '传输加密', '不使用 Telnet、FTP 等明文远程协议，传输采用加密通道', 2, ['M15', 'FY-transmission'], ['HOST-PORT-PLAINTEXT']),
  item('DAT-INVENTORY', 'data', '数据资产清单与分类分级', '每年梳理数据资产，开展数据分类分级，重要数据按要求报告', 5, ['M20'], ['INST-DATA-INVENTORY']),
  item('DAT-MEDIA', 'data', '存储介质管理', '建立存储介质台账，介质加密存放，报废介质按规定销毁并记录', 4, ['FY-storage', 'M17']),
  item(
    'DAT-BACKUP',
    'data',
    '数据备份与恢复',
    '重要数据定期备份并异地存放，定期开展恢复测试',
    5,
    ['FY-storage', 'M12'],
    ['HOST-BACKUP-NONE', 'HOST-BACKUP-STALE', 'HOST-BACKUP-FAILED', 'HOST-BACKUP-OFFSITE', 'HOST-BACKUP-RESTORE-TEST'],
  ),
  item('EMG-PLAN', 'emergency', '分级应急预案', '制定分级网络安全事件应急预案，明确处置流程和报告时限', 5, ['M8', 'FY-应急']),
  item('EMG-DRILL', 'emergency', '应急演练', '每年至少组织一次应急演练，有演练记录和总结', 5, ['M8'], ['INST-GOV-DRILL']),
  item('TEC-PATCH', 'technical', '系统维护期与安全补丁', '操作系统在厂商维护期内，安全补丁及时安装', 5, ['M9', 'MLPS-21'], ['HOST-OS-EOL', 'HOST-PATCH-SECURITY']),
  item('TEC-PORTS', 'technical', '高危端口', '高危服务端口不在公网地址上监听', 5, ['M11', 'MLPS-18'], ['HOST-PORT-RISKY-PUBLIC']),
  item('TEC-MALWARE', 'technical', '防火墙与恶意代码防范', '主机防火墙启用，防恶意代码软件运行', 5, ['FY-transmission', 'MLPS-23'], ['HOST-FIREWALL-OFF', 'HOST-AV-MISSING']),
];

/** One region's layer over what it inherits for a year. */
export interface TemplateLayer {
  regionCode: string;
  /** The region's submission deadline; null leaves the inherited one. */
  deadline: IsoDate | null;
  /** Items added by this region (free text only: a rule-judged item needs a rule, which the catalogue owns). */
  added: ChecklistItem[];
  /** Points raised on inherited items, by item id. */
  raised: Record<string, number>;
  /** Inherited items that now need an evidence file, by item id. */
  requireEvidence: string[];
}

export interface ResolvedTemplate {
  items: ChecklistItem[];
  deadline: IsoDate | null;
  totalPoints: number;
}

export const SELF_INSPECTION_MAX_POINTS = 20;

/**
 * What a layer would loosen or break against what it inherits, one line each, Chinese / English
 * (empty: it only tightens). The dashboard shows these before publishing; the server refuses with them.
 */
export function layerProblems(inherited: ResolvedTemplate, layer: Pick<TemplateLayer, 'deadline' | 'added' | 'raised'> & { requireEvidence?: readonly string[] }): string[] {
  const out: string[] = [];
  const known = new Map(inherited.items.map((i) => [i.id, i]));
  for (const [id, points] of Object.entries(layer.raised)) {
    const base = known.get(id);
    if (!base) out.push(`${id}：没有这个条目，无法提高分值 / ${id}: no such item to raise`);
    else if (points <= base.points)
      out.push(
        `${id}：${points} 分不高于上级规定的 ${base.points} 分，下级只能提高分值 / ${id}: ${points} points is not more than the ${base.points} set above (a lower region may only raise points)`,
      );
  }
  for (const id of layer.requireEvidence ?? []) if (!known.has(id)) out.push(`${id}：没有这个条目，无法要求佐证材料 / ${id}: no such item to require evidence for`);
  const ids = new Set<string>();
  for (const a of layer.added) {
    if (known.has(a.id) || ids.has(a.id)) out.push(`${a.id}：条目编号已被占用 / ${a.id}: the item id is already taken`);
    if (a.ruleIds?.length) out.push(`${a.id}：新增条目由机构填写，不能关联规则 / ${a.id}: an added item is answered by the institution, it cannot name rules`);
    ids.add(a.id);
  }
  if (layer.deadline && inherited.deadline && layer.deadline > inherited.deadline)
    out.push(`截止日期 ${layer.deadline} 晚于上级规定的 ${inherited.deadline} / the deadline ${layer.deadline} is later than ${inherited.deadline} set above`);
  return out;
}

/**
 * The default with each layer applied, province first. Only what tightens counts, so a layer stored
 * before an upper region raised the bar (or written around the check) cannot loosen it.
 */
export function resolveTemplate(layers: readonly TemplateLayer[], base: readonly ChecklistItem[] = DEFAULT_CHECKLIST): ResolvedTemplate {
  let items = base.map((i) => ({ ...i }));
  let deadline: IsoDate | null = null;
  for (const layer of layers) {
    items = items.map((i) => (layer.raised[i.id] !== undefined && layer.raised[i.id]! > i.points ? { ...i, points: layer.raised[i.id]! } : i));
    const required = new Set(layer.requireEvidence);
    items = items.map((i) => (required.has(i.id) && !i.evidenceRequired ? { ...i, evidenceRequired: true } : i));
    const taken = new Set(items.map((i) => i.id));
    for (const { ruleIds: _judgedByRules, ...added } of layer.added) if (!taken.has(added.id)) items.push(added);
    if (layer.deadline && (!deadline || layer.deadline < deadline)) deadline = layer.deadline;
  }
  return { items, deadline, totalPoints: items.reduce((s, i) => s + i.points, 0) };
}

// ---- judging from data ----------------------------------------------------------------------------
export type DataVerdict = { judged: true; compliant: boolean; failing: number } | { judged: false };

/**
 * A rule-judged item from the institution's findings of its rules: any failing → not compliant;
 * all passing (or not applicable) → compliant; nothing known or anything unknown → the data cannot
 * judge it, and the institution answers it like any other item.
 */
export function judgeFromFindings(item: ChecklistItem, findings: ReadonlyArray<{ ruleId: string; status: string }>): DataVerdict {
  if (!item.ruleIds?.length) return { judged: false };
  const mine = findings.filter((f) => (item.ruleIds as string[]).includes(f.ruleId));
  const failing = mine.filter((f) => f.status === 'fail').length;
  if (failing) return { judged: true, compliant: false, failing };
  if (!mine.length || mine.some((f) => f.status !== 'pass' && f.status !== 'not-applicable')) return { judged: false };
  return { judged: true, compliant: true, failing: 0 };
}

// ---- answers and states -----------------------------------------------------------------------------
export interface SelfInspectionAnswer {
  answer: string;
  selfScore: number;
  /** SHA-256 of evidence uploaded to this self-inspection. */
  evidence: string[];
  responsible: string;
  /** Filled from WeiAn's data, not the institution's word. */
  locked?: boolean;
  /** 现场检查: the bureau's score, when it differs from the self-score. */
  reviewScore?: number;
  reviewComment?: string;
}

export const SELF_INSPECTION_STATUSES = ['draft', 'submitted', 'returned', 'accepted'] as const;
export type SelfInspectionStatus = (typeof SELF_INSPECTION_STATUSES)[number];
export const SELF_INSPECTION_STATUS_LABELS: Record<SelfInspectionStatus, { zh: string; en: string }> = {
  draft: { zh: '填报中', en: 'being filled in' },
  submitted: { zh: '已提交', en: 'submitted' },
  returned: { zh: '已退回', en: 'returned' },
  accepted: { zh: '已审核', en: 'accepted' },
};

export type SelfInspectionActor = 'institution' | 'reviewer';
export type SelfInspectionAction = { type: 'save' } | { type: 'submit' } | { type: 'review'; decision: 'accept' | 'return' };
const ACTORS: Record<SelfInspectionAction['type'], SelfInspectionActor> = { save: 'institution', submit: 'institution', review: 'reviewer' };
const EDITABLE: ReadonlySet<SelfInspectionStatus> = new Set(['draft', 'returned']);

/** The next status, or why the action is refused in this status for this actor. */
export function applySelfInspectionAction(
  status: SelfInspectionStatus,
  actor: SelfInspectionActor,
  action: SelfInspectionAction,
): { ok: true; status: SelfInspectionStatus } | { ok: false; reason: string } {
  if (ACTORS[action.type] !== actor) return { ok: false, reason: `only the ${ACTORS[action.type] === 'institution' ? 'institution' : 'reviewing region'} may ${action.type} a self-inspection` };
  const label = SELF_INSPECTION_STATUS_LABELS[status].en;
  switch (action.type) {
    case 'save':
      return EDITABLE.has(status) ? { ok: true, status } : { ok: false, reason: `the self-inspection is ${label}: it cannot be changed now` };
    case 'submit':
      return EDITABLE.has(status)
        ? { ok: true, status: 'submitted' }
        : { ok: false, reason: status === 'submitted' ? 'the self-inspection was already submitted and waits for review' : `the self-inspection is ${label}: it cannot be submitted` };
    case 'review':
      return status === 'submitted'
        ? { ok: true, status: action.decision === 'accept' ? 'accepted' : 'returned' }
        : { ok: false, reason: `the self-inspection is ${label}: only a submitted one is reviewed` };
  }
}

/** What `actor` may do in `status`: the dashboard shows these buttons, the server accepts exactly these. */
export function allowedSelfInspectionActions(status: SelfInspectionStatus, actor: SelfInspectionActor): Array<SelfInspectionAction['type']> {
  const probe: SelfInspectionAction[] = [{ type: 'save' }, { type: 'submit' }, { type: 'review', decision: 'return' }];
  return probe.filter((a) => applySelfInspectionAction(status, actor, a).ok).map((a) => a.type);
}

/**
 * Items that still need an answer before submission: every item needs an answer and a responsible
 * person, and one whose template requires evidence an evidence file (unless WeiAn's data judged it).
 */
export function unansweredItems(items: readonly ChecklistItem[], answers: Readonly<Record<string, SelfInspectionAnswer>>): string[] {
  return items
    .filter((i) => {
      const a = answers[i.id];
      return !a || !a.answer.trim() || !a.responsible.trim() || (i.evidenceRequired && !a.locked && !a.evidence.length);
    })
    .map((i) => i.id);
}

/** Why a score cannot be given to `item`, or null: whole or half points from 0 to the item's points. */
export function scoreProblem(item: ChecklistItem, score: number): string | null {
  if (!Number.isFinite(score) || score < 0 || score > item.points || Math.round(score * 2) !== score * 2) return `${item.id}: a score is 0–${item.points} in steps of 0.5, got ${score}`;
  return null;
}

/**
 * Scores: the self-score sums the institution's scores; the final score takes the bureau's score
 * where it gave one (现场检查), else the self-score. Percent of the template's total, one decimal.
 */
export function selfInspectionScores(items: readonly ChecklistItem[], answers: Readonly<Record<string, SelfInspectionAnswer>>): { self: number; final: number; total: number; percent: number } {
  let self = 0;
  let final = 0;
  for (const i of items) {
    const a = answers[i.id];
    if (!a) continue;
    self += a.selfScore;
    final += a.reviewScore ?? a.selfScore;
  }
  const total = items.reduce((s, i) => s + i.points, 0);
  return { self, final, total, percent: total ? Math.round((final / total) * 1000) / 10 : 0 };
}
