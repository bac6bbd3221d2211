import { describe, expect, it } from 'vitest';
import { credentialRows } from './credentialRows.js';
import { SECURITY_BASE, translate } from './securityRowsFixture.js';

const t = translate;
const base = SECURITY_BASE;
const summary = (rows: ReturnType<typeof credentialRows>) => rows.map((r) => [r.item, r.value === null ? '未知' : r.value ? r.yes : r.no, r.detail]);

describe('host page: weak-credential rows (issue 24), verdicts only', () => {
  it('Linux: one row per account and service, with which check decided, in Chinese', () => {
    const rows = credentialRows(
      {
        ...base,
        credentials: {
          accounts: [
            { account: 'his', weak: true, scheme: 'sha512crypt', check: 'institution-pattern' },
            { account: 'root', weak: false, scheme: 'yescrypt', check: 'dictionary' },
            { account: 'backup', weak: null, scheme: 'sha512crypt', check: 'budget' },
          ],
          windows: null,
          services: [
            { service: 'redis', port: 6379, noAuth: true, check: 'PING without AUTH', reason: null },
            { service: 'mongodb', port: 27017, noAuth: null, check: 'handshake', reason: 'no answer within 2000 ms' },
          ],
          notChecked: ['the listening sockets could not be read (ss): services on their usual ports on loopback were probed'],
        },
      },
      t,
    );
    expect(summary(rows)).toEqual([
      ['账户口令：his', '弱口令', 'SHA-512 · 机构缩写加年份'],
      ['账户口令：root', '未发现弱口令', 'yescrypt · 字典检验'],
      ['账户口令：backup', '未知', 'SHA-512 · 超出当日算力预算，尚未检验'],
      ['Redis 认证（端口 6379）', '无需认证即可访问', ''],
      ['MongoDB 认证（端口 27017）', '未知', '无法判断'],
      ['未检查', '未检查', '无法读取监听端口列表，只探测了常用端口'],
    ]);
    // The bad answer is the risky one: a weak password and an open service are red.
    expect(rows[0]!.good).toBe(false);
  });
  it('Windows: what can be known, and what was not checked', () => {
    const rows = credentialRows(
      {
        ...base,
        credentials: {
          accounts: [],
          windows: { blankPasswordsAllowed: false, neverExpire: ['Administrator', 'his'], adminEnabled: true },
          services: [],
          notChecked: ['Windows account passwords are not tested against the dictionary: that would need the SAM hashes, which the agent does not dump'],
        },
      },
      t,
    );
    expect(summary(rows)).toEqual([
      ['允许空口令登录', '不允许', ''],
      ['内置 Administrator 账户', '已启用', ''],
      ['口令永不过期的账户', '2 个', 'Administrator、his'],
      ['未检查', '未检查', 'Windows 账户口令未做字典检验：那需要读取 SAM 口令哈希，探针不读取'],
    ]);
  });
  it('shows the probe’s own words in the English view only; nothing when the region has not opted in', () => {
    const data = { ...base, credentials: { accounts: [], windows: null, services: [{ service: 'redis' as const, port: 6379, noAuth: null, check: 'handshake', reason: 'refused' }], notChecked: [] } };
    expect(credentialRows(data, t, true)[0]!.detail).toBe('handshake · refused');
    expect(credentialRows(base, t)).toEqual([]);
  });
});
