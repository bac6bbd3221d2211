import { judgeLogStore, RULE_DATA_BY_ID, type SecurityData } from '@weian/shared';
import type { SecurityRow } from './accountRows.js';
import { formatDateTime } from '../i18n/format.js';

/** The catalogue's default minimum (region settings may raise it; the host page judges by the default, as the account rows do). */
const MIN_DAYS = Number(RULE_DATA_BY_ID['HOST-LOG-RETENTION'].thresholds.minDays!.default);
const NAMED = new Set(['Security', 'System', 'Application', 'journald', 'auditd']);

/** Log retention rows (agents from issue 19 on): each log store, whether it keeps the default minimum, and what says so. */
export function logRetentionRows(d: SecurityData, t: (key: string, values?: Record<string, unknown>) => string, now: Date = new Date()): SecurityRow[] {
  const lr = d.logRetention;
  if (lr === undefined) return [];
  const yesNo = { yes: t('logRetention.kept', { days: MIN_DAYS }), no: t('logRetention.short', { days: MIN_DAYS }), good: true };
  if (lr === null) return [{ item: t('logRetention.title'), value: null, ...yesNo, detail: t('accounts.unread') }];
  return lr.stores.map((s) => {
    const status = judgeLogStore(s, MIN_DAYS, now).status;
    const detail = [
      s.oldestEntryAt ? t('logRetention.oldest', { at: formatDateTime(s.oldestEntryAt) }) : '',
      s.keepDays !== null ? t('logRetention.keepDays', { days: s.keepDays }) : '',
      s.neverDeletes ? t('logRetention.neverDeletes') : '',
      s.atSizeCap ? t('logRetention.atSizeCap') : '',
    ].filter(Boolean);
    return {
      item: `${t('logRetention.title')}：${NAMED.has(s.name) ? t(`logRetention.names.${s.name}`) : s.name}`,
      value: status === 'pass' ? true : status === 'fail' ? false : null,
      ...yesNo,
      detail: detail.join(' · '),
    };
  });
}
