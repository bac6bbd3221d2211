import type { SecurityData } from '@weian/shared';
import type { SecurityRow } from './accountRows.js';

type T = (key: string, values?: Record<string, unknown>) => string;

/** The agent's words for what it did not check (agent/src/collectors/credentials.ts, serviceAuth.ts), by their start. */
const NOT_CHECKED: Array<[RegExp, string]> = [
  [/^Windows account passwords are not tested/, 'windowsPasswords'],
  [/^local services without authentication are checked on Linux hosts only/, 'servicesLinuxOnly'],
  [/^the local accounts could not be read/, 'windowsAccountsUnread'],
  [/^local account passwords were not tested: captures and replays/, 'replay'],
  [/^local account passwords were not tested/, 'passwordsUntested'],
  [/^the listening sockets could not be read/, 'socketsUnread'],
];

/**
 * Weak-credential rows of the host page (issue 24, regions that opted in): one per account and per
 * local service, the Windows facts, and what was not checked. Only verdicts reach the server, so
 * the rows show the verdict and which check decided, never a password. The agent's own free text
 * (a probe's reason) is English: it is shown in the English view only (`raw`).
 */
export function credentialRows(d: SecurityData, t: T, raw = false): SecurityRow[] {
  const c = d.credentials;
  if (!c) return [];
  const rows: SecurityRow[] = [];
  const weak = { yes: t('credentials.weak'), no: t('credentials.notWeak'), good: false };
  for (const a of c.accounts)
    rows.push({
      item: t('credentials.account', { account: a.account }),
      value: a.weak,
      ...weak,
      detail: [t(`credentials.schemes.${a.scheme}`), t(`credentials.checks.${a.check}`)].join(' · '),
    });
  for (const s of c.services)
    rows.push({
      item: t('credentials.service', { service: t(`credentials.services.${s.service}`), port: s.port }),
      value: s.noAuth,
      yes: t('credentials.noAuth'),
      no: t('credentials.authRequired'),
      good: false,
      detail: raw ? [s.check, s.reason].filter(Boolean).join(' · ') : s.noAuth === null ? t('credentials.undecided') : '',
    });
  if (c.windows) {
    const w = c.windows;
    rows.push(
      { item: t('credentials.blankPasswords'), value: w.blankPasswordsAllowed, yes: t('credentials.allowed'), no: t('credentials.notAllowed'), good: false, detail: '' },
      { item: t('credentials.adminEnabled'), value: w.adminEnabled, yes: t('credentials.enabled'), no: t('credentials.disabled'), good: false, detail: '' },
      {
        item: t('credentials.neverExpire'),
        value: w.neverExpire === null ? null : w.neverExpire.length > 0,
        yes: t('credentials.someNeverExpire', { n: w.neverExpire?.length ?? 0 }),
        no: t('credentials.noneNeverExpire'),
        good: false,
        detail: w.neverExpire?.join('、') ?? '',
      },
    );
  }
  for (const text of c.notChecked) {
    const known = NOT_CHECKED.find(([re]) => re.test(text));
    rows.push({
      item: t('credentials.notChecked'),
      value: false,
      yes: '',
      no: t('credentials.notCheckedTag'),
      good: false,
      neutral: true,
      detail: raw || !known ? text : t(`credentials.notCheckedWhy.${known[1]}`),
    });
  }
  return rows;
}
