import { agoText } from '../relativeTime.js';
import { fail, fmtDays, HOUR_MS, pass, unknown, type HostChecks } from './check.js';

export const agentChecks: HostChecks<'HOST-AGENT-SILENT'> = {
  'HOST-AGENT-SILENT': (input, t, now) => {
    if (input.lastReportAt === null) return unknown('尚未收到该主机的任何报告', 'no report received from this host yet', { reason: 'no-report' });
    const hours = (now.getTime() - input.lastReportAt.getTime()) / HOUR_MS;
    const data = { lastReportAt: input.lastReportAt.toISOString(), hours: Math.round(hours) };
    return hours > t.silentHours
      ? fail(`已 ${fmtDays(hours / 24)} 天（${Math.round(hours)} 小时）未收到报告`, `no report for ${Math.round(hours)} h (${fmtDays(hours / 24)} days)`, data)
      : pass(`${agoText(hours).zh}收到最近一次报告`, `last report ${agoText(hours).en}`, data);
  },
};
