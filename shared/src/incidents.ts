import { z } from 'zod';
import { RegionCode } from './regionCode.js';

/**
 * Network-security incidents (事件上报) under 《国家网络安全事件报告管理办法》 (in force 2025-11-01):
 * levels, the grading criteria as data, the reporting deadline, statuses, and the input schemas.
 * Pure: the server passes the clock in.
 */

/** Highest first: index 0 is the most serious. */
export const INCIDENT_LEVELS = ['especially-major', 'major', 'large', 'general'] as const;
export type IncidentLevel = (typeof INCIDENT_LEVELS)[number];
export const INCIDENT_LEVEL_ZH = { 'especially-major': '特别重大', major: '重大', large: '较大', general: '一般' } as const satisfies Record<IncidentLevel, string>;
export const INCIDENT_LEVEL_EN = { 'especially-major': 'especially major', major: 'major', large: 'large', general: 'general' } as const satisfies Record<IncidentLevel, string>;
const rank = (l: IncidentLevel) => INCIDENT_LEVELS.indexOf(l);
/** 较大 and above: the 1 h / 4 h clock applies, and the region's channels are told at once. */
export const isLargeOrAbove = (l: IncidentLevel) => rank(l) <= rank('large');

export const INCIDENT_TYPES = ['ransomware', 'malware', 'intrusion', 'data-leak', 'ddos', 'outage', 'defacement', 'other'] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];
export const INCIDENT_TYPE_ZH = {
  ransomware: '勒索病毒',
  malware: '恶意程序',
  intrusion: '网络攻击入侵',
  'data-leak': '数据泄露',
  ddos: '拒绝服务攻击',
  outage: '系统中断',
  defacement: '网页篡改',
  other: '其他',
} as const satisfies Record<IncidentType, string>;

/** What the reporter answers in the guided choice; the level follows from it. */
export const IncidentCriteria = z.object({
  /** The institution operates critical information infrastructure (关键信息基础设施). */
  cii: z.boolean(),
  /** How long the affected systems were wholly down, in hours (0 when not down). */
  systemsDownHours: z
    .number()
    .min(0)
    .max(24 * 365),
  /** People whose personal information leaked. */
  recordsLeaked: z.number().int().min(0).max(2_000_000_000),
  /** Patients whose care was affected (recorded and shown; the guide sets no figure for it). */
  patientsAffected: z.number().int().min(0).max(2_000_000_000),
});
export type IncidentCriteria = z.infer<typeof IncidentCriteria>;

/**
 * The quantified lines of the 分级指南 as read for WeiAn: a level is reached when any of its lines is.
 * The outage line is the guide's "CII wholly interrupted for N hours", so it applies to CII only.
 * Checked (wt23) against the guide as published on 2025-09-12: the 特别重大 line (CII wholly down
 * 6 h or more; personal information of over 100 million people leaked) matches and is fixed here.
 * The 重大 and 较大 figures could not be read from a copy of the official text: they are region
 * settings (IncidentSettings) whose defaults (2 h / 10 million, 0.5 h / 1 million) are documented as
 * unconfirmed. The guide's qualitative lines (national security, social order) cannot be measured,
 * so a reporter may grade higher than the figures say, with a reason, never lower.
 */
export const ESPECIALLY_MAJOR_LINE = { ciiDownHours: 6, recordsLeaked: 100_000_000 } as const;

const hoursSetting = (max: number) => z.number().min(0.1).max(max);
const countSetting = (max: number) => z.number().int().min(1).max(max);
/**
 * Region settings for incidents: what the Measures and the guide leave open or what could not be
 * confirmed from the official text. Each field is optional: a region sets only what it changes, and
 * the rest is inherited (settingsTree.ts: the province sets the baseline, a city or county may only
 * lower a figure, which grades more incidents higher or gives less time). Measures' own 1 h / 4 h for
 * 较大 and above are fixed, not settings.
 */
export const IncidentSettings = z
  .object({
    /** Hours from discovery to report a 一般 incident (the Measures fix none; default 24). */
    generalReportHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .optional(),
    /** Days from closing to hand in the summary report (总结报告; default 30). */
    summaryDays: z.number().int().min(1).max(365).optional(),
    /** 重大: CII wholly down this many hours or more (unconfirmed default 2). */
    majorCiiDownHours: hoursSetting(ESPECIALLY_MAJOR_LINE.ciiDownHours).optional(),
    /** 重大: personal information of this many people or more leaked (unconfirmed default 10 million). */
    majorRecordsLeaked: countSetting(ESPECIALLY_MAJOR_LINE.recordsLeaked).optional(),
    /** 较大: CII wholly down this many hours or more (unconfirmed default 0.5). */
    largeCiiDownHours: hoursSetting(ESPECIALLY_MAJOR_LINE.ciiDownHours).optional(),
    /** 较大: personal information of this many people or more leaked (unconfirmed default 1 million). */
    largeRecordsLeaked: countSetting(ESPECIALLY_MAJOR_LINE.recordsLeaked).optional(),
  })
  .strict();
export type IncidentSettings = z.infer<typeof IncidentSettings>;
/** The incident settings in force: every figure present. */
export type ResolvedIncidentSettings = Required<IncidentSettings>;
export const DEFAULT_INCIDENT_SETTINGS: ResolvedIncidentSettings = {
  generalReportHours: 24,
  summaryDays: 30,
  majorCiiDownHours: 2,
  majorRecordsLeaked: 10_000_000,
  largeCiiDownHours: 0.5,
  largeRecordsLeaked: 1_000_000,
};
/** The settings whose defaults could not be confirmed from the official text (the methodology says so). */
export const UNCONFIRMED_INCIDENT_SETTINGS = ['majorCiiDownHours', 'majorRecordsLeaked', 'largeCiiDownHours', 'largeRecordsLeaked'] as const;
const INCIDENT_SETTING_KEYS = Object.keys(DEFAULT_INCIDENT_SETTINGS) as Array<keyof ResolvedIncidentSettings>;

/** A region's own settings over what it inherits: the province's apply as given (`baseline`), a lower level's only where lower. */
export function applyIncidentSettings(inherited: ResolvedIncidentSettings, own: IncidentSettings | undefined, baseline: boolean): ResolvedIncidentSettings {
  const out = { ...inherited };
  for (const k of INCIDENT_SETTING_KEYS) {
    const v = own?.[k];
    if (v !== undefined && (baseline || v < inherited[k])) out[k] = v;
  }
  return out;
}
/** What a lower level's incident settings would loosen against what it inherits (every figure: lower is stricter). */
export function incidentLoosenings(inherited: ResolvedIncidentSettings, own: IncidentSettings | undefined): string[] {
  return INCIDENT_SETTING_KEYS.filter((k) => own?.[k] !== undefined && own[k]! > inherited[k]).map((k) => `incidents.${k}: ${String(own![k])} is looser than ${String(inherited[k])} set above`);
}
/** The grading lines must stay in order: 较大 ≤ 重大 ≤ 特别重大 on each figure. */
export function incidentSettingsProblems(s: ResolvedIncidentSettings): string[] {
  const out: string[] = [];
  if (s.largeCiiDownHours > s.majorCiiDownHours) out.push(`incidents: the 较大 outage figure (${s.largeCiiDownHours} h) is above the 重大 one (${s.majorCiiDownHours} h)`);
  if (s.largeRecordsLeaked > s.majorRecordsLeaked) out.push(`incidents: the 较大 leak figure (${s.largeRecordsLeaked}) is above the 重大 one (${s.majorRecordsLeaked})`);
  return out;
}

export type GradingLine = { level: Exclude<IncidentLevel, 'general'>; ciiDownHours: number; recordsLeaked: number; confirmed: boolean };
/** The grading lines in force, highest first. */
export function gradingCriteria(s: ResolvedIncidentSettings = DEFAULT_INCIDENT_SETTINGS): GradingLine[] {
  return [
    { level: 'especially-major', ...ESPECIALLY_MAJOR_LINE, confirmed: true },
    { level: 'major', ciiDownHours: s.majorCiiDownHours, recordsLeaked: s.majorRecordsLeaked, confirmed: false },
    { level: 'large', ciiDownHours: s.largeCiiDownHours, recordsLeaked: s.largeRecordsLeaked, confirmed: false },
  ];
}

/** The least level the criteria give under the region's figures. */
export function gradeIncident(c: IncidentCriteria, s: ResolvedIncidentSettings = DEFAULT_INCIDENT_SETTINGS): IncidentLevel {
  for (const g of gradingCriteria(s)) if ((c.cii && c.systemsDownHours >= g.ciiDownHours) || c.recordsLeaked >= g.recordsLeaked) return g.level;
  return 'general';
}

/**
 * Why a report's level does not fit its criteria under the region's figures (null when it fits):
 * below what they give, or above it without saying which qualitative line of the guide applies.
 */
export function gradingProblem(
  v: { level: IncidentLevel; criteria: IncidentCriteria; gradingReason?: string | undefined },
  s: ResolvedIncidentSettings = DEFAULT_INCIDENT_SETTINGS,
): { path: 'level' | 'gradingReason'; message: string } | null {
  const floor = gradeIncident(v.criteria, s);
  if (rank(v.level) > rank(floor)) return { path: 'level', message: `the criteria given make this at least ${INCIDENT_LEVEL_ZH[floor]} (${INCIDENT_LEVEL_EN[floor]})` };
  if (rank(v.level) < rank(floor) && !v.gradingReason)
    return { path: 'gradingReason', message: `graded above ${INCIDENT_LEVEL_ZH[floor]}, which the criteria give: say which line of the grading guide applies` };
  return null;
}

const HOUR = 3600_000;
/** When the first report is due: 较大 and above 1 h (CII) or 4 h from discovery; 一般 the region's hours. */
export function reportDeadline(level: IncidentLevel, cii: boolean, discoveredAt: Date, settings: ResolvedIncidentSettings = DEFAULT_INCIDENT_SETTINGS): Date {
  const hours = isLargeOrAbove(level) ? (cii ? 1 : 4) : settings.generalReportHours;
  return new Date(discoveredAt.getTime() + hours * HOUR);
}
/** When the summary report (总结报告) is due, from closing. */
export const summaryDeadline = (closedAt: Date, settings: ResolvedIncidentSettings = DEFAULT_INCIDENT_SETTINGS) => new Date(closedAt.getTime() + settings.summaryDays * 24 * HOUR);

/**
 * reported → (follow-ups) → closed → summary submitted. 已接报 (received) is a mark, not a state. A
 * draft made from an alert is only a prefilled form: the incident exists once it is reported.
 */
export const INCIDENT_STATUSES = ['reported', 'closed', 'summarized'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const INCIDENT_STATUS_ZH = { reported: '已上报', closed: '已处置', summarized: '已提交总结报告' } as const satisfies Record<IncidentStatus, string>;
export const INCIDENT_ACTIONS = ['report', 'follow-up', 'close', 'summary', 'comment', 'request-info', 'receive', 'attach'] as const;
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number];
/** Which action may run from which status; anything else is refused. */
export const INCIDENT_TRANSITIONS: Record<IncidentAction, { from: readonly IncidentStatus[]; to: IncidentStatus | null }> = {
  report: { from: [], to: 'reported' },
  'follow-up': { from: ['reported'], to: null },
  close: { from: ['reported'], to: 'closed' },
  summary: { from: ['closed'], to: 'summarized' },
  comment: { from: ['reported', 'closed', 'summarized'], to: null },
  'request-info': { from: ['reported', 'closed'], to: null },
  receive: { from: ['reported', 'closed', 'summarized'], to: null },
  // Evidence files while the institution still reports: with the report and follow-ups, then for the summary.
  attach: { from: ['reported', 'closed'], to: null },
};
export const canIncident = (action: IncidentAction, status: IncidentStatus) => INCIDENT_TRANSITIONS[action].from.includes(status);

/** The part of the reporting an attachment belongs to (附件所属): the first report, a follow-up, or the summary report. */
export const INCIDENT_EVIDENCE_STAGES = ['report', 'follow-up', 'summary'] as const;
export type IncidentEvidenceStage = (typeof INCIDENT_EVIDENCE_STAGES)[number];
export const INCIDENT_EVIDENCE_STAGE_ZH = { report: '首报', 'follow-up': '续报', summary: '总结报告' } as const satisfies Record<IncidentEvidenceStage, string>;
/** An attachment made now goes with the summary once the incident is closed, else with the latest report or follow-up. */
export function incidentEvidenceStage(status: IncidentStatus, followedUp: boolean): IncidentEvidenceStage {
  if (status !== 'reported') return 'summary';
  return followedUp ? 'follow-up' : 'report';
}

/** What is wrong with an incident on the clock: reported late, or the summary overdue. */
export function incidentFlags(
  i: { status: IncidentStatus; reportDeadline: string; reportedAt: string | null; summaryDeadline: string | null; summarizedAt: string | null },
  now: Date,
): { late: boolean; summaryOverdue: boolean } {
  const due = Date.parse(i.reportDeadline);
  const late = i.reportedAt ? Date.parse(i.reportedAt) > due : now.getTime() > due;
  const summaryOverdue = i.summaryDeadline !== null && (i.summarizedAt ? Date.parse(i.summarizedAt) > Date.parse(i.summaryDeadline) : now.getTime() > Date.parse(i.summaryDeadline));
  return { late, summaryOverdue };
}

/** A ranking period (a month in China time, "YYYY-MM") as the instants it spans: [from, to). */
export function periodInstants(period: string): { from: Date; to: Date } {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return { from: new Date(`${period}-01T00:00:00+08:00`), to: new Date(`${next}-01T00:00:00+08:00`) };
}

export interface IncidentPeriodCounts {
  /** Reported within the period, after the deadline. */
  late: number;
  /** Summary reports that fell due within the period (up to `asOf`) and were missing or late by then. */
  summaryMissing: number;
}
type CountedIncident = Parameters<typeof incidentFlags>[0];
/**
 * The rankings' incident column (methodology): one institution's incidents of a period, as judged at
 * `asOf` (the period's end, or now for the current one). Counted, not scored: the score is the rules'.
 */
export function incidentPeriodCounts(incidents: readonly CountedIncident[], period: string, asOf: Date): IncidentPeriodCounts {
  const { from, to } = periodInstants(period);
  const at = new Date(Math.min(to.getTime(), asOf.getTime()));
  // In the period and already past at `asOf` (a report filed this very instant counts).
  const within = (iso: string | null) => iso !== null && Date.parse(iso) >= from.getTime() && Date.parse(iso) < to.getTime() && Date.parse(iso) <= asOf.getTime();
  let late = 0;
  let summaryMissing = 0;
  for (const i of incidents) {
    const f = incidentFlags(i, at);
    if (within(i.reportedAt) && f.late) late++;
    if (within(i.summaryDeadline) && f.summaryOverdue) summaryMissing++;
  }
  return { late, summaryMissing };
}

/** The two ranking columns' headers in the exports (CSV, XLSX, PDF). */
export const INCIDENT_COLUMN_HEADERS = { late: '迟报事件', summaryMissing: '缺总结报告' } as const;
/** How the incident columns count, for the methodology and the exports that carry it (one text, no drift). */
export function incidentColumnMethod(lang: 'zh' | 'en'): string {
  const { late, summaryMissing } = INCIDENT_COLUMN_HEADERS;
  return lang === 'zh'
    ? `“${late}”“${summaryMissing}”两列（网络安全事件报告，《网络安全事件报告管理办法》；排名页合为“事件迟报/缺总结”一列）：本期（中国时间的自然月）内上报时已超过报告时限的事件数；总结报告截止日落在本期、到本期末（当月为此刻）仍未提交或晚于截止日提交的事件数。两项只计数、列示，不计入得分和名次。时限在上报和处置完毕时按机构所在地区当时的设置确定并保存，之后改动设置不改变已定的时限。`
    : `The "${late}" (late reports) and "${summaryMissing}" (missing summaries) columns of the exports, one "incidents late / no summary" column on the ranking page (incident reporting, Incident Reporting Measures): incidents of the period (a calendar month in China time) reported after their reporting deadline; incidents whose summary-report deadline falls in the period and that had no summary, or a late one, at the period's end (now, for the current month). Both are counted and shown; they change neither score nor rank. Deadlines are fixed when an incident is reported and closed, from its region's settings at the time; later changes of settings do not move them.`;
}

/** Texts are bounded: a report is forwarded upward and must stay readable. */
export const INCIDENT_TEXT_MAX = 4000;
const Text = (max = INCIDENT_TEXT_MAX) => z.string().trim().min(1).max(max);
const Instant = z.iso.datetime({ offset: true });
const Id = z.string().min(1).max(64);

/** The level against the criteria depends on the region's figures: the server checks it (gradingProblem). */
export const IncidentDraftInput = z.object({
  title: Text(200),
  type: z.enum(INCIDENT_TYPES),
  discoveredAt: Instant,
  level: z.enum(INCIDENT_LEVELS),
  criteria: IncidentCriteria,
  /** Required when the level is above what the criteria give: which qualitative line of the guide applies. */
  gradingReason: Text(1000).optional(),
  systemIds: z.array(Id).max(100).default([]),
  hostIds: z.array(Id).max(500).default([]),
  impact: Text(),
  measures: Text(),
  cause: Text().optional(),
  supportRequested: Text(1000).optional(),
});
export type IncidentDraftInput = z.input<typeof IncidentDraftInput>;

/** Times are judged against the server's clock, so "not in the future" is checked there (assertIncidentTimes). */
export const IncidentReportInput = z.object({ institutionCode: Id, incident: IncidentDraftInput, fromAlertId: Id.optional() });
export const IncidentId = z.object({ incidentId: Id });
export const IncidentFollowUpInput = IncidentId.extend({ text: Text(), measures: Text().optional() });
export const IncidentCloseInput = IncidentId.extend({ text: Text() });
export const IncidentSummaryInput = IncidentId.extend({ cause: Text(), measures: Text(), rectification: Text(), lessons: Text() });
export const IncidentNoteInput = IncidentId.extend({ text: Text(2000) });
export const IncidentListInput = z
  .object({
    status: z.array(z.enum(INCIDENT_STATUSES)).max(3).optional(),
    regionCode: RegionCode.optional(),
    limit: z.number().int().min(1).max(500).default(100),
  })
  .default({ limit: 100 });

/** Allowed skew between a client's clock and the server's for "not in the future". */
export const INCIDENT_CLOCK_SKEW_MS = 60_000;
/** null when the times are coherent, else why not: discovery neither in the future nor after the report. */
export function incidentTimesProblem(discoveredAt: string, reportedAt: Date): string | null {
  const d = Date.parse(discoveredAt);
  if (d > reportedAt.getTime() + INCIDENT_CLOCK_SKEW_MS) return 'the discovery time is in the future or after the report time';
  return null;
}
