import { ingestReport } from '../services/ingest.js';
import { runDailyEvaluation } from '../services/daily.js';
import type { ServiceDeps } from '../services/deps.js';
import { periodEnd, previousPeriod, currentPeriod } from '../services/periods.js';
import { enrollHost, hostSections, sampleReport } from './harness.js';

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
