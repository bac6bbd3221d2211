import { clip, isRecord, num, psDate, str } from './helpers/parse.js';
import { failedJob as failed, type JobState } from './jobState.js';

/**
 * Windows Server Backup as a backup job kind: Get-WBSummary (the WindowsServerBackup module, with
 * the last attempt, last success and its HRESULT), and `wbadmin get versions` for the versions on the
 * target when the module is missing. The version identifier ("05/09/2024-15:00") is UTC and
 * formatted the same in every locale; the labels around it are localized.
 */
export const WBADMIN_SCRIPT =
  '$s=$null;try{Import-Module WindowsServerBackup -ErrorAction Stop;$w=Get-WBSummary;' +
  "$s=[pscustomobject]@{LastSuccess=$(if ($w.LastSuccessfulBackupTime.Year -gt 2000) { $w.LastSuccessfulBackupTime.ToUniversalTime().ToString('o') });" +
  "LastBackup=$(if ($w.LastBackupTime.Year -gt 2000) { $w.LastBackupTime.ToUniversalTime().ToString('o') });ResultHR=$w.LastBackupResultHR;Versions=$w.NumberOfVersions}}catch{};" +
  '$v=(wbadmin get versions) -join [Environment]::NewLine;[pscustomobject]@{Summary=$s;Versions=$v} | ConvertTo-Json -Compress';

/** The newest "Version identifier: MM/DD/YYYY-HH:MM" (UTC) of `wbadmin get versions`, English or Chinese. */
export function newestWbVersion(text: string): string | null {
  let newest: string | null = null;
  for (const m of text.matchAll(/(?:version identifier|版本标识符)\s*[:：]\s*(\d{2})\/(\d{2})\/(\d{4})-(\d{2}):(\d{2})/gi)) {
    const iso = new Date(Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]), Number(m[4]), Number(m[5]))).toISOString();
    if (!newest || iso > newest) newest = iso;
  }
  return newest;
}

export function parseWbadmin(json: unknown): JobState {
  if (!isRecord(json)) return failed('Windows Server Backup could not be read (no output from Get-WBSummary or wbadmin)');
  const s = isRecord(json.Summary) ? json.Summary : null;
  if (s) {
    const lastSuccessAt = psDate(s.LastSuccess);
    const lastAttemptAt = psDate(s.LastBackup) ?? lastSuccessAt;
    const hr = num(s.ResultHR);
    if (!lastAttemptAt) return { ...failed('Windows Server Backup has never run on this host'), lastStatus: 'unknown' };
    // A failed run is a state that was read (HOST-BACKUP-FAILED judges it), not an unreadable one: no error.
    const status = hr === 0 ? 'success' : hr === null ? 'unknown' : 'failed';
    return { lastSuccessAt, lastAttemptAt, lastStatus: status, sizeBytes: null, error: hr === null ? 'Get-WBSummary gave no result of the last backup' : null };
  }
  const text = str(json.Versions) ?? '';
  const newest = newestWbVersion(text);
  if (newest) return { lastSuccessAt: newest, lastAttemptAt: newest, lastStatus: 'success', sizeBytes: null, error: null };
  if (/no backup|找不到备份|没有.*备份/i.test(text)) return { ...failed('wbadmin found no backup version on the target'), lastStatus: 'unknown' };
  return failed(`wbadmin get versions could not be read: ${clip(text.trim(), 200) || 'empty output'}`);
}
