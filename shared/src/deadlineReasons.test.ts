import { describe, expect, it } from 'vitest';
import { mlpsDeadlines } from './deadlines.js';
import type { MlpsSystem } from './schemas/records.js';

const system = (o: Partial<MlpsSystem>): MlpsSystem =>
  ({
    id: 'sys-1',
    name: 'HIS',
    level: 3,
    criticalInfrastructure: false,
    personalInfoOver100k: false,
    gradedOn: null,
    filedOn: null,
    lastEvaluatedOn: null,
    wentLiveOn: null,
    prelaunchTestedOn: null,
    retiredOn: null,
    hostIds: [],
    ...o,
  }) as MlpsSystem;

// A deadline that cannot be computed says why in Chinese too: views and exports show that, not the English.
describe('why a deadline is unknown, in Chinese', () => {
  const now = new Date('2026-12-06T04:00:00Z');
  it('names the missing dates', () => {
    const d = mlpsDeadlines(system({}), now);
    expect(d.filing).toMatchObject({ dueOn: null, status: 'unknown', reasonZh: '未记录定级日期' });
    expect(d.evaluation).toMatchObject({ dueOn: null, status: 'unknown', reasonZh: '未记录测评日期或定级日期' });
  });
  it('names the year whose holiday arrangement is missing, not a package', () => {
    const { filing } = mlpsDeadlines(system({ gradedOn: '2099-12-28' }), now);
    expect(filing).toMatchObject({ dueOn: null, status: 'unknown', reasonZh: '尚无 2099 年的国务院节假日安排，无法计算工作日' });
  });
});
