import { ingestReport } from '../services/ingest.js';
import { runDailyEvaluation } from '../services/daily.js';
import type { ServiceDeps } from '../services/deps.js';
import { periodEnd, previousPeriod, currentPeriod } from '../services/periods.js';
import { closeIncident, reportIncident } from '../services/incidents.js';
import { putSettings } from '../services/settings.js';
import { enrollHost, hostSections, sampleReport } from './harness.js';
import { ADMIN, institutionUser } from './principals.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/**
 * Names a file format gets wrong: separators, quotes, line breaks, markup, a spreadsheet formula,
 * and two names that tie on everything but the name (pinyin order 安 before 北).
 */
export const TRICKY_NAMES = {
  comma: '西湖区第一人民医院,分院',
  quotes: '浙江"大学"附属医院',
  newline: '拱墅区中医院\n（新院区）',
  script: '<script>alert(1)</script>',
  formula: '=HYPERLINK("http://evil.example","点我")',
} as const;

export interface ExportFixture {
  /** The current period (the clock's month) and the previous one, which has daily snapshots. */
  period: string;
  previous: string;
  city: string;
  counties: string[];
}

/**
 * A city (杭州 330100) with two counties and real scores: hosts report (through ingest), the daily
 * job snapshots the last day of the previous month, then reports change and the job runs today.
 * `now` is the fixture's "today" (a test clock, or the real time for a server process).
 */
export async function seedExportFixture(deps: ServiceDeps, clock: { now: Date }, today: Date): Promise<ExportFixture> {
  const period = currentPeriod(today);
  const previous = previousPeriod(period);
  const institutions = [
    { code: 'HZ-XH-1', name: '西湖区人民医院', region: '330106', before: 'healthy', after: 'healthy' },
    { code: 'HZ-XH-2', name: TRICKY_NAMES.comma, region: '330106', before: 'exposed', after: 'healthy' },
    { code: 'HZ-XH-3', name: TRICKY_NAMES.script, region: '330106', before: 'healthy', after: 'exposed' },
    { code: 'HZ-XH-4', name: TRICKY_NAMES.formula, region: '330106', before: 'bare', after: 'bare' },
    { code: 'HZ-GS-1', name: TRICKY_NAMES.newline, region: '330105', before: 'bare', after: 'healthy' },
    { code: 'HZ-GS-2', name: TRICKY_NAMES.quotes, region: '330105', before: 'healthy', after: 'exposed' },
    { code: 'HZ-GS-3', name: '北湖社区卫生服务中心', region: '330105', before: 'exposed', after: 'exposed' },
    { code: 'HZ-GS-4', name: '安康医院', region: '330105', before: 'exposed', after: 'exposed' },
  ] as const;
  // Late on the last day of the previous month (China time): that day's snapshot stands for the month.
  clock.now = new Date(`${periodEnd(previous)}T12:00:00Z`);
  const agents = [];
  for (const i of institutions) {
    const agent = await enrollHost(deps, { institution: i.code, name: i.name, region: i.region, hostname: `${i.code}-srv` });
    agents.push(agent);
    await ingestReport(deps, agent, sampleReport(agent.id, clock.now, hostSections(clock.now, `${i.code}-srv`, i.before)), 1000);
  }
  await runDailyEvaluation(deps);
  clock.now = new Date(today);
  for (const [n, i] of institutions.entries()) {
    const agent = agents[n]!;
    await ingestReport(deps, agent, sampleReport(agent.id, clock.now, hostSections(clock.now, `${i.code}-srv`, i.after)), 1000);
  }
  await runDailyEvaluation(deps);
  return { period, previous, city: '330100', counties: ['330105', '330106'] };
}

/** The institution the incident fixture reports for, and what the ranking's incident columns then say for it. */
export const INCIDENT_FIXTURE = { code: 'HZ-XH-1', late: 1, summaryMissing: 1 } as const;
/**
 * Incidents for the rankings' incident columns, within the fixture's month: a 较大 report filed 5 h
 * after discovery (late), and a 一般 incident closed 3 days ago whose summary, due after the one day
 * its county allows, never came. Call after `seedExportFixture`; the clock ends where it was.
 */
export async function seedFixtureIncidents(deps: ServiceDeps, clock: { now: Date }): Promise<void> {
  const today = clock.now;
  const who = institutionUser(INCIDENT_FIXTURE.code, '330106');
  const none = { cii: false, systemsDownHours: 0, recordsLeaked: 0, patientsAffected: 0 };
  const report = (discoveredAt: Date, level: 'large' | 'general', recordsLeaked: number) =>
    reportIncident(deps, who, {
      institutionCode: INCIDENT_FIXTURE.code,
      incident: {
        title: '勒索病毒加密 HIS 数据库',
        type: 'ransomware',
        discoveredAt: discoveredAt.toISOString(),
        level,
        criteria: { ...none, recordsLeaked },
        impact: '门诊挂号中断',
        measures: '断网隔离',
      },
    });
  await putSettings(deps, ADMIN, '330106', { incidents: { summaryDays: 1 } });
  clock.now = new Date(today.getTime() - 3 * DAY);
  await closeIncident(deps, who, (await report(new Date(clock.now.getTime() - HOUR), 'general', 0)).id, '处置完毕');
  clock.now = today;
  await report(new Date(today.getTime() - 5 * HOUR), 'large', 1_500_000);
}
