import {
  INCIDENT_EVIDENCE_STAGE_ZH,
  INCIDENT_LEVEL_ZH,
  INCIDENT_LEVELS,
  INCIDENT_STATUS_ZH,
  INCIDENT_TYPE_ZH,
  INCIDENT_TYPES,
  periodInstants,
  type IncidentLevel,
  type IncidentType,
} from '@weian/shared';
import { listIncidentsReportedIn } from '../../storage/incidents.js';
import type { Scope } from '../../storage/scope.js';
import type { ServiceDeps } from '../deps.js';
import { getIncidentDetail, incidentView, type IncidentView } from '../incidents.js';
import { regionPrefix } from '@weian/shared';
import { rankingPeriod } from '../rankings.js';
import { visibleRegion } from '../regions.js';
import { chinaTime } from './format.js';
import { factsSection, section, type Section } from './institutionSections.js';

/**
 * 事件报告 and 事件统计 in the shape a bureau forwards upward: the sections both files are made from
 * (XLSX: a sheet each; PDF: a table each). No patient data beyond what the institution wrote in the report.
 */
const when = (iso: string | null) => (iso ? chinaTime(iso) : null);
const yesNo = (b: boolean) => (b ? '是' : '否');
const ACTION_ZH: Record<string, string> = {
  report: '首报',
  'follow-up': '续报',
  close: '处置完毕',
  summary: '总结报告',
  comment: '批注',
  'request-info': '要求补充',
  receive: '已接报',
  notified: '通知渠道',
  attach: '附件',
};

export async function incidentReport(deps: ServiceDeps, scope: Scope, id: string) {
  const d = await getIncidentDetail(deps, scope, id);
  const generatedAt = deps.now().toISOString();
  const facts: Array<[string, string | number | null]> = [
    ['事件名称', d.title],
    ['报告单位', `${d.institutionName}（${d.institutionCode}）`],
    ['事件类型', INCIDENT_TYPE_ZH[d.type]],
    ['事件级别', INCIDENT_LEVEL_ZH[d.level]],
    ['关键信息基础设施', yesNo(d.cii)],
    ['分级依据', `系统中断 ${d.criteria.systemsDownHours} 小时；泄露记录 ${d.criteria.recordsLeaked} 条；影响患者 ${d.criteria.patientsAffected} 人${d.gradingReason ? `；${d.gradingReason}` : ''}`],
    ['发现时间', when(d.discoveredAt)],
    ['报告时间', when(d.reportedAt)],
    ['报告时限', when(d.reportDeadline)],
    ['是否按时报告', d.late ? '迟报' : '按时'],
    ['受影响的等保系统', d.systems.map((x) => (x.level ? `${x.name}（${x.level}级）` : x.name)).join('、') || '—'],
    ['受影响的主机', d.hosts.map((h) => h.hostname).join('、') || '—'],
    ['影响范围', d.impact],
    ['已采取措施', d.measures],
    ['初步原因', d.cause],
    ['需要的支持', d.supportRequested],
    ['状态', INCIDENT_STATUS_ZH[d.status]],
    ['处置完毕时间', when(d.closedAt)],
    ['总结报告期限', when(d.summaryDeadline)],
    ['总结报告提交时间', when(d.summarizedAt)],
    ['接报', d.receivedAt ? `${when(d.receivedAt)}（${d.receivedBy ?? ''}）` : '未接报'],
  ];
  type Event = (typeof d.timeline)[number];
  type Evidence = (typeof d.evidence)[number];
  const summary: Array<[string, string | number | null]> = d.summary
    ? [
        ['事件原因', d.summary.cause],
        ['处置措施', d.summary.measures],
        ['整改情况', d.summary.rectification],
        ['经验教训', d.summary.lessons],
      ]
    : [];
  const sections: Section[] = [
    factsSection('事件概况', facts),
    factsSection('总结报告', summary),
    section<Event>(
      '处置经过',
      [
        { header: '时间', width: 24, value: (e) => when(e.at) },
        { header: '事项', width: 12, nowrap: true, value: (e) => ACTION_ZH[e.action] ?? e.action },
        { header: '操作人', width: 16, value: (e) => e.actor.name },
        { header: '内容', width: 60, value: (e) => timelineText(e.detail) },
      ],
      d.timeline,
    ),
    // The files as received, each with its SHA-256: whoever gets the report can check a copy against it.
    section<Evidence>(
      '附件',
      [
        { header: '文件名', width: 30, value: (e) => e.name },
        { header: '所属', width: 10, nowrap: true, value: (e) => INCIDENT_EVIDENCE_STAGE_ZH[e.stage] },
        { header: '类型', width: 8, nowrap: true, value: (e) => e.type.toUpperCase() },
        { header: '字节数', width: 12, numeric: true, value: (e) => e.size },
        { header: 'SHA-256', width: 66, value: (e) => e.sha256 },
        { header: '上传时间', width: 24, value: (e) => when(e.uploadedAt) },
        { header: '上传人', width: 16, value: (e) => e.uploadedBy },
      ],
      d.evidence,
    ),
  ];
  return { incident: d, generatedAt, title: `网络安全事件报告：${d.title}`, sections };
}

/** A timeline entry's words: the text written, or for a channel send whether it went through. */
function timelineText(detail: Record<string, unknown>): string {
  if (typeof detail.text === 'string') return detail.text;
  if (typeof detail.sha256 === 'string') return `${String(detail.name)}（SHA-256 ${detail.sha256}）`;
  if (typeof detail.channel === 'string') return `${detail.channel}：${detail.ok ? '已送达' : `未送达（${String(detail.error ?? detail.httpStatus ?? '')}）`}`;
  return '';
}

interface Tally {
  total: number;
  late: number;
}
const rate = (t: Tally) => (t.total ? Math.round(((t.total - t.late) / t.total) * 1000) / 10 : null);

/** Counts by level and by type, with the on-time rate: pure, from the incidents' views. */
export function incidentStatistics(incidents: readonly IncidentView[]) {
  const tally = (pick: (i: IncidentView) => boolean): Tally => {
    const of = incidents.filter(pick);
    return { total: of.length, late: of.filter((i) => i.late).length };
  };
  return {
    all: { ...tally(() => true), summaryOverdue: incidents.filter((i) => i.summaryOverdue).length },
    byLevel: INCIDENT_LEVELS.map((level: IncidentLevel) => ({ level, ...tally((i) => i.level === level) })),
    byType: INCIDENT_TYPES.map((type: IncidentType) => ({ type, ...tally((i) => i.type === type) })).filter((x) => x.total > 0),
  };
}

export async function incidentStatsReport(deps: ServiceDeps, scope: Scope, input: { regionCode: string; period?: string | undefined }) {
  const region = await visibleRegion(deps, scope, input.regionCode);
  const { period } = rankingPeriod(deps.now(), input.period);
  const { from, to } = periodInstants(period);
  const now = deps.now();
  const incidents = (await listIncidentsReportedIn(deps.db, scope, regionPrefix(input.regionCode), from.toISOString(), to.toISOString())).map((r) => incidentView(r, now));
  const stats = incidentStatistics(incidents);
  const pct = (t: Tally) => (rate(t) === null ? '—' : `${rate(t)!.toFixed(1)}%`);
  type ByLevel = (typeof stats.byLevel)[number];
  type ByType = (typeof stats.byType)[number];
  const sections: Section[] = [
    factsSection('总体情况', [
      ['地区', `${region.name}（${region.code}）`],
      ['期间', `${period}（北京时间自然月，按报告时间）`],
      ['事件总数', stats.all.total],
      ['按时报告', stats.all.total - stats.all.late],
      ['迟报', stats.all.late],
      ['按时报告率', pct(stats.all)],
      ['总结报告逾期', stats.all.summaryOverdue],
    ]),
    section<ByLevel>(
      '按级别',
      [
        { header: '级别', width: 12, value: (x) => INCIDENT_LEVEL_ZH[x.level] },
        { header: '事件数', width: 10, numeric: true, value: (x) => x.total },
        { header: '迟报', width: 10, numeric: true, value: (x) => x.late },
        { header: '按时报告率', width: 12, value: (x) => pct(x) },
      ],
      stats.byLevel,
    ),
    section<ByType>(
      '按类型',
      [
        { header: '类型', width: 16, value: (x) => INCIDENT_TYPE_ZH[x.type] },
        { header: '事件数', width: 10, numeric: true, value: (x) => x.total },
        { header: '迟报', width: 10, numeric: true, value: (x) => x.late },
        { header: '按时报告率', width: 12, value: (x) => pct(x) },
      ],
      stats.byType,
    ),
    section<IncidentView>(
      '事件清单',
      [
        { header: '报告单位', width: 24, value: (i) => i.institutionName },
        { header: '事件名称', width: 30, value: (i) => i.title },
        { header: '级别', width: 10, nowrap: true, value: (i) => INCIDENT_LEVEL_ZH[i.level] },
        { header: '类型', width: 12, nowrap: true, value: (i) => INCIDENT_TYPE_ZH[i.type] },
        { header: '发现时间', width: 22, value: (i) => when(i.discoveredAt) },
        { header: '报告时间', width: 22, value: (i) => when(i.reportedAt) },
        { header: '报告时限', width: 22, value: (i) => when(i.reportDeadline) },
        { header: '按时', width: 8, nowrap: true, value: (i) => (i.late ? '迟报' : '按时') },
        { header: '状态', width: 14, value: (i) => INCIDENT_STATUS_ZH[i.status] },
        { header: '总结报告', width: 14, value: (i) => (i.summarizedAt ? (i.summaryOverdue ? '逾期提交' : '已提交') : i.summaryOverdue ? '逾期未交' : '—') },
      ],
      incidents,
    ),
  ];
  return { region, period, generatedAt: now.toISOString(), title: `网络安全事件统计 ${region.name} ${period}`, stats, rows: incidents.length, sections };
}
