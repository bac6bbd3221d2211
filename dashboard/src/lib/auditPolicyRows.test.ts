import { describe, expect, it } from 'vitest';
import type { SecurityData } from '@weian/shared';
import { i18n } from '../i18n/index.js';
import { auditPolicyRows } from './auditPolicyRows.js';

const base: SecurityData = {
  firewall: { active: true, product: null },
  antimalware: { required: true, running: true, product: null, signatureUpdatedAt: null },
  timeSync: { synchronized: true, service: null },
  audit: { active: true, service: 'EventLog' },
  ssh: null,
};
const t = (key: string) => i18n.global.t(key);

describe('host page: Windows audit policy rows (issue 19)', () => {
  it('in Chinese; unread values stay unknown; older agents show nothing', () => {
    expect(auditPolicyRows({ ...base, auditPolicy: { logonSuccess: true, logonFailure: false, policyChange: null } }, t).map((r) => [r.item, r.value])).toEqual([
      ['审核登录成功', true],
      ['审核登录失败', false],
      ['审核策略更改', null],
      ['审核用户帐户管理', null],
    ]);
    expect(auditPolicyRows({ ...base, auditPolicy: { logonSuccess: true, logonFailure: true, policyChange: true, accountManagement: false } }, t).at(-1)).toMatchObject({
      item: '审核用户帐户管理',
      value: false,
    });
    expect(auditPolicyRows({ ...base, auditPolicy: null }, t).every((r) => r.value === null)).toBe(true);
    expect(auditPolicyRows(base, t)).toEqual([]);
  });
});
