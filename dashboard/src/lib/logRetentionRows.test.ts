import { describe, expect, it } from 'vitest';
import { logRetentionRows } from './logRetentionRows.js';
import { SECURITY_BASE, translate } from './securityRowsFixture.js';

// Only logRetention matters to these rows; the rest of the section is the least the schema needs.
const t = translate;
const base = SECURITY_BASE;
const NOW = new Date('2024-05-10T01:30:00Z');

describe('host page: log retention rows (issue 19)', () => {
  it('one row per store, judged against the default 180 days, in Chinese', () => {
    const rows = logRetentionRows(
      {
        ...base,
        logRetention: {
          stores: [
            { name: 'Security', oldestEntryAt: '2024-05-01T06:12:44.000Z', keepDays: null, atSizeCap: true, neverDeletes: false, detail: '' },
            { name: '/var/log/secure', oldestEntryAt: null, keepDays: 189, atSizeCap: null, neverDeletes: false, detail: '' },
            { name: 'auditd', oldestEntryAt: null, keepDays: null, atSizeCap: null, neverDeletes: false, detail: '' },
          ],
        },
      },
      t,
      NOW,
    );
    expect(rows.map((r) => [r.item, r.value, r.detail])).toEqual([
      ['日志留存：安全日志', false, '最早一条 2024-05-01 14:12:44 · 已达容量上限'],
      ['日志留存：/var/log/secure', true, '按配置保留 189 天'],
      ['日志留存：auditd 审计日志', null, ''],
    ]);
    expect(rows[0]!.no).toBe('留存不足 180 天');
  });
  it('unreadable is shown as such; older agents show nothing', () => {
    expect(logRetentionRows({ ...base, logRetention: null }, t)).toEqual([expect.objectContaining({ value: null, detail: '无法读取' })]);
    expect(logRetentionRows(base, t)).toEqual([]);
  });
});
