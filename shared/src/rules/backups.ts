import type { BackupJob, BackupsData } from '../schemas/sections.js';
import { agoText } from '../relativeTime.js';
import { ageDays, combine, fail, fmtDays, HOUR_MS, notApplicable, pass, sectionData, unknown, type HostChecks } from './check.js';
import type { CheckResult } from './types.js';
import type { HostCheckInput } from './inputs.js';

/** The declared jobs, or why the job rules do not apply or cannot be judged. */
function jobsOf(input: HostCheckInput): { ok: true; jobs: BackupJob[] } | { ok: false; result: CheckResult } {
  const backups = sectionData('backups', input.sections.backups);
  if (!backups.ok) return backups;
  if (!hasJobs(backups.data))
    // No job at all is HOST-BACKUP-NONE's failure (where backups are required), not each job rule's.
    return { ok: false, result: notApplicable('未声明备份任务（见 HOST-BACKUP-NONE）', 'no backup job declared (see HOST-BACKUP-NONE)') };
  return { ok: true, jobs: backups.data.jobs };
}
const hasJobs = (d: BackupsData) => d.configured && d.jobs.length > 0;

const unreadable = (job: BackupJob): CheckResult | null =>
  job.error === null ? null : unknown(`任务 ${job.name} 状态无法读取：${job.error}`, `job ${job.name}: state could not be read: ${job.error}`, { reason: 'job-unreadable' });

export const backupChecks: HostChecks<'HOST-BACKUP-NONE' | 'HOST-BACKUP-STALE' | 'HOST-BACKUP-FAILED' | 'HOST-BACKUP-OFFSITE' | 'HOST-BACKUP-RESTORE-TEST'> = {
  'HOST-BACKUP-NONE': (input, t) => {
    if (input.mlpsLevel === null || input.mlpsLevel < t.minLevel) return notApplicable(`主机不属于${t.minLevel}级及以上定级对象`, `the host belongs to no MLPS system of level ${t.minLevel} or above`);
    const backups = sectionData('backups', input.sections.backups);
    if (!backups.ok) return backups.result;
    const data = { mlpsLevel: input.mlpsLevel, jobs: backups.data.jobs.length };
    return hasJobs(backups.data)
      ? pass(`已声明 ${backups.data.jobs.length} 个备份任务`, `${backups.data.jobs.length} backup jobs declared`, data)
      : fail(`主机属于${input.mlpsLevel}级定级对象，但未声明备份任务`, `the host belongs to a level-${input.mlpsLevel} system but declares no backup job`, data);
  },

  'HOST-BACKUP-STALE': (input, t, now) => {
    const j = jobsOf(input);
    if (!j.ok) return j.result;
    return combine(
      j.jobs.map((job) => {
        const result = ((): CheckResult => {
          const bad = unreadable(job);
          if (bad) return bad;
          const limitHours = t.staleFactor * job.intervalHours;
          if (job.lastSuccessAt === null) return fail(`任务 ${job.name} 从未成功`, `job ${job.name} never succeeded`, { limitHours });
          const hours = (now.getTime() - new Date(job.lastSuccessAt).getTime()) / HOUR_MS;
          const data = { lastSuccessAt: job.lastSuccessAt, ageHours: Math.round(hours), limitHours };
          if (hours <= limitHours) return pass(`任务 ${job.name} ${agoText(hours).zh}成功`, `job ${job.name} succeeded ${agoText(hours).en}`, data);
          const critical = hours / 24 > t.criticalAfterDays;
          return fail(
            `任务 ${job.name} 最近成功在 ${fmtDays(hours / 24)} 天前，超过周期的 ${t.staleFactor} 倍（${limitHours} 小时）`,
            `job ${job.name} last succeeded ${fmtDays(hours / 24)} days ago, over ${t.staleFactor} × its interval (${limitHours} h)`,
            data,
            critical ? 'critical' : 'high',
          );
        })();
        return { label: job.name, result };
      }),
      notApplicable('无备份任务', 'no backup job'),
    );
  },

  'HOST-BACKUP-FAILED': (input) => {
    const j = jobsOf(input);
    if (!j.ok) return j.result;
    return combine(
      j.jobs.map((job) => ({
        label: job.name,
        result:
          unreadable(job) ??
          (job.lastStatus === 'failed'
            ? fail(`任务 ${job.name} 最近一次执行失败`, `job ${job.name}: last attempt failed`, { lastAttemptAt: job.lastAttemptAt })
            : job.lastStatus === 'unknown'
              ? unknown(`任务 ${job.name} 最近一次执行结果未知`, `job ${job.name}: outcome of the last attempt unknown`, { reason: 'value-unknown' })
              : pass(`任务 ${job.name} 最近一次执行成功`, `job ${job.name}: last attempt succeeded`, { lastAttemptAt: job.lastAttemptAt })),
      })),
      notApplicable('无备份任务', 'no backup job'),
    );
  },

  'HOST-BACKUP-OFFSITE': (input, t) => {
    const j = jobsOf(input);
    if (!j.ok) return j.result;
    const severity = input.mlpsLevel !== null && input.mlpsLevel >= t.highFromLevel ? 'high' : 'medium';
    const offsite = j.jobs.filter((job) => job.offsite).map((job) => job.name);
    return offsite.length
      ? pass(`有异地副本：${offsite.join(', ')}`, `off-site copy kept by: ${offsite.join(', ')}`, { offsite }, severity)
      : fail('没有任何备份任务保存异地副本', 'no backup job keeps an off-site copy', { jobs: j.jobs.length }, severity);
  },

  'HOST-BACKUP-RESTORE-TEST': (input, t, now) => {
    const j = jobsOf(input);
    if (!j.ok) return j.result;
    const limit = input.mlpsLevel !== null && input.mlpsLevel >= 3 ? t.maxDaysLevel3 : t.maxDays;
    const tests = j.jobs.flatMap((job) => (job.lastRestoreTestAt ? [job.lastRestoreTestAt] : [])).sort();
    const latest = tests.at(-1);
    if (!latest) return fail('没有任何恢复测试记录', 'no restore test recorded', { limitDays: limit });
    const days = ageDays(latest, now);
    const data = { lastRestoreTestAt: latest, days: Number(fmtDays(days)), limitDays: limit };
    return days > limit
      ? fail(`最近一次恢复测试在 ${fmtDays(days)} 天前，超过 ${limit} 天`, `last restore test ${fmtDays(days)} days ago, over ${limit}`, data)
      : pass(`最近一次恢复测试在 ${fmtDays(days)} 天前`, `last restore test ${fmtDays(days)} days ago`, data);
  },
};
