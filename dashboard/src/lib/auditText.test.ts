import { describe, expect, it } from 'vitest';
import en from '../i18n/en.js';
import zhCN from '../i18n/zh-CN.js';
import { auditAction, auditActor, auditDetail, auditOutcome, type Translate } from './auditText.js';

/** Looks keys up in a message tree the way vue-i18n does (dots nest). */
const words = (messages: object): Translate => {
  const get = (key: string) => key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), messages);
  return { t: (key) => String(get(key) ?? key), te: (key) => typeof get(key) === 'string' };
};
const zh = words(zhCN);

describe('the audit log in words', () => {
  it('names actions and outcomes instead of showing their codes', () => {
    expect(auditAction(zh, 'auth.login')).toBe('登录');
    expect(auditAction(zh, 'agent.rotateSecret')).toBe('探针更换密钥');
    expect(auditOutcome(zh, 'denied')).toBe('拒绝');
    expect(auditAction(words(en), 'agent.enroll')).toBe('Agent enrolled');
    // A code the messages do not know yet is shown, not hidden.
    expect(auditAction(zh, 'calendar.load')).toBe('calendar.load');
  });
  it('says who acted', () => {
    expect(auditActor(zh, { type: 'user', name: 'xihu-bureau' })).toBe('xihu-bureau');
    expect(auditActor(zh, { type: 'system', name: 'bootstrap' })).toBe('系统（首次启动）');
    expect(auditActor(zh, { type: 'agent', name: 'his-01' })).toBe('探针（his-01）');
  });
  it('reads details as field：value pairs, with roles and reasons in words', () => {
    expect(auditDetail(zh, { hostId: 'h_1', agentVersion: '0.1.0' })).toBe('主机编号：h_1；探针版本：0.1.0');
    expect(auditDetail(zh, { username: 'admin', role: 'admin' })).toBe('用户名：admin；角色：系统管理员');
    expect(auditDetail(zh, { reason: 'bad credentials' })).toBe('原因：用户名或密码错误');
    expect(auditDetail(zh, { format: 'xlsx', period: null })).toBe('格式：XLSX');
    expect(auditDetail(zh, {})).toBe('—');
    expect(auditDetail(zh, null)).toBe('—');
  });
});
