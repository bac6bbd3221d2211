import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, enrollHost, type TestDb } from '../testing/harness.js';
import { acknowledgeAlert, assignAlert, listAlertViews, raiseAlert } from './alerts.js';
import { login } from './auth.js';
import { createUser } from './users.js';

const ALL = { kind: 'all' } as const;
const PASSWORD = 'Alerts-Workflow-Pass-1';

// What a bureau sees working its alert list: the worst first, and who handles each one.
describe.each(DIALECTS)('alert list order and handler (%s)', (dialect) => {
  let t: TestDb;
  let hostId: string;
  const raise = (ruleId: string, severity: 'critical' | 'high' | 'medium' | 'low') =>
    raiseAlert(t.deps, { subjectKind: 'host', subjectId: hostId, ruleId, kind: 'finding', severity, institutionCode: 'A', regionCode: '330106', evidence: { zh: ruleId, en: ruleId } });

  beforeEach(async () => {
    t = await createTestDb(dialect);
    hostId = (await enrollHost(t.deps, { institution: 'A', name: '西湖区人民医院', region: '330106', hostname: 'his-01' })).hostId;
  });
  afterEach(() => t.close());

  it('sorts by severity on request (critical first, newest within), by newest activity otherwise', async () => {
    // Raised oldest to newest: low, critical, medium, high, critical.
    for (const [rule, sev] of [
      ['R-LOW', 'low'],
      ['R-CRIT-OLD', 'critical'],
      ['R-MED', 'medium'],
      ['R-HIGH', 'high'],
      ['R-CRIT-NEW', 'critical'],
    ] as const) {
      await raise(rule, sev);
      t.clock.advance(1000);
    }
    const bySeverity = await listAlertViews(t.deps, ALL, { sort: 'severity', limit: 50, offset: 0 });
    expect(bySeverity.items.map((a) => a.ruleId)).toEqual(['R-CRIT-NEW', 'R-CRIT-OLD', 'R-HIGH', 'R-MED', 'R-LOW']);
    const page2 = await listAlertViews(t.deps, ALL, { sort: 'severity', limit: 2, offset: 2 });
    expect([page2.items.map((a) => a.ruleId), page2.total]).toEqual([['R-HIGH', 'R-MED'], 5]);
    const recent = await listAlertViews(t.deps, ALL, { limit: 50, offset: 0 });
    expect(recent.items.map((a) => a.ruleId)).toEqual(['R-CRIT-NEW', 'R-HIGH', 'R-MED', 'R-CRIT-OLD', 'R-LOW']);
  });

  it('lists a region by its own digits: a county whose code ends in 0 is not a prefix of its neighbours', async () => {
    // 330110 余杭区 and 330111 富阳区: trailing zeros trimmed one by one made 33011, which both begin with.
    const yuhang = (await enrollHost(t.deps, { institution: 'Y', region: '330110', hostname: 'yh-01' })).hostId;
    const fuyang = (await enrollHost(t.deps, { institution: 'F', region: '330111', hostname: 'fy-01' })).hostId;
    for (const [subjectId, institutionCode, regionCode] of [
      [yuhang, 'Y', '330110'],
      [fuyang, 'F', '330111'],
    ] as const)
      await raiseAlert(t.deps, { subjectKind: 'host', subjectId, ruleId: 'R-ONE', kind: 'finding', severity: 'high', institutionCode, regionCode, evidence: { zh: 'x', en: 'x' } });
    const listed = await listAlertViews(t.deps, ALL, { regionCode: '330110', limit: 50, offset: 0 });
    expect([listed.items.map((a) => a.regionCode), listed.total]).toEqual([['330110'], 1]);
    expect((await listAlertViews(t.deps, ALL, { regionCode: '330100', limit: 50, offset: 0 })).total).toBe(2);
  });

  it('makes whoever acknowledges an unhandled alert its handler, and keeps a handler already assigned', async () => {
    await createUser(t.deps, 'cli', { username: 'xihu', displayName: '西湖区卫健局', role: 'county', scopeCode: '330106', password: PASSWORD });
    const officer = await createUser(t.deps, 'cli', { username: 'inst-a', displayName: '信息科', role: 'institution', scopeCode: 'A', password: PASSWORD });
    const county = (await login(t.deps, { username: 'xihu', password: PASSWORD }, '127.0.0.1')).principal;
    const { alert: first } = await raise('R-ONE', 'high');
    const acked = await acknowledgeAlert(t.deps, county, first.id);
    expect(acked).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'xihu', assignee: { id: county.userId, name: '西湖区卫健局' } });

    const { alert: second } = await raise('R-TWO', 'high');
    await assignAlert(t.deps, county, second.id, officer.id);
    expect(await acknowledgeAlert(t.deps, county, second.id)).toMatchObject({ acknowledgedBy: 'xihu', assignee: { id: officer.id, name: '信息科' } });
  });
});
