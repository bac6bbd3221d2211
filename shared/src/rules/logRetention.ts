import type { SecurityData } from '../schemas/sections.js';
import { ageDays, fmtDays } from './check.js';

export type LogStore = NonNullable<SecurityData['logRetention']>['stores'][number];
export interface StoreVerdict {
  status: 'pass' | 'fail' | 'unknown';
  zh: string;
  en: string;
}

/** Windows' event logs as a Chinese Windows names them; other stores (paths, daemons) as the system names them. */
const NAME_ZH: Readonly<Record<string, string>> = { Security: '安全日志', System: '系统日志', Application: '应用程序日志', journald: 'journald 日志', auditd: 'auditd 审计日志' };
export const logStoreNameZh = (name: string): string => NAME_ZH[name] ?? name;
/** The name with the space Chinese text leaves after a Latin word or path. */
const spaced = (name: string): string => (/[\x21-\x7e]$/.test(name) ? `${name} ` : name);

/**
 * One log store against the minimum (HOST-LOG-RETENTION, and the host page's rows): its oldest entry
 * decides where known and old enough; else its configuration (a time bound, a size cap already
 * reached, or nothing ever removed); else unknown.
 */
export function judgeLogStore(s: LogStore, minDays: number, now: Date): StoreVerdict {
  const zhName = spaced(logStoreNameZh(s.name));
  const age = s.oldestEntryAt === null ? null : ageDays(s.oldestEntryAt, now);
  if (age !== null && age >= minDays) return { status: 'pass', zh: `${zhName}最早一条日志在 ${fmtDays(age)} 天前`, en: `${s.name} holds entries from ${fmtDays(age)} days ago` };
  if (s.neverDeletes) return { status: 'pass', zh: `${zhName}按配置不删除旧日志`, en: `${s.name} never removes entries by its settings` };
  if (s.keepDays !== null && s.keepDays < minDays) return { status: 'fail', zh: `${zhName}按配置只保留 ${s.keepDays} 天`, en: `${s.name} keeps ${s.keepDays} days by its settings` };
  if (age !== null && s.atSizeCap === true)
    return { status: 'fail', zh: `${zhName}已达容量上限，最早一条日志仅在 ${fmtDays(age)} 天前`, en: `${s.name} is at its size cap and its oldest entry is ${fmtDays(age)} days old` };
  if (s.keepDays !== null) return { status: 'pass', zh: `${zhName}按配置保留 ${s.keepDays} 天`, en: `${s.name} keeps ${s.keepDays} days by its settings` };
  return {
    status: 'unknown',
    zh: `${zhName}的留存未按时间限定${age === null ? '，且最早一条日志的时间无法读取' : `，最早一条日志在 ${fmtDays(age)} 天前（主机可能较新）`}`,
    en: `${s.name} is not bounded by time and ${age === null ? 'its oldest entry could not be read' : `its oldest entry is ${fmtDays(age)} days old (the host may be younger)`}`,
  };
}

/**
 * The logs a host keeps, each judged once: the journal and the syslog files (/var/log/…) carry the same
 * system messages, so that log is kept when the journal keeps it or every syslog file does; fails only
 * when the journal (if any) fails too. auditd's log and each Windows event log stand alone.
 */
export function logGroups<V extends { store: LogStore; status: StoreVerdict['status'] }>(verdicts: readonly V[]): Array<{ status: StoreVerdict['status']; members: V[] }> {
  const isSystem = (v: V) => v.store.name === 'journald' || v.store.name.startsWith('/var/log');
  const system = verdicts.filter(isSystem);
  const groups = verdicts.filter((v) => !isSystem(v)).map((v) => ({ status: v.status, members: [v] }));
  if (!system.length) return groups;
  const journal = system.filter((v) => v.store.name === 'journald');
  const files = system.filter((v) => v.store.name !== 'journald');
  const status: StoreVerdict['status'] =
    journal.some((v) => v.status === 'pass') || (files.length > 0 && files.every((v) => v.status === 'pass'))
      ? 'pass'
      : journal.every((v) => v.status === 'fail') && (files.length === 0 || files.some((v) => v.status === 'fail'))
        ? 'fail'
        : 'unknown';
  return [{ status, members: system }, ...groups];
}
