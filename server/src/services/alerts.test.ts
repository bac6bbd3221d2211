import { getHost } from '../storage/hosts.js';
import { getInstitution } from '../storage/institutions.js';
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '@weian/shared';
import { createCallerFactory } from '../trpc/init.js';
import { appRouter } from '../routers/_app.js';
import { listAttempts, listDeliveries } from '../storage/notifications.js';
import { createTestDb, DIALECTS, enrollHost, sampleReport, type TestDb } from '../testing/harness.js';
import { sshPorts } from '../testing/callers.js';
import { startReceiver } from '../testing/receiver.js';
import type { AuthenticatedAgent } from './agentAuth.js';
import { OFFLINE_RULE } from './alertRules.js';
import { acknowledgeAlert, assignAlert, commentAlert, detectOffline, getAlertDetail, listAlertViews, raiseAlert, resolveAlert, type AlertChange } from './alerts.js';
import { startAlertEngine, type AlertEngine } from './alertEngine.js';
import { login, type Principal } from './auth.js';
import { runDailyEvaluation } from './daily.js';
import type { FindingChange } from './evaluation.js';
import { recordHeartbeat } from './heartbeat.js';
import { ingestReport } from './ingest.js';
import { createChannel } from './notificationChannels.js';
import { sendDueNotifications, GROUP_WINDOW_MS } from './notify.js';
import { regionOverview } from './overview.js';
import { createUser } from './users.js';

const ALL = { kind: 'all' } as const;
const quiet = { error: (m: string) => console.error(m) };
const PASSWORD = 'Alerts-Test-Pass-1';
const ADMIN: Principal = { userId: 'u_admin', username: 'admin', displayName: 'admin', role: 'admin', scopeCode: null, scope: ALL, regionCode: null, institutionCode: null };

const ports = sshPorts;

describe.each(DIALECTS)('alerts (%s)', (dialect) => {
  let t: TestDb;
  let engine: AlertEngine;
  let a: AuthenticatedAgent;
  const send = async (agent: AuthenticatedAgent, sections: Partial<Report['sections']>) => {
    await ingestReport(t.deps, agent, sampleReport(agent.id, t.clock.now, sections), 1000);
    await engine.idle();
  };
  const alertsOf = async (ruleId: string) => (await listAlertViews(t.deps, ALL, { limit: 500, offset: 0 })).items.filter((x) => x.ruleId === ruleId);

  beforeEach(async () => {
    t = await createTestDb(dialect);
    engine = startAlertEngine(t.deps, quiet);
    a = await enrollHost(t.deps, { institution: 'A', name: '西湖区人民医院', region: '330106', hostname: 'his-01' });
  });
  afterEach(async () => {
    await engine.stop();
    await t.close();
  });

  it('a high/critical finding that starts failing opens one alert; a repeat counts; a pass resolves it; its return is a new episode', async () => {
    await send(a, ports(true));
    const [first] = await alertsOf('HOST-PORT-REMOTE-PUBLIC');
    expect(first).toMatchObject({ kind: 'finding', severity: 'critical', status: 'open', count: 1, subjectId: a.hostId, institutionCode: 'A', regionCode: '330106' });
    // Named as when it opened, so lists and live pushes show a hostname, not an id.
    expect(first?.subjectName).toBe((await getHost(t.deps.db, { kind: 'all' }, a.hostId))!.hostname);
    expect(first?.institutionName).toBe((await getInstitution(t.deps.db, 'A'))!.name);
    // Only the critical finding alerts: the rest pass or are unknown (sections not sent).
    expect((await listAlertViews(t.deps, ALL, { limit: 50, offset: 0 })).total).toBe(1);

    // Missing data is no proof the port closed: unknown keeps the alert; failing again is a repeat of the same episode.
    t.clock.advance(60_000);
    await send(a, { ports: { status: 'error', error: { code: 'timeout', message: 'ss hung' } } });
    await send(a, ports(true));
    const [again] = await alertsOf('HOST-PORT-REMOTE-PUBLIC');
    expect([again?.id, again?.count, again?.status]).toEqual([first!.id, 2, 'open']);

    t.clock.advance(60_000);
    await send(a, ports(false));
    const resolved = await getAlertDetail(t.deps, ALL, first!.id);
    expect([resolved.status, resolved.resolvedBy, resolved.resolvedAt]).toEqual(['resolved', 'system', t.clock.now.toISOString()]);
    expect(resolved.events.map((e) => `${e.action}:${e.actor.name}`)).toEqual(['opened:system', 'repeated:system', 'resolved:system']);

    t.clock.advance(60_000);
    await send(a, ports(true));
    const episodes = await alertsOf('HOST-PORT-REMOTE-PUBLIC');
    expect(episodes.map((e) => e.status).sort()).toEqual(['open', 'resolved']);
    expect(episodes.find((e) => e.status === 'open')!.id).not.toBe(first!.id);
  });

  it('reacts only to changes made on its own process: a change relayed from another process is alerted there', async () => {
    const change: FindingChange = {
      subjectKind: 'host',
      subjectId: a.hostId,
      ruleId: 'HOST-FIREWALL-OFF',
      institutionCode: 'A',
      regionCode: '330106',
      from: 'pass',
      to: 'fail',
      severity: 'high',
      evidence: { zh: '防火墙未启用', en: 'no firewall' },
      at: t.clock.now.toISOString(),
    };
    t.deps.bus.emitLocal('finding.changed', change);
    await engine.idle();
    expect(await alertsOf('HOST-FIREWALL-OFF')).toEqual([]);
    t.deps.bus.emit('finding.changed', change);
    await engine.idle();
    expect((await alertsOf('HOST-FIREWALL-OFF')).map((x) => x.count)).toEqual([1]);
  });

  it('an agent silenced past the threshold raises an offline alert, which resolves when it is heard again', async () => {
    const opts = { offlineAfterMs: 30 * 60_000 };
    t.clock.advance(29 * 60_000);
    expect(await detectOffline(t.deps, opts)).toEqual({ opened: 0, resolved: 0 });
    t.clock.advance(2 * 60_000);
    expect(await detectOffline(t.deps, opts)).toEqual({ opened: 1, resolved: 0 });
    // The job runs every minute: a host already alerted is not raised again.
    t.clock.advance(60_000);
    expect(await detectOffline(t.deps, opts)).toEqual({ opened: 0, resolved: 0 });
    const [offline] = await alertsOf(OFFLINE_RULE);
    expect(offline).toMatchObject({ kind: 'offline', severity: 'high', status: 'open', count: 1, subjectId: a.hostId });
    expect(offline!.evidence.zh).toContain('his-01');

    await recordHeartbeat(t.deps, a, { sentAt: t.clock.now.toISOString(), agentVersion: 'test' });
    expect(await detectOffline(t.deps, opts)).toEqual({ opened: 0, resolved: 1 });
    expect((await getAlertDetail(t.deps, ALL, offline!.id)).status).toBe('resolved');

    t.clock.advance(31 * 60_000);
    expect(await detectOffline(t.deps, opts)).toEqual({ opened: 1, resolved: 0 });
    expect((await alertsOf(OFFLINE_RULE)).filter((x) => x.status === 'open').map((x) => x.id)).not.toContain(offline!.id);
  });

  it('two openers racing for the same (subject, rule) make one alert that counts both', async () => {
    const input = {
      subjectKind: 'host' as const,
      subjectId: a.hostId,
      ruleId: 'HOST-FIREWALL-OFF',
      kind: 'finding' as const,
      severity: 'high' as const,
      institutionCode: 'A',
      regionCode: '330106',
      evidence: { zh: '防火墙未启用', en: 'no firewall' },
    };
    const results = await Promise.all(Array.from({ length: 6 }, () => raiseAlert(t.deps, input)));
    expect(results.filter((r) => r.opened)).toHaveLength(1);
    expect(new Set(results.map((r) => r.alert.id)).size).toBe(1);
    const [only] = await alertsOf('HOST-FIREWALL-OFF');
    expect(only?.count).toBe(6);
    const detail = await getAlertDetail(t.deps, ALL, only!.id);
    expect(detail.events.map((e) => e.action).sort()).toEqual(['opened', 'repeated', 'repeated', 'repeated', 'repeated', 'repeated']);
  });

  it('people acknowledge, assign within scope, comment and resolve; every change is kept with who and when', async () => {
    await createUser(t.deps, 'cli', { username: 'xihu', role: 'county', scopeCode: '330106', password: PASSWORD });
    const neighbour = await createUser(t.deps, 'cli', { username: 'gongshu', role: 'county', scopeCode: '330105', password: PASSWORD });
    const officer = await createUser(t.deps, 'cli', { username: 'inst-a', role: 'institution', scopeCode: 'A', password: PASSWORD });
    const county = (await login(t.deps, { username: 'xihu', password: PASSWORD }, '127.0.0.1')).principal;
    const { alert } = await raiseAlert(t.deps, {
      subjectKind: 'host',
      subjectId: a.hostId,
      ruleId: 'HOST-AV-MISSING',
      kind: 'finding',
      severity: 'high',
      institutionCode: 'A',
      regionCode: '330106',
      evidence: { zh: '无防病毒', en: 'no anti-malware' },
    });

    t.clock.advance(1000);
    await acknowledgeAlert(t.deps, county, alert.id, '已电话通知');
    await expect(assignAlert(t.deps, county, alert.id, neighbour.id)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    t.clock.advance(1000);
    await assignAlert(t.deps, county, alert.id, officer.id);
    t.clock.advance(1000);
    await commentAlert(t.deps, county, alert.id, '  已安装，等待签名更新  ');
    t.clock.advance(1000);
    const resolved = await resolveAlert(t.deps, county, alert.id, '已处置');
    // A change answers with the alert alone; its history comes with alerts.get.
    expect(resolved).not.toHaveProperty('events');
    const done = await getAlertDetail(t.deps, county.scope, alert.id);
    expect(done).toMatchObject({ status: 'resolved', resolvedBy: 'xihu', acknowledgedBy: 'xihu', assignee: { id: officer.id, name: 'inst-a' } });
    expect(resolved).toEqual(Object.fromEntries(Object.entries(done).filter(([k]) => k !== 'events')));
    expect(done.events.map((e) => [e.action, e.actor.name, e.at])).toEqual([
      ['opened', 'system', '2026-11-02T02:00:00.000Z'],
      ['acknowledged', 'xihu', '2026-11-02T02:00:01.000Z'],
      ['assigned', 'xihu', '2026-11-02T02:00:02.000Z'],
      ['commented', 'xihu', '2026-11-02T02:00:03.000Z'],
      ['resolved', 'xihu', '2026-11-02T02:00:04.000Z'],
    ]);
    expect(done.events[3]!.detail).toEqual({ text: '已安装，等待签名更新' });
    await expect(acknowledgeAlert(t.deps, county, alert.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    // Out of scope looks like nonexistent.
    const other = (await login(t.deps, { username: 'gongshu', password: PASSWORD }, '127.0.0.1')).principal;
    await expect(getAlertDetail(t.deps, other.scope, alert.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('a manual resolve is refused while the condition still holds (the alert stays listed), and allowed once it clears', async () => {
    await createUser(t.deps, 'cli', { username: 'inst-a', role: 'institution', scopeCode: 'A', password: PASSWORD });
    const officer = (await login(t.deps, { username: 'inst-a', password: PASSWORD }, '127.0.0.1')).principal;
    await send(a, ports(true));
    const [live] = await alertsOf('HOST-PORT-REMOTE-PUBLIC');
    await expect(resolveAlert(t.deps, officer, live!.id, '已关闭端口')).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/still fails/) });
    const kept = await getAlertDetail(t.deps, ALL, live!.id);
    expect([kept.status, kept.resolvedAt]).toEqual(['open', null]);
    expect(kept.events.map((e) => e.action)).toEqual(['opened']);
    // Still counted among the open alerts.
    expect((await listAlertViews(t.deps, ALL, { limit: 500, offset: 0, status: ['open'] })).items.map((x) => x.id)).toContain(live!.id);
    // Acknowledging (with the note) stays possible.
    await acknowledgeAlert(t.deps, officer, live!.id, '已关闭端口，等待下次上报');
    // Offline: refused while the agent stays silent.
    const off = await raiseAlert(t.deps, {
      subjectKind: 'host',
      subjectId: a.hostId,
      ruleId: OFFLINE_RULE,
      kind: 'offline',
      severity: 'high',
      institutionCode: 'A',
      regionCode: '330106',
      evidence: { zh: '离线', en: 'offline' },
    });
    await expect(resolveAlert(t.deps, officer, off.alert.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    t.clock.advance(60_000);
    // The fix on the host, not in the alert, clears it: then a person may resolve what is left.
    await send(a, ports(false));
    expect((await getAlertDetail(t.deps, ALL, live!.id)).status).toBe('resolved');
    expect((await resolveAlert(t.deps, officer, off.alert.id, '已恢复')).status).toBe('resolved');
  });

  it('institution rules failing at the daily evaluation open deadline alerts; the overview counts open alerts', async () => {
    await runDailyEvaluation(t.deps);
    await engine.idle();
    const all = (await listAlertViews(t.deps, ALL, { limit: 500, offset: 0 })).items;
    const deadlines = all.filter((x) => x.kind === 'deadline');
    // No records at all: every governance and MLPS obligation is missed, whatever its severity.
    expect(deadlines.map((x) => x.ruleId)).toEqual(expect.arrayContaining(['INST-MLPS-UNGRADED', 'INST-GOV-SELF-INSPECTION', 'INST-GOV-TRAINING']));
    expect(deadlines.every((x) => x.subjectKind === 'institution' && x.subjectId === 'A')).toBe(true);
    // Coverage is no deadline, and medium: no alert.
    expect(all.some((x) => x.ruleId === 'INST-COVERAGE')).toBe(false);
    const overview = await regionOverview(t.deps, ALL, '330106');
    const open = (s: string) => all.filter((x) => x.severity === s && x.status !== 'resolved').length;
    expect(overview.kpis).toMatchObject({ openCriticalAlerts: open('critical'), openHighAlerts: open('high') });
    expect(open('high')).toBeGreaterThan(0);
    // Filters and paging happen in the query.
    const page = await listAlertViews(t.deps, ALL, { severity: ['high'], institutionCode: 'A', limit: 1, offset: 0 });
    expect([page.items.length, page.total]).toEqual([1, open('high')]);
  });

  it('alerts.live gives a county subscriber its county alert and not the neighbouring county one', async () => {
    const b = await enrollHost(t.deps, { institution: 'B', name: '拱墅区中医院', region: '330105' });
    await createUser(t.deps, 'cli', { username: 'xihu', role: 'county', scopeCode: '330106', password: PASSWORD });
    const principal = (await login(t.deps, { username: 'xihu', password: PASSWORD }, '127.0.0.1')).principal;
    const ac = new AbortController();
    const caller = createCallerFactory(appRouter)(
      { deps: t.deps, agentCredentials: null, principal, sessionToken: null, remoteAddress: '127.0.0.1', bodyBytes: 0, setSessionCookie: () => {} },
      { signal: ac.signal },
    );
    const got: AlertChange[] = [];
    const reading = (async () => {
      for await (const ev of (await caller.alerts.live()) as AsyncIterable<AlertChange>) got.push(ev);
    })();
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await send(b, ports(true));
    await send(a, ports(true));
    const deadline = Date.now() + 2000;
    while (!got.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await reading.catch(() => {});
    expect(Date.now() - started).toBeLessThan(2000);
    expect(got.map((e) => [e.change, e.institutionCode, e.alert.ruleId])).toEqual([['opened', 'A', 'HOST-PORT-REMOTE-PUBLIC']]);
  });
});

describe.each(DIALECTS)('alert notifications (%s)', (dialect) => {
  let t: TestDb;
  let engine: AlertEngine;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  beforeEach(async () => {
    t = await createTestDb(dialect);
    engine = startAlertEngine(t.deps, quiet);
    rx = await startReceiver();
    // The local receivers stand in for the robots' hosts: the operator's allow-list names loopback.
    t.deps.channelHosts = ['127.0.0.1'];
    await enrollHost(t.deps, { institution: 'A', name: '西湖区人民医院', region: '330106' });
    await enrollHost(t.deps, { institution: 'B', name: '拱墅区中医院', region: '330105' });
  });
  afterEach(async () => {
    await engine.stop();
    await rx.close();
    await t.close();
  });
  const failing = (i: number, institutionCode: string, regionCode: string): FindingChange => ({
    subjectKind: 'host',
    subjectId: `h-${institutionCode}-${i}`,
    ruleId: 'HOST-PATCH-SECURITY',
    institutionCode,
    regionCode,
    from: 'pass',
    to: 'fail',
    severity: 'high',
    evidence: { zh: 'openssl 安全更新待装超过 14 天', en: 'openssl pending for more than 14 days' },
    at: t.clock.now.toISOString(),
  });

  it('a burst of 500 failing hosts sends one grouped message per institution, not 500', { timeout: 60_000 }, async () => {
    await createChannel(t.deps, ADMIN, '330100', { name: '杭州市卫健委', kind: 'webhook', url: `${rx.base}/hook`, secret: 'k', minSeverity: 'high', mode: 'immediate' });
    // One patch published: the daily evaluation fails it on every host of two institutions at once.
    for (let i = 0; i < 250; i++) t.deps.bus.emit('finding.changed', failing(i, 'A', '330106'));
    for (let i = 0; i < 250; i++) t.deps.bus.emit('finding.changed', failing(i, 'B', '330105'));
    await engine.idle();
    expect((await listAlertViews(t.deps, ALL, { status: ['open'], limit: 1, offset: 0 })).total).toBe(500);

    expect(await sendDueNotifications(t.deps)).toEqual({ sent: 0, failed: 0, retrying: 0 });
    t.clock.advance(GROUP_WINDOW_MS);
    expect(await sendDueNotifications(t.deps)).toEqual({ sent: 2, failed: 0, retrying: 0 });
    expect(await sendDueNotifications(t.deps)).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect(rx.received).toHaveLength(2);
    const bodies = rx.received.map((r) => {
      expect(r.headers['x-weian-signature']).toBe(`sha256=${createHmac('sha256', 'k').update(r.body).digest('hex')}`);
      return JSON.parse(r.body) as { title: string; institution: { code: string }; alerts: Array<{ institutionCode: string }> };
    });
    expect(bodies.map((b) => [b.institution.code, b.alerts.length, new Set(b.alerts.map((x) => x.institutionCode)).size]).sort()).toEqual([
      ['A', 250, 1],
      ['B', 250, 1],
    ]);
    expect(bodies.map((b) => b.title).sort()).toEqual(['卫安风险告警：拱墅区中医院（250 条）', '卫安风险告警：西湖区人民医院（250 条）']);
  });

  it('a digest groups the hour, quiet hours hold messages, severity filters, and failures retry with backoff, each attempt recorded', async () => {
    // 02:00Z is 10:00 in China. Hourly digest for the city; a county channel for criticals only, quiet until 11:00.
    const digest = await createChannel(t.deps, ADMIN, '330100', { name: '日报', kind: 'wecom', url: `${rx.base}/digest?key=d`, minSeverity: 'high', mode: 'hourly' });
    const critical = await createChannel(t.deps, ADMIN, '330106', {
      name: '值班',
      kind: 'wecom',
      url: `${rx.base}/critical?key=c`,
      minSeverity: 'critical',
      mode: 'immediate',
      quietHours: { start: '09:30', end: '11:00' },
    });
    t.clock.advance(5 * 60_000);
    t.deps.bus.emit('finding.changed', failing(1, 'A', '330106'));
    t.deps.bus.emit('finding.changed', { ...failing(2, 'A', '330106'), ruleId: 'HOST-OS-EOL', severity: 'critical' });
    t.deps.bus.emit('finding.changed', failing(3, 'B', '330105'));
    await engine.idle();

    t.clock.advance(GROUP_WINDOW_MS);
    expect(await sendDueNotifications(t.deps)).toEqual({ sent: 0, failed: 0, retrying: 0 });

    // 11:00 China: the hourly digest (3 alerts, both institutions) and the held critical (1 alert) go out.
    t.clock.now = new Date('2026-11-02T03:00:00Z');
    expect(await sendDueNotifications(t.deps)).toEqual({ sent: 2, failed: 0, retrying: 0 });
    const byPath = new Map(rx.received.map((r) => [new URL(r.url, rx.base).pathname, JSON.parse(r.body) as { markdown: { content: string } }]));
    expect(byPath.get('/digest')!.markdown.content.split('\n').slice(0, 2)).toEqual(['### 卫安风险告警每小时汇总（3 条）', '> 严重 1 · 高危 2']);
    expect(byPath.get('/critical')!.markdown.content).toContain('【严重】h-A-2');
    expect(byPath.get('/critical')!.markdown.content).not.toContain('h-A-1');

    // The endpoint fails twice, then accepts: retried after 30 s, then 60 s.
    let calls = 0;
    const flaky = await startReceiver(() => (++calls <= 2 ? { status: 503, body: 'busy' } : { status: 200, body: '{"errcode":0}' }));
    try {
      const ch = await createChannel(t.deps, ADMIN, '330106', { name: '不稳定', kind: 'wecom', url: `${flaky.base}/x`, minSeverity: 'high', mode: 'immediate' });
      t.deps.bus.emit('finding.changed', failing(4, 'A', '330106'));
      await engine.idle();
      t.clock.advance(GROUP_WINDOW_MS);
      expect(await sendDueNotifications(t.deps)).toMatchObject({ retrying: 1 });
      t.clock.advance(29_000);
      expect(await sendDueNotifications(t.deps)).toMatchObject({ sent: 0, retrying: 0 });
      t.clock.advance(1_000);
      expect(await sendDueNotifications(t.deps)).toMatchObject({ retrying: 1 });
      t.clock.advance(60_000);
      expect(await sendDueNotifications(t.deps)).toMatchObject({ sent: 1 });
      const [delivery] = await listDeliveries(t.deps.db, ch.id);
      expect([delivery?.status, delivery?.attempts]).toEqual(['sent', 3]);
      expect((await listAttempts(t.deps.db, delivery!.id)).map((x) => [x.ok, x.http_status])).toEqual([
        [0, 503],
        [0, 503],
        [1, 200],
      ]);
    } finally {
      await flaky.close();
    }
    // The alert raised after the digest went out waits for the next hour's.
    expect((await listDeliveries(t.deps.db, digest.id)).map((d) => [d.status, d.items, d.due_at])).toEqual([
      ['sent', 3, '2026-11-02T03:00:00.000Z'],
      ['collecting', 1, '2026-11-02T04:00:00.000Z'],
    ]);
    expect((await listDeliveries(t.deps.db, critical.id)).map((d) => [d.status, d.items, d.due_at])).toEqual([['sent', 1, '2026-11-02T03:00:00.000Z']]);
  });
});
