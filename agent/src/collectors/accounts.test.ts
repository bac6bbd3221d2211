import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Runner } from '../runner.js';
import { linuxAccounts, parseLoginDefs, parseNetAccounts, parseSecedit, qualityPolicy, windowsAccounts } from './accounts.js';

const fx = (p: string) => readFile(join(import.meta.dirname, '../../fixtures', p), 'utf8');

/** A host whose files are the given texts; everything else is missing. Only file reads and directory listings are asked. */
const filesHost = (files: Record<string, string>): Runner => ({
  platform: 'linux',
  exec: async () => ({ stdout: '', stderr: '', code: null, timedOut: false, truncated: false, spawnError: 'ENOENT' }),
  readFile: async (p) => files[p] ?? null,
  call: async (key) => (key.startsWith('readdir:') ? [] : null) as never,
});

describe('Linux password policy', () => {
  it('login.defs: 99999 or unset is "never expires" (0)', () => {
    expect(parseLoginDefs('PASS_MAX_DAYS\t90\n')).toEqual({ maxAgeDays: 90 });
    expect(parseLoginDefs('PASS_MAX_DAYS\t99999\n')).toEqual({ maxAgeDays: 0 });
    expect(parseLoginDefs('# nothing\n')).toEqual({ maxAgeDays: 0 });
  });
  it('pwquality: a length is claimed only with minlen and the credits set; positive credits shorten it', () => {
    expect(qualityPolicy({ minlen: '8', dcredit: '-1', ucredit: '-1', lcredit: '-1', ocredit: '-1' }, 'pam_pwquality.so')).toMatchObject({ minLength: 8, complexity: true });
    expect(qualityPolicy({ minlen: '10', dcredit: '1', ucredit: '1', lcredit: '0', ocredit: '0' }, 'pam_pwquality.so')).toMatchObject({ minLength: 8, complexity: false });
    expect(qualityPolicy({ minlen: '8', minclass: '3' }, 'pam_pwquality.so')).toMatchObject({ minLength: null, complexity: true });
    expect(qualityPolicy({}, 'pam_cracklib.so')).toMatchObject({ minLength: null, complexity: false });
  });
  it('CentOS 7 as installed: length left to defaults (unknown), no classes, never expires, never locks', async () => {
    const files = { '/etc/login.defs': await fx('centos7/login.defs'), '/etc/pam.d/system-auth': await fx('centos7/system-auth'), '/etc/security/pwquality.conf': await fx('centos7/pwquality.conf') };
    const r = await linuxAccounts(filesHost(files));
    expect(r.passwordPolicy).toMatchObject({ minLength: null, complexity: false, maxAgeDays: 0 });
    expect(r.lockout).toMatchObject({ threshold: 0 });
    expect(r.problems.map((p) => p.field)).toEqual(['passwordPolicy']);
  });
  it('Kylin V10 after an 等保 baseline: faillock deny=5 for 15 minutes, length 8 with four classes', async () => {
    const files = { '/etc/login.defs': await fx('kylin-v10-sp2-arm64-docker/login.defs'), '/etc/pam.d/system-auth': await fx('kylin-v10-sp2-arm64-docker/system-auth') };
    const r = await linuxAccounts(filesHost(files));
    expect(r.passwordPolicy).toMatchObject({ minLength: 8, complexity: true, maxAgeDays: 90 });
    expect(r.lockout).toEqual({ threshold: 5, durationMinutes: 15, source: 'pam_faillock' });
    expect(r.problems).toEqual([]);
  });
  it('faillock.conf gives deny when the PAM line does not; pam_tally2 without deny never locks', async () => {
    const faillock = await linuxAccounts(
      filesHost({ '/etc/pam.d/system-auth': 'auth required pam_faillock.so preauth\npassword sufficient pam_unix.so\n', '/etc/security/faillock.conf': 'deny = 4\nunlock_time = 0\n' }),
    );
    expect(faillock.lockout).toMatchObject({ threshold: 4, durationMinutes: 0 });
    const tally = await linuxAccounts(filesHost({ '/etc/pam.d/system-auth': 'auth required pam_tally2.so onerr=fail\npassword sufficient pam_unix.so\n' }));
    expect(tally.lockout).toMatchObject({ threshold: 0, source: 'pam_tally2' });
  });

  // Bad input: never a crash, never a made-up policy; what cannot be read is null with a reason.
  it.each([
    ['no PAM file readable', {}],
    ['garbled PAM', { '/etc/pam.d/system-auth': '\u0000\u0001��� pam garbage ###\n' }],
    ['truncated pwquality line', { '/etc/pam.d/system-auth': 'password requisite pam_pwquality.so minlen=\n', '/etc/login.defs': 'PASS_MAX_DAYS 90\n' }],
    ['non-numeric deny', { '/etc/pam.d/system-auth': 'auth required pam_faillock.so deny=five\npassword sufficient pam_unix.so\n', '/etc/login.defs': 'PASS_MAX_DAYS 90\n' }],
  ] as const)('%s', async (_name, files) => {
    const r = await linuxAccounts(filesHost(files as Record<string, string>));
    expect(r.problems.length).toBeGreaterThan(0);
    for (const p of r.problems) expect(p.reason.length).toBeGreaterThan(10);
    const unknownLength = r.passwordPolicy === null || r.passwordPolicy.minLength === null;
    const unknownLockout = r.lockout === null || r.lockout.threshold === null;
    expect(unknownLength || unknownLockout).toBe(true);
  });
});

describe('Windows password policy and lockout', () => {
  it('secedit (locale-independent keys) and net accounts in Chinese', async () => {
    const json = JSON.parse(await fx('windows2019-zh-wuauserv/accounts.json')) as { Secedit: string; NetAccounts: string };
    expect(parseSecedit(json.Secedit)).toMatchObject({ MinimumPasswordLength: 0, PasswordComplexity: 1, MaximumPasswordAge: 42, LockoutBadCount: 0 });
    expect(parseNetAccounts(json.NetAccounts)).toEqual({ minLength: 0, maxAgeDays: 42, threshold: 0, durationMinutes: 30 });
    expect(windowsAccounts(json)).toMatchObject({ passwordPolicy: { minLength: 0, complexity: true, maxAgeDays: 42 }, lockout: { threshold: 0, durationMinutes: 30 }, problems: [] });
  });
  it('net accounts in English, unlimited age', () => {
    const text =
      'Force user logoff how long after time expires?:       Never\r\nMinimum password age (days):                          1\r\nMaximum password age (days):                          Unlimited\r\nMinimum password length:                              8\r\nLength of password history maintained:                24\r\nLockout threshold:                                    5\r\nLockout duration (minutes):                           30\r\nLockout observation window (minutes):                 30\r\nComputer role:                                        SERVER\r\nThe command completed successfully.\r\n';
    expect(parseNetAccounts(text)).toEqual({ minLength: 8, maxAgeDays: 0, threshold: 5, durationMinutes: 30 });
    // Without secedit, complexity cannot be told: null, with the reason.
    const r = windowsAccounts({ Secedit: '', NetAccounts: text });
    expect(r.passwordPolicy).toMatchObject({ minLength: 8, complexity: null, source: 'net accounts' });
    expect(r.problems.map((p) => p.field)).toEqual(['passwordPolicy']);
  });
  it.each([
    ['no output', null],
    ['garbled', { Secedit: '\ufffd\ufffd\ufffd', NetAccounts: '\ufffd\ufffd:\ufffd' }],
    ['truncated secedit, no net accounts', { Secedit: '[System Access]\r\nMinimumPasswordLength = ', NetAccounts: '' }],
    ['code page 936 read as UTF-8 (mojibake keys)', { Secedit: '', NetAccounts: '�������Сֵ:     8\r\n������ֵ:     5\r\n' }],
  ] as const)('bad input: %s → nothing claimed, a reason given', (_name, json) => {
    const r = windowsAccounts(json);
    expect(r.problems.length).toBeGreaterThan(0);
    expect(r.passwordPolicy?.minLength ?? null).toBeNull();
    expect(r.lockout?.threshold ?? null).toBeNull();
  });
});
