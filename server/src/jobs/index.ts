import { DEFAULT_ALERT_OPTIONS, detectOffline, foldAlertCounts, resolveQuietSignIns, type AlertOptions } from '../services/alerts.js';
import { pruneAuthRecords } from '../services/auth.js';
import { runDailyEvaluation } from '../services/daily.js';
import { raiseOverdueNotices } from '../services/notices.js';
import { checkIncidentSummaries, retryIncidentNotifications } from '../services/incidents.js';
import { sendDueNotifications, type SendOptions } from '../services/notify.js';
import { scheduledBackup, type BackupSchedule } from '../services/serverBackup.js';
import { keepTableStatistics } from '../services/tableStatistics.js';
import type { JobRunner, JobSpec } from './runner.js';

export interface JobOptions {
  alerts?: AlertOptions;
  notify?: Partial<SendOptions>;
  /** The server's own SQLite backups (absent: none scheduled, as for one-shot tools). */
  backup?: BackupSchedule;
}

/** Every scheduled job; the work lives in services, this is only when. */
export function jobsFor(opts: JobOptions = {}): JobSpec[] {
  return [
    {
      // Just after midnight China time: deadlines, patch age, expiring exceptions; stale hosts; the day's score snapshot.
      // Its finding changes reach the alert engine, which opens deadline alerts for failing institution rules.
      name: 'daily-evaluation',
      cron: '10 0 * * *',
      timezone: 'Asia/Shanghai',
      run: async (deps) => void (await runDailyEvaluation(deps)),
    },
    {
      // Rectification notices past their deadline: one alert per institution, sent to the region's channels once.
      name: 'notices-overdue',
      cron: '20 0 * * *',
      timezone: 'Asia/Shanghai',
      run: async (deps) => void (await raiseOverdueNotices(deps)),
    },
    {
      // Agents silent past the threshold raise offline alerts; agents seen again resolve theirs.
      name: 'alerts-offline',
      cron: '* * * * *',
      run: async (deps) => void (await detectOffline(deps, opts.alerts ?? DEFAULT_ALERT_OPTIONS)),
    },
    {
      // The alert counts the lists and the overview sum: each alert change added a row, folded here into one per key.
      name: 'alert-counts-fold',
      cron: '* * * * *',
      run: async (deps) => void (await foldAlertCounts(deps)),
    },
    {
      // Accounts no longer guessed at for a whole throttling window resolve their sign-in alert.
      name: 'alerts-sign-in',
      cron: '* * * * *',
      run: async (deps) => void (await resolveQuietSignIns(deps)),
    },
    {
      // Retention: expired sessions and stale login failures would otherwise accumulate forever.
      name: 'auth-prune',
      cron: '17 * * * *',
      run: async (deps) => pruneAuthRecords(deps),
    },
    {
      // The notification outbox: closes grouping windows and sends (and retries) what is due.
      name: 'notifications-send',
      cron: '*/10 * * * * *',
      run: async (deps) => void (await sendDueNotifications(deps, opts.notify)),
    },
    {
      // Incident summary reports past their deadline raise an alert; all in, it resolves.
      name: 'incidents-summary',
      cron: '*/5 * * * *',
      run: async (deps) => void (await checkIncidentSummaries(deps)),
    },
    {
      // The server's own database: a backup when the newest is older than WEIAN_BACKUP_EVERY_HOURS, then retention.
      name: 'server-backup',
      cron: '41 * * * *',
      run: async (deps) => {
        if (opts.backup) await scheduledBackup(deps, opts.backup);
      },
    },
    {
      // PostgreSQL without autovacuum: the tables' statistics, which the prepared statements' plans come from.
      name: 'table-statistics',
      cron: '23 * * * *',
      run: async (deps) => void (await keepTableStatistics(deps)),
    },
    {
      // Incident messages a channel did not take are sent again with the outbox's backoff.
      name: 'incidents-notify-retry',
      cron: '*/30 * * * * *',
      run: async (deps) => void (await retryIncidentNotifications(deps, opts.notify)),
    },
  ];
}
export const JOBS: JobSpec[] = jobsFor();

export function scheduleJobs(runner: JobRunner, jobs: JobSpec[] = JOBS): void {
  for (const job of jobs) runner.schedule(job);
}
