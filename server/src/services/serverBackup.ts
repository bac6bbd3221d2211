import { join } from 'node:path';
import { listAudit } from '../storage/audit.js';
import { installedAt } from '../storage/databaseState.js';
import { backupSqlite, BackupError, pruneBackups, scheduledBackupName, scheduledBackups, type BackupResult } from '../storage/backup.js';
import { recordAudit, type AuditEntry } from './audit.js';
import type { ServiceDeps } from './deps.js';

/**
 * The server's own backups: made by `weian-server backup` or on schedule, each recorded in the audit
 * log (action server.backup), which is also where the dashboard reads how fresh the last one is.
 * WeiAn grades hospitals on their backups; an admin sees the age of WeiAn's own.
 */
export const BACKUP_ACTION = 'server.backup';

export interface BackupSchedule {
  dataDir: string;
  dir: string;
  everyHours: number;
  keep: number;
}

export async function makeBackup(
  deps: ServiceDeps,
  opts: { dataDir: string; to: string; kind: 'manual' | 'scheduled'; actor: AuditEntry['actor']; onProgress?: (done: number, total: number) => void },
): Promise<BackupResult> {
  try {
    const r = await backupSqlite(opts.dataDir, opts.to, opts.onProgress);
    await recordAudit(deps, { actor: opts.actor, action: BACKUP_ACTION, detail: { kind: opts.kind, file: r.file, bytes: r.bytes, sha256: r.sha256, reports: r.reports, hosts: r.hosts } });
    return r;
  } catch (e) {
    const reason = e instanceof BackupError ? e.message : `the backup failed: ${(e as Error).message}`;
    // A failed backup is recorded too: an admin must see that last night's did not happen, and why.
    await recordAudit(deps, { actor: opts.actor, action: BACKUP_ACTION, outcome: 'failed', detail: { kind: opts.kind, file: opts.to, reason } }).catch(() => {});
    throw e instanceof BackupError ? e : new BackupError(reason);
  }
}

/** The scheduled job's work: a backup when the newest in the directory is older than the interval, then retention. */
export async function scheduledBackup(deps: ServiceDeps, schedule: BackupSchedule): Promise<BackupResult | null> {
  if (deps.dialect !== 'sqlite' || schedule.everyHours <= 0) return null;
  const newest = scheduledBackups(schedule.dir)[0];
  const now = deps.now();
  if (newest) {
    const stamp = /weian-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(newest);
    const at = stamp ? Date.UTC(+stamp[1]!, +stamp[2]! - 1, +stamp[3]!, +stamp[4]!, +stamp[5]!, +stamp[6]!) : 0;
    // A few minutes' slack: the job fires hourly, and "every 24 hours" must not drift to 25.
    if (now.getTime() - at < schedule.everyHours * 3600_000 - 10 * 60_000) return null;
  }
  const r = await makeBackup(deps, { dataDir: schedule.dataDir, to: join(schedule.dir, scheduledBackupName(now)), kind: 'scheduled', actor: { type: 'system', id: null, name: 'backup-schedule' } });
  pruneBackups(schedule.dir, schedule.keep);
  return r;
}

export interface BackupStatus {
  /** SQLite: the server backs itself up; PostgreSQL: pg_dump does (docs/operations.md), WeiAn cannot see it. */
  dialect: 'sqlite' | 'postgres';
  schedule: { everyHours: number; keep: number; dir: string } | null;
  last: { at: string; kind: string; file: string; bytes: number; sha256: string } | null;
  lastFailure: { at: string; reason: string } | null;
  /** Hours since the last good backup; null when there is none. */
  ageHours: number | null;
  /** SQLite: the last good backup (or, with none, the install) is older than the schedule allows. */
  stale: boolean;
}

export async function backupStatus(deps: ServiceDeps, schedule: Omit<BackupSchedule, 'dataDir'> | null): Promise<BackupStatus> {
  const rows = await listAudit(deps.db, { kind: 'all' }, { limit: 50, action: BACKUP_ACTION });
  const good = rows.find((r) => r.outcome === 'ok');
  const failed = rows.find((r) => r.outcome === 'failed');
  const detail = (s: string) => JSON.parse(s) as Record<string, unknown>;
  const last = good
    ? { at: good.at, kind: String(detail(good.detail).kind), file: String(detail(good.detail).file), bytes: Number(detail(good.detail).bytes), sha256: String(detail(good.detail).sha256) }
    : null;
  const ageHours = last ? Math.round(((deps.now().getTime() - Date.parse(last.at)) / 3600_000) * 10) / 10 : null;
  const allowed = schedule && schedule.everyHours > 0 ? schedule.everyHours * 1.5 : 48;
  // With no backup yet, the clock runs from the install: a new server is not "stale" in its first day.
  const since = last?.at ?? (await installedAt(deps.db));
  const overdue = since !== null && (deps.now().getTime() - Date.parse(since)) / 3600_000 > allowed;
  return {
    dialect: deps.dialect,
    schedule: deps.dialect === 'sqlite' && schedule ? { everyHours: schedule.everyHours, keep: schedule.keep, dir: schedule.dir } : null,
    last,
    // Only a failure newer than the last success matters.
    lastFailure: failed && (!good || failed.at > good.at) ? { at: failed.at, reason: String(detail(failed.detail).reason) } : null,
    ageHours,
    stale: deps.dialect === 'sqlite' && overdue,
  };
}
