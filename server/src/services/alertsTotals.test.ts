import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '@weian/shared';
import type { AlertSeverity, AlertStatus } from '../storage/alerts.js';
import type { Scope } from '../storage/scope.js';
import { sshPorts } from '../testing/callers.js';
import { createTestDb, DIALECTS, enrollHost, sampleReport, type TestDb } from '../testing/harness.js';
import type { AuthenticatedAgent } from './agentAuth.js';
import { acknowledgeAlert, clearAlert, foldAlertCounts, listAlertViews, raiseAlert, resolveAlert } from './alerts.js';
import { startAlertEngine, type AlertEngine } from './alertEngine.js';
import type { Principal } from './auth.js';
import { retireHost } from './hostLifecycle.js';
import { ingestReport } from './ingest.js';
import { regionOverview } from './overview.js';

const ALL = { kind: 'all' } as const;
const ADMIN: Principal = { userId: 'u_admin', username: 'admin', displayName: 'admin', role: 'admin', scopeCode: null, scope: ALL, regionCode: null, institutionCode: null };
const quiet = { error: (m: string) => console.error(m) };

// Totals and the overview's open alerts are summed from counts kept beside the alerts, not counted
// from them: every way an alert opens, repeats, changes severity, is acknowledged or resolved must
// leave each total equal to the alerts it stands for.
const SCOPES: Scope[] = [ALL, { kind: 'region', code: '330100', prefix: '3301' }, { kind: 'institution', code: 'B' }];
const STATUSES: Array<AlertStatus[] | undefined> = [undefined, ['open'], ['acknowledged'], ['open', 'acknowledged'], ['resolved']];
const SEVERITIES: Array<AlertSeverity[] | undefined> = [undefined, ['critical'], ['high', 'low']];
const REGIONS = [undefined, '330000', '330106', '330102'];
const INSTITUTIONS = [undefined, 'A'];

describe.each(DIALECTS)('alert totals (%s)', (dialect) => {
  let t: TestDb;
  let engine: AlertEngine;
  let a: AuthenticatedAgent;
  let b: AuthenticatedAgent;
  const raise = (hostId: string, institutionCode: string, regionCode: string, ruleId: string, severity: AlertSeverity) =>
    raiseAlert(t.deps, { subjectKind: 'host', subjectId: hostId, ruleId, kind: 'finding', severity, institutionCode, regionCode, evidence: { zh: ruleId, en: ruleId } });
  const send = async (agent: AuthenticatedAgent, sections: Partial<Report['sections']>) => {
    await ingestReport(t.deps, agent, sampleReport(agent.id, t.clock.now, sections), 1000);
    await engine.idle();
  };

  /** Every filter's total against the alerts it lists, and the overview's open alerts against the unresolved ones. */
  const expectTotalsTrue = async () => {
    for (const scope of SCOPES)
      for (const status of STATUSES)
        for (const severity of SEVERITIES)
          for (const regionCode of REGIONS)
            for (const institutionCode of INSTITUTIONS) {
              const filter = { status, severity, regionCode, institutionCode };
              const page = await listAlertViews(t.deps, scope, { ...filter, sort: 'severity', limit: 500, offset: 0 });
              expect([filter, page.total]).toEqual([filter, page.items.length]);
            }
    const unresolved = (await listAlertViews(t.deps, ALL, { status: ['open', 'acknowledged'], limit: 500, offset: 0 })).items;
    const { kpis } = await regionOverview(t.deps, ALL, '330000');
    expect([kpis.openCriticalAlerts, kpis.openHighAlerts]).toEqual([unresolved.filter((x) => x.severity === 'critical').length, unresolved.filter((x) => x.severity === 'high').length]);
  };

  beforeEach(async () => {
    t = await createTestDb(dialect);
    engine = startAlertEngine(t.deps, quiet);
    a = await enrollHost(t.deps, { institution: 'A', name: '西湖区人民医院', region: '330106', hostname: 'his-01' });
    b = await enrollHost(t.deps, { institution: 'B', name: '上城区中医院', region: '330102', hostname: 'lis-01' });
  });
  afterEach(async () => {
    await engine.stop();
    await t.close();
  });

  it('stay equal to the alerts through open, repeat, severity change, acknowledge, resolve, a new episode and a host retired', async () => {
    await expectTotalsTrue();
    const { alert: one } = await raise(a.hostId, 'A', '330106', 'R-ONE', 'critical');
    const { alert: two } = await raise(a.hostId, 'A', '330106', 'R-TWO', 'high');
    await raise(b.hostId, 'B', '330102', 'R-ONE', 'low');
    await expectTotalsTrue();

    // A repeat counts on the open alert; one raised again at another severity moves it to that severity's count.
    t.clock.advance(1000);
    await raise(a.hostId, 'A', '330106', 'R-ONE', 'critical');
    await raise(b.hostId, 'B', '330102', 'R-ONE', 'high');
    await expectTotalsTrue();

    t.clock.advance(1000);
    await acknowledgeAlert(t.deps, ADMIN, one.id);
    await expectTotalsTrue();
    await resolveAlert(t.deps, ADMIN, one.id);
    await clearAlert(t.deps, { subjectKind: 'host', subjectId: a.hostId, ruleId: 'R-TWO' }, { zh: '已通过', en: 'passed' });
    expect((await listAlertViews(t.deps, ALL, { status: ['resolved'], limit: 50, offset: 0 })).items.map((x) => x.id).sort()).toEqual([one.id, two.id].sort());
    await expectTotalsTrue();

    // The condition returns: a new episode beside the resolved one.
    t.clock.advance(1000);
    await raise(a.hostId, 'A', '330106', 'R-ONE', 'critical');
    await retireHost(t.deps, ALL, b.hostId);
    await expectTotalsTrue();
    // A page past the last alert is empty and still says how many there are.
    const past = await listAlertViews(t.deps, ALL, { sort: 'severity', status: ['open', 'acknowledged'], limit: 50, offset: 2 });
    expect([past.items, past.total]).toEqual([[], 2]);
    // The fold leaves one row per key (those that sum to nothing go) and every total as it was; a second finds nothing to fold.
    expect(await foldAlertCounts(t.deps)).toBeGreaterThan(0);
    await expectTotalsTrue();
    expect(await foldAlertCounts(t.deps)).toBe(0);
    t.clock.advance(1000);
    await raise(b.hostId, 'B', '330102', 'R-THREE', 'medium');
    await expectTotalsTrue();
  });

  it('stay equal to the alerts that ingest opens and resolves in its own transaction', async () => {
    await send(a, sshPorts(true));
    await send(b, sshPorts(true));
    expect((await listAlertViews(t.deps, ALL, { status: ['open'], limit: 50, offset: 0 })).total).toBe(2);
    await expectTotalsTrue();
    t.clock.advance(60_000);
    await send(a, sshPorts(false));
    expect((await listAlertViews(t.deps, ALL, { status: ['open'], limit: 50, offset: 0 })).total).toBe(1);
    await expectTotalsTrue();
  });
});
