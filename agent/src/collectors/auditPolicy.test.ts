import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAuditpolCsv, parseAuditSetting } from './auditPolicy.js';

const EN = [
  'Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting',
  'HIS-APP03,System,Logon,{0CCE9215-69AE-11D9-BED3-505054503030},Success and Failure,',
  'HIS-APP03,System,Audit Policy Change,{0CCE922F-69AE-11D9-BED3-505054503030},No Auditing,',
  'HIS-APP03,System,User Account Management,{0CCE9235-69AE-11D9-BED3-505054503030},Success,',
].join('\r\n');

describe('Windows audit policy (auditpol /r)', () => {
  it('English: logon successes and failures, policy changes not audited', () => {
    expect(parseAuditpolCsv({ Csv: EN })).toEqual({ auditPolicy: { logonSuccess: true, logonFailure: true, policyChange: false, accountManagement: true }, problems: [] });
  });
  it('Chinese (Windows Server 2019 as shipped): logon successes only', async () => {
    const json = JSON.parse(await readFile(join(import.meta.dirname, '../../fixtures/windows2019-zh-wuauserv/auditpol.json'), 'utf8')) as unknown;
    expect(parseAuditpolCsv(json).auditPolicy).toEqual({ logonSuccess: true, logonFailure: false, policyChange: true, accountManagement: true });
  });
  it('settings in both languages', () => {
    expect(parseAuditSetting('成功和失败')).toEqual({ success: true, failure: true });
    expect(parseAuditSetting('失败')).toEqual({ success: false, failure: true });
    expect(parseAuditSetting('无审核')).toEqual({ success: false, failure: false });
    expect(parseAuditSetting('\ufffd\ufffd')).toBeNull();
  });
  it.each([
    ['no output (not an administrator)', null],
    ['empty', { Csv: '' }],
    ['code page 936 read as UTF-8', { Csv: 'EMR,System,��¼,{0CCE9215-69AE-11D9-BED3-505054503030},�ɹ�,' }],
    ['truncated before the policy-change line', { Csv: EN.split('\r\n').slice(0, 2).join('\r\n') }],
  ] as const)('bad input: %s → null where unread, with a reason', (_n, json) => {
    const r = parseAuditpolCsv(json);
    expect(r.problems.length).toBeGreaterThan(0);
    expect(r.auditPolicy?.policyChange ?? null).toBeNull();
  });
  it('a missing User Account Management line is null with a reason, the rest still read', () => {
    const r = parseAuditpolCsv({ Csv: EN.split('\r\n').slice(0, 3).join('\r\n') });
    expect(r.auditPolicy).toEqual({ logonSuccess: true, logonFailure: true, policyChange: false, accountManagement: null });
    expect(r.problems).toEqual(['the User Account Management setting could not be read from auditpol']);
  });
});
