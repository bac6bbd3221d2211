import { describe, expect, it } from 'vitest';
import type { SecurityData } from '@weian/shared';
import { i18n } from '../i18n/index.js';
import { accountRows } from './accountRows.js';

const base: SecurityData = {
  firewall: { active: true, product: 'ufw' },
  antimalware: { required: false, running: false, product: null, signatureUpdatedAt: null },
  timeSync: { synchronized: true, service: 'chrony' },
  audit: { active: true, service: 'auditd' },
  ssh: null,
};
const t = (key: string) => i18n.global.t(key);

describe('host page: password policy and lockout rows (issue 19)', () => {
  it('in Chinese, with whether each default threshold is met', () => {
    const rows = accountRows(
      { ...base, passwordPolicy: { minLength: 6, complexity: false, maxAgeDays: 0, source: 'pam_unix only' }, lockout: { threshold: 5, durationMinutes: 15, source: 'pam_faillock' } },
      t,
    );
    expect(rows.map((r) => [r.item, r.value, r.detail])).toEqual([
      ['密码最小长度', false, '6 · pam_unix only'],
      ['密码复杂度', false, ''],
      ['密码最长使用期限（天）', false, '从不'],
      ['登录失败锁定阈值（次）', true, '5 · pam_faillock'],
    ]);
  });
  it('what could not be read is shown as such, never as met', () => {
    const rows = accountRows({ ...base, passwordPolicy: null, lockout: { threshold: null, durationMinutes: null, source: 'pam_faillock' } }, t);
    expect(rows.every((r) => r.value === null)).toBe(true);
    expect(rows[0]!.detail).toBe('无法读取');
    expect(rows[3]!.detail).toBe('无法读取 · pam_faillock');
  });
  it('no rows for agents that do not collect the policy', () => expect(accountRows(base, t)).toEqual([]));
  it('a lockout of 0 (never) does not meet the default', () => {
    expect(accountRows({ ...base, passwordPolicy: null, lockout: { threshold: 0, durationMinutes: null, source: 'secedit' } }, t)[3]).toMatchObject({ value: false, detail: '从不 · secedit' });
  });
});
