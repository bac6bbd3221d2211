import type { SecurityData } from '@weian/shared';
import type { SecurityRow } from './accountRows.js';

/** Remote-access hardening rows (agents from issue 19 on): RDP/NLA, SMBv1, Guest, Telnet/FTP. */
export function remoteAccessRows(d: SecurityData, t: (key: string) => string): SecurityRow[] {
  const r = d.remoteAccess;
  if (r === undefined) return [];
  const yesNo = { yes: t('common.yes'), no: t('common.no') };
  if (r === null) return [{ item: t('remoteAccess.title'), value: null, ...yesNo, good: true, detail: t('accounts.unread') }];
  const rows: SecurityRow[] = [];
  if (r.rdpEnabled !== null) rows.push({ item: t('remoteAccess.rdpNla'), value: r.rdpEnabled ? r.rdpNla : true, ...yesNo, good: true, detail: r.rdpEnabled ? '' : t('remoteAccess.rdpOff') });
  if (r.smb1 !== null || r.rdpEnabled !== null) rows.push({ item: t('remoteAccess.smb1'), value: r.smb1, ...yesNo, good: false, detail: '' });
  if (r.guestEnabled !== null || r.rdpEnabled !== null) rows.push({ item: t('remoteAccess.guest'), value: r.guestEnabled, ...yesNo, good: false, detail: '' });
  rows.push({ item: t('remoteAccess.plaintext'), value: r.plaintextServices.length > 0, ...yesNo, good: false, detail: r.plaintextServices.join(', ') });
  return rows;
}
