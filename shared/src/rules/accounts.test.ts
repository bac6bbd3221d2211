import { describe, expect, it } from 'vitest';
import { FIXTURE_NOW as NOW, healthyData, healthyWindowsData, sectionsOf } from './fixtures.js';
import { DEFAULT_SETTINGS, evaluateHost, resolveSettings, type Finding } from './index.js';
import { RegionSettings } from '../schemas/settings.js';
import type { SectionData } from '../schemas/sections.js';

// Password policy, lockout, Windows audit policy and remote-access hardening (issue 19): what fails,
// what passes, and, table-driven, that missing or unreadable data gives `unknown` with a reason.

type Sec = SectionData['security'];
const host = (windows: boolean, change: (s: Sec) => void = () => {}) => {
  const data = windows ? healthyWindowsData() : healthyData();
  change(data.security);
  return { sections: sectionsOf(data), mlpsLevel: 3 as const, securityUpdateFirstSeen: new Map(), lastReportAt: NOW };
};
const finding = (id: string, windows: boolean, change?: (s: Sec) => void, settings = DEFAULT_SETTINGS): Finding => evaluateHost(host(windows, change), settings, NOW).find((f) => f.ruleId === id)!;

describe('missing, unreadable or garbled data for each new rule is unknown with a reason, never a pass', () => {
  const cases: Array<[string, string, boolean, (s: Sec) => void]> = [
    ['HOST-PASSWORD-POLICY', 'an agent before issue 19 (no passwordPolicy)', false, (s) => delete s.passwordPolicy],
    ['HOST-PASSWORD-POLICY', 'policy unreadable (null)', true, (s) => (s.passwordPolicy = null)],
    ['HOST-PASSWORD-POLICY', 'minimum length unread', false, (s) => (s.passwordPolicy!.minLength = null)],
    ['HOST-PASSWORD-POLICY', 'complexity unread', true, (s) => (s.passwordPolicy!.complexity = null)],
    ['HOST-PASSWORD-POLICY', 'maximum age unread', false, (s) => (s.passwordPolicy!.maxAgeDays = null)],
    ['HOST-PASSWORD-POLICY', 'secedit output garbled (flag)', true, (s) => (s.uncertain = [{ field: 'passwordPolicy', code: 'garbled', reason: 'secedit /export printed no [System Access]' }])],
    ['HOST-ACCOUNT-LOCKOUT', 'an agent before issue 19 (no lockout)', false, (s) => delete s.lockout],
    ['HOST-ACCOUNT-LOCKOUT', 'lockout unreadable (null)', true, (s) => (s.lockout = null)],
    ['HOST-ACCOUNT-LOCKOUT', 'threshold unread', false, (s) => (s.lockout!.threshold = null)],
    ['HOST-ACCOUNT-LOCKOUT', 'net accounts in an unknown locale (flag)', true, (s) => (s.uncertain = [{ field: 'lockout', code: 'garbled', reason: 'net accounts: no lockout threshold line' }])],
    ['HOST-AUDIT-POLICY', 'an agent before issue 19 (no auditPolicy)', true, (s) => delete s.auditPolicy],
    ['HOST-AUDIT-POLICY', 'auditpol printed nothing (null)', true, (s) => (s.auditPolicy = null)],
    ['HOST-AUDIT-POLICY', 'logon setting in unknown words', true, (s) => (s.auditPolicy = { logonSuccess: null, logonFailure: null, policyChange: true })],
    ['HOST-AUDIT-POLICY', 'an agent of the first round of issue 19 (no accountManagement)', true, (s): void => void delete s.auditPolicy!.accountManagement],
    ['HOST-AUDIT-POLICY', 'User Account Management line missing', true, (s): void => void (s.auditPolicy!.accountManagement = null)],
    ['HOST-AUDIT-POLICY', 'policy-change line missing', true, (s) => (s.auditPolicy = { logonSuccess: true, logonFailure: true, policyChange: null })],
    ['HOST-AUDIT-POLICY', 'auditpol truncated (flag)', true, (s) => (s.uncertain = [{ field: 'auditPolicy', code: 'partial-list', reason: 'the Audit Policy Change setting could not be read' }])],
    ['HOST-AUDIT-OFF', 'Windows, EventLog runs, audit policy unreadable', true, (s) => (s.auditPolicy = null)],
    ['HOST-AUDIT-OFF', 'Windows, EventLog runs, agent before issue 19', true, (s) => delete s.auditPolicy],
    ['HOST-REMOTE-HARDENING', 'an agent before issue 19 (no remoteAccess)', false, (s) => delete s.remoteAccess],
    ['HOST-REMOTE-HARDENING', 'remote access unreadable (null)', true, (s) => (s.remoteAccess = null)],
    ['HOST-REMOTE-HARDENING', 'Windows, RDP state unread', true, (s) => (s.remoteAccess!.rdpEnabled = null)],
    ['HOST-REMOTE-HARDENING', 'Windows, RDP on, NLA unread', true, (s) => (s.remoteAccess!.rdpNla = null)],
    ['HOST-REMOTE-HARDENING', 'Windows, SMBv1 unread', true, (s) => (s.remoteAccess!.smb1 = null)],
    ['HOST-REMOTE-HARDENING', 'Windows, Guest unread', true, (s) => (s.remoteAccess!.guestEnabled = null)],
    ['HOST-REMOTE-HARDENING', 'registry output garbled (flag)', true, (s) => (s.uncertain = [{ field: 'remoteAccess', code: 'garbled', reason: 'UserAuthentication was not a number' }])],
  ];
  it.each(cases)('%s: %s', (id, _what, windows, change) => {
    expect(finding(id, windows).status, 'the healthy baseline passes, so this case can fail').toBe('pass');
    const f = finding(id, windows, change);
    expect(f.status).toBe('unknown');
    expect(f.evidence.zh).toMatch(/探针/);
    expect(f.evidence.en.length).toBeGreaterThan(10);
    expect(f.evidence.data?.['reason']).toEqual(expect.any(String));
  });
});

describe('HOST-PASSWORD-POLICY', () => {
  it.each([
    ['minimum length 7', false, (s: Sec): void => void (s.passwordPolicy!.minLength = 7)],
    ['complexity off', true, (s: Sec): void => void (s.passwordPolicy!.complexity = false)],
    ['passwords never expire (Windows 0)', true, (s: Sec): void => void (s.passwordPolicy!.maxAgeDays = 0)],
    ['PASS_MAX_DAYS 99999', false, (s: Sec): void => void (s.passwordPolicy!.maxAgeDays = 99999)],
    ['a fail stands even when another value is unread', false, (s: Sec): void => void (s.passwordPolicy = { minLength: 5, complexity: null, maxAgeDays: null, source: 'login.defs' })],
  ] as const)('fails: %s', (_w, windows, change) => expect(finding('HOST-PASSWORD-POLICY', windows, change).status).toBe('fail'));
  it('length 8 passes by default; a region that asks for 10 fails it', () => {
    const eight = (s: Sec): void => void (s.passwordPolicy!.minLength = 8);
    expect(finding('HOST-PASSWORD-POLICY', false, eight).status).toBe('pass');
    const strict = resolveSettings(RegionSettings.parse({ rules: [{ ruleId: 'HOST-PASSWORD-POLICY', thresholds: { minLength: 10 } }] }));
    expect(finding('HOST-PASSWORD-POLICY', false, eight, strict).status).toBe('fail');
  });
});

describe('HOST-ACCOUNT-LOCKOUT', () => {
  const at =
    (n: number) =>
    (s: Sec): void =>
      void (s.lockout!.threshold = n);
  it('0 (never locks) fails, 11 fails, 10 passes, 3 passes', () => {
    expect(finding('HOST-ACCOUNT-LOCKOUT', true, at(0)).status).toBe('fail');
    expect(finding('HOST-ACCOUNT-LOCKOUT', false, at(11)).status).toBe('fail');
    expect(finding('HOST-ACCOUNT-LOCKOUT', false, at(10)).status).toBe('pass');
    expect(finding('HOST-ACCOUNT-LOCKOUT', true, at(3)).status).toBe('pass');
  });
  it('a region may tighten to 5', () => {
    const strict = resolveSettings(RegionSettings.parse({ rules: [{ ruleId: 'HOST-ACCOUNT-LOCKOUT', thresholds: { maxAttempts: 5 } }] }));
    expect(finding('HOST-ACCOUNT-LOCKOUT', false, at(6), strict).status).toBe('fail');
  });
});

describe('Windows audit policy', () => {
  it('HOST-AUDIT-POLICY fails when failed logons are not audited, and is not applicable on Linux', () => {
    expect(finding('HOST-AUDIT-POLICY', true, (s) => (s.auditPolicy!.logonFailure = false)).status).toBe('fail');
    expect(finding('HOST-AUDIT-POLICY', false).status).toBe('not-applicable');
    expect(finding('HOST-AUDIT-POLICY', true, (s) => void (s.auditPolicy!.accountManagement = false)).status).toBe('fail');
  });
  it('a running EventLog no longer passes HOST-AUDIT-OFF when nothing is audited (and HOST-AUDIT-POLICY does not count it twice)', () => {
    const nothing = (s: Sec): void => void (s.auditPolicy = { logonSuccess: false, logonFailure: false, policyChange: false, accountManagement: false });
    expect(finding('HOST-AUDIT-OFF', true, nothing).status).toBe('fail');
    expect(finding('HOST-AUDIT-POLICY', true, nothing).status).toBe('not-applicable');
  });
  it('Linux HOST-AUDIT-OFF still judges auditd alone', () => {
    expect(finding('HOST-AUDIT-OFF', false).status).toBe('pass');
    expect(finding('HOST-AUDIT-OFF', false, (s) => (s.audit.active = false)).status).toBe('fail');
  });
});

describe('HOST-REMOTE-HARDENING', () => {
  it.each([
    ['RDP without NLA', true, (s: Sec): void => void (s.remoteAccess!.rdpNla = false)],
    ['SMBv1 on', true, (s: Sec): void => void (s.remoteAccess!.smb1 = true)],
    ['Guest enabled', true, (s: Sec): void => void (s.remoteAccess!.guestEnabled = true)],
    ['telnet on Linux', false, (s: Sec): void => void (s.remoteAccess!.plaintextServices = ['telnet.socket'])],
    ['FTP on Windows with SMBv1 unread (a fail stands)', true, (s: Sec): void => void Object.assign(s.remoteAccess!, { plaintextServices: ['FTPSVC'], smb1: null })],
  ] as const)('fails: %s', (_w, windows, change) => expect(finding('HOST-REMOTE-HARDENING', windows, change).status).toBe('fail'));
  it('RDP off needs no NLA; Linux nulls for RDP/SMBv1/Guest do not apply', () => {
    expect(finding('HOST-REMOTE-HARDENING', true, (s) => Object.assign(s.remoteAccess!, { rdpEnabled: false, rdpNla: null })).status).toBe('pass');
    expect(finding('HOST-REMOTE-HARDENING', false).status).toBe('pass');
  });
});
