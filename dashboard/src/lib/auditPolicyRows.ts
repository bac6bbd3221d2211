import type { SecurityData } from '@weian/shared';
import type { SecurityRow } from './accountRows.js';

/** Windows audit policy rows (agents from issue 19 on): logon successes and failures, audit-policy changes, user-account management. */
export function auditPolicyRows(d: SecurityData, t: (key: string) => string): SecurityRow[] {
  const a = d.auditPolicy;
  if (a === undefined) return [];
  const yesNo = { yes: t('auditPolicy.recorded'), no: t('auditPolicy.notRecorded'), good: true, detail: '' };
  return [
    { item: t('auditPolicy.logonSuccess'), value: a?.logonSuccess ?? null, ...yesNo },
    { item: t('auditPolicy.logonFailure'), value: a?.logonFailure ?? null, ...yesNo },
    { item: t('auditPolicy.policyChange'), value: a?.policyChange ?? null, ...yesNo },
    { item: t('auditPolicyAccounts.accountManagement'), value: a?.accountManagement ?? null, ...yesNo },
  ];
}
