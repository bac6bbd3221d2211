import type { SecurityData } from '@weian/shared';
import { isRecord, lines, str } from './helpers/parse.js';

/**
 * Windows audit policy (等保 安全审计): whether logon events, audit-policy changes and user-account
 * management are recorded.
 * `auditpol /get /category:* /r` prints CSV whose subcategory GUIDs are the same in every locale; the
 * setting words are localized (English, Chinese). A running EventLog service alone records none of this.
 */
export type AuditPolicy = NonNullable<SecurityData['auditPolicy']>;

export const WINDOWS_AUDITPOL_SCRIPT = '[pscustomobject]@{Csv=(auditpol /get /category:* /r) -join [Environment]::NewLine} | ConvertTo-Json -Compress';

const LOGON = '{0CCE9215-69AE-11D9-BED3-505054503030}';
const AUDIT_POLICY_CHANGE = '{0CCE922F-69AE-11D9-BED3-505054503030}';
const USER_ACCOUNT_MANAGEMENT = '{0CCE9235-69AE-11D9-BED3-505054503030}';

/** "Success and Failure" / "成功和失败" / "No Auditing" / "无审核" → what is recorded; null when the words are not known. */
export function parseAuditSetting(s: string): { success: boolean; failure: boolean } | null {
  const t = s.trim();
  if (/^(no auditing|无审核|不审核)$/i.test(t)) return { success: false, failure: false };
  const success = /success|成功/i.test(t);
  const failure = /failure|失败/i.test(t);
  return success || failure ? { success, failure } : null;
}

export function parseAuditpolCsv(json: unknown): { auditPolicy: AuditPolicy | null; problems: string[] } {
  const csv = isRecord(json) ? str(json.Csv) : null;
  if (!csv) return { auditPolicy: null, problems: ['auditpol /get /category:* /r printed nothing (it needs an administrator)'] };
  const byGuid = new Map<string, string>();
  for (const line of lines(csv)) {
    const cols = line.split(',');
    const guid = cols.find((c) => /^\{[0-9A-F-]{36}\}$/i.test(c.trim()));
    // Inclusion Setting follows the GUID column.
    if (guid) byGuid.set(guid.trim().toUpperCase(), cols[cols.indexOf(guid) + 1] ?? '');
  }
  const logon = byGuid.has(LOGON) ? parseAuditSetting(byGuid.get(LOGON)!) : null;
  const change = byGuid.has(AUDIT_POLICY_CHANGE) ? parseAuditSetting(byGuid.get(AUDIT_POLICY_CHANGE)!) : null;
  const accounts = byGuid.has(USER_ACCOUNT_MANAGEMENT) ? parseAuditSetting(byGuid.get(USER_ACCOUNT_MANAGEMENT)!) : null;
  const problems: string[] = [];
  if (!logon) problems.push('the Logon audit setting could not be read from auditpol');
  if (!change) problems.push('the Audit Policy Change setting could not be read from auditpol');
  if (!accounts) problems.push('the User Account Management setting could not be read from auditpol');
  return {
    auditPolicy: {
      logonSuccess: logon?.success ?? null,
      logonFailure: logon?.failure ?? null,
      policyChange: change ? change.success || change.failure : null,
      accountManagement: accounts ? accounts.success || accounts.failure : null,
    },
    problems,
  };
}
