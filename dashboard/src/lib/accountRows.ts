import type { SecurityData } from '@weian/shared';

/** A row of the host page's security table (SecuritySection.vue). */
export interface SecurityRow {
  item: string;
  value: boolean | null;
  yes: string;
  no: string;
  /** The safe answer: true unless having the thing is the risk. */
  good: boolean;
  detail: string;
  neutral?: boolean;
}

// The defaults of issue 19 (等保 身份鉴别): length ≥ 8, complexity on, expiry within 90 days, lockout after at most 10 failures.
const MIN_LENGTH = 8;
const MAX_AGE_DAYS = 90;
const MAX_LOCKOUT = 10;

/** Password policy and lockout rows (agents from issue 19 on): whether each default is met, or that it could not be read. */
export function accountRows(d: SecurityData, t: (key: string) => string): SecurityRow[] {
  const p = d.passwordPolicy;
  const l = d.lockout;
  if (p === undefined && l === undefined) return [];
  const unread = t('accounts.unread');
  const num = (v: number | null | undefined, never: string) => (v === null || v === undefined ? unread : v === 0 ? never : String(v));
  const met = (ok: boolean | null) => ({ value: ok, yes: t('accounts.meets'), no: t('accounts.below'), good: true });
  return [
    { item: t('accounts.minLength'), ...met(p?.minLength == null ? null : p.minLength >= MIN_LENGTH), detail: p ? `${num(p.minLength, '0')} · ${p.source}` : unread },
    { item: t('accounts.complexity'), value: p?.complexity ?? null, yes: t('accounts.required'), no: t('accounts.notRequired'), good: true, detail: '' },
    { item: t('accounts.maxAge'), ...met(p?.maxAgeDays == null ? null : p.maxAgeDays > 0 && p.maxAgeDays <= MAX_AGE_DAYS), detail: num(p?.maxAgeDays, t('accounts.never')) },
    { item: t('accounts.lockout'), ...met(l?.threshold == null ? null : l.threshold > 0 && l.threshold <= MAX_LOCKOUT), detail: l ? `${num(l.threshold, t('accounts.never'))} · ${l.source}` : unread },
  ];
}
