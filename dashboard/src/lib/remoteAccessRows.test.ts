import { describe, expect, it } from 'vitest';
import type { SecurityData } from '@weian/shared';
import { i18n } from '../i18n/index.js';
import { remoteAccessRows } from './remoteAccessRows.js';

const base: SecurityData = {
  firewall: { active: true, product: null },
  antimalware: { required: true, running: true, product: null, signatureUpdatedAt: null },
  timeSync: { synchronized: true, service: null },
  audit: { active: true, service: null },
  ssh: null,
};
const t = (key: string) => i18n.global.t(key);

describe('host page: remote-access hardening rows (issue 19)', () => {
  it('Windows: RDP without NLA, SMBv1 on, FTP running, in Chinese', () => {
    const rows = remoteAccessRows({ ...base, remoteAccess: { rdpEnabled: true, rdpNla: false, smb1: true, guestEnabled: false, plaintextServices: ['FTPSVC'] } }, t);
    expect(rows.map((r) => [r.item, r.value, r.good, r.detail])).toEqual([
      ['RDP 要求网络级身份验证（NLA）', false, true, ''],
      ['SMBv1 已启用', true, false, ''],
      ['Guest 账户已启用', false, false, ''],
      ['Telnet、FTP 服务在运行', true, false, 'FTPSVC'],
    ]);
  });
  it('Linux: only the plaintext services row', () => {
    expect(remoteAccessRows({ ...base, remoteAccess: { rdpEnabled: null, rdpNla: null, smb1: null, guestEnabled: null, plaintextServices: [] } }, t).map((r) => r.item)).toEqual([
      'Telnet、FTP 服务在运行',
    ]);
  });
  it('unreadable is shown as such; older agents show nothing', () => {
    expect(remoteAccessRows({ ...base, remoteAccess: null }, t)).toEqual([expect.objectContaining({ value: null, detail: '无法读取' })]);
    expect(remoteAccessRows(base, t)).toEqual([]);
  });
});
