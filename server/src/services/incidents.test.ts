import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, enrollHost, type TestDb } from '../testing/harness.js';
import { EVIDENCE_FIXTURES, mlpsSystemRecord, sha256 } from '../testing/incidents.js';
import { startReceiver } from '../testing/receiver.js';
import type { AuthenticatedAgent } from './agentAuth.js';
import { INCIDENT_LATE_RULE, INCIDENT_SUMMARY_RULE, OFFLINE_RULE } from './alertRules.js';
import { getAlertDetail, listAlertViews, raiseAlert } from './alerts.js';
import { fetchSender } from './channels/index.js';
import {
  attachIncidentEvidence,
  checkIncidentSummaries,
  closeIncident,
  commentIncident,
  draftFromAlert,
  followUpIncident,
  getIncidentDetail,
  incidentSettingsView,
  listIncidentViews,
  receiveIncident,
  reportIncident,
  requestIncidentInfo,
  submitIncidentSummary,
  liveIncidentView,
  retryIncidentNotifications,
  type IncidentChange,
  type ReportIncidentInput,
} from './incidents.js';
import { createChannel } from './notificationChannels.js';
import { ranking } from './rankings.js';
import { saveMlpsSystem } from './records.js';
import { putSettings } from './settings.js';
import { ADMIN, INST_A, county, institutionUser, outcome as code } from '../testing/principals.js';
import { DEFAULT_INCIDENT_SETTINGS, EVIDENCE_MAX_BYTES, gradeIncident } from '@weian/shared';

const XIHU = county('330106');
const GONGSHU = county('330105');
const HOUR = 3600_000;
const none = { cii: false, systemsDownHours: 0, recordsLeaked: 0, patientsAffected: 0 };
const PATIENT_TEXT = '患者张三等 1200 人的病历被加密';
const { png: PNG, pdf: PDF, docx: DOCX, exe: EXE } = EVIDENCE_FIXTURES;
const sha = sha256;

describe.each(DIALECTS)('incidents (%s)', (dialect) => {
  let t: TestDb;
  let a: AuthenticatedAgent;
  let b: AuthenticatedAgent;
  const send = fetchSender(5_000);
  const input = (over: Partial<ReportIncidentInput['incident']> = {}, discoveredAgoMs = HOUR): ReportIncidentInput => ({
    institutionCode: 'A',
    incident: {
      title: '勒索病毒加密 HIS 数据库',
      type: 'ransomware',
      discoveredAt: new Date(t.clock.now.getTime() - discoveredAgoMs).toISOString(),
      level: 'large',
      criteria: { ...none, recordsLeaked: 1_500_000, patientsAffected: 1200 },
      impact: PATIENT_TEXT,
      measures: '断网隔离受感染主机',
      ...over,
    },
  });

  beforeEach(async () => {
    t = await createTestDb(dialect);
    // Channel receivers in these tests listen on loopback, which only the allow-list admits.
    t.deps.channelHosts = ['127.0.0.1'];
    a = await enrollHost(t.deps, { institution: 'A', name: '西湖区人民医院', region: '330106', hostname: 'his-01' });
    b = await enrollHost(t.deps, { institution: 'B', name: '拱墅区人民医院', region: '330105', hostname: 'his-b' });
  });
  afterEach(() => t.close());

  it('a 较大 incident: 4 h clock from discovery, seen live within scope only, one signed message per channel without patient data', async () => {
    const rx = await startReceiver();
    try {
      await createChannel(t.deps, ADMIN, '330106', { name: '西湖区值班', kind: 'webhook', url: `${rx.base}/hook`, secret: 'k3y', minSeverity: 'critical', mode: 'daily' });
      await createChannel(t.deps, ADMIN, '330105', { name: '拱墅区值班', kind: 'webhook', url: `${rx.base}/other`, secret: 'x', minSeverity: 'low', mode: 'immediate' });
      const seen: IncidentChange[] = [];
      t.deps.bus.onOrigin('incident.changed', (e) => seen.push(e));
      const inc = await reportIncident(t.deps, INST_A, input(), send);
      expect(inc).toMatchObject({ level: 'large', status: 'reported', late: false, summaryOverdue: false, cii: false });
      expect(Date.parse(inc.reportDeadline) - Date.parse(inc.discoveredAt)).toBe(4 * HOUR);
      expect(seen.map((e) => [e.change, e.incident.id, e.regionCode])).toEqual([['reported', inc.id, '330106']]);

      // Quiet modes and minimum severities do not hold an incident back; only the county's own channel (and those above) get it.
      expect(rx.received.map((r) => r.url)).toEqual(['/hook']);
      const got = rx.received[0]!;
      expect(got.headers['x-weian-signature']).toBe(`sha256=${createHmac('sha256', 'k3y').update(got.body).digest('hex')}`);
      expect(got.body).toContain('较大');
      expect(got.body).not.toContain('张三');
      expect(got.body).not.toContain('断网');
      const detail = await getIncidentDetail(t.deps, XIHU.scope, inc.id);
      expect(detail.timeline.map((e) => [e.action, e.detail.ok ?? null])).toEqual([
        ['report', null],
        ['notified', true],
      ]);

      expect((await listIncidentViews(t.deps, XIHU.scope, { limit: 10 })).map((i) => i.id)).toEqual([inc.id]);
      expect(await listIncidentViews(t.deps, GONGSHU.scope, { limit: 10 })).toEqual([]);
      expect(await code(getIncidentDetail(t.deps, GONGSHU.scope, inc.id))).toBe('FORBIDDEN');
      expect(await code(commentIncident(t.deps, GONGSHU, inc.id, '请说明'))).toBe('FORBIDDEN');
    } finally {
      await rx.close();
    }
  });

  it('a report filed more than 4 h after discovery is late; CII gets 1 h; 一般 goes to no channel and follows the region hours', async () => {
    const rx = await startReceiver();
    try {
      await createChannel(t.deps, ADMIN, '330100', { name: '杭州市', kind: 'webhook', url: `${rx.base}/city`, secret: 'c', minSeverity: 'low', mode: 'immediate' });
      expect((await reportIncident(t.deps, INST_A, input({}, 4 * HOUR + 60_000), send)).late).toBe(true);
      expect((await reportIncident(t.deps, INST_A, input({}, 3 * HOUR), send)).late).toBe(false);
      const cii = await reportIncident(t.deps, INST_A, input({ criteria: { ...none, cii: true, systemsDownHours: 1 } }, 90 * 60_000), send);
      expect([cii.level, cii.late, Date.parse(cii.reportDeadline) - Date.parse(cii.discoveredAt)]).toEqual(['large', true, HOUR]);
      expect(rx.received).toHaveLength(3);

      await putSettings(t.deps, ADMIN, '330106', { incidents: { generalReportHours: 8 } });
      const general = await reportIncident(t.deps, INST_A, input({ level: 'general', criteria: none }, 9 * HOUR), send);
      expect([general.late, Date.parse(general.reportDeadline) - Date.parse(general.discoveredAt)]).toEqual([true, 8 * HOUR]);
      expect(rx.received).toHaveLength(3);
    } finally {
      await rx.close();
    }
  });

  it('the 重大 and 较大 figures are region settings: a county lowers one and the guided level for the same facts goes up', async () => {
    const facts = { ...none, recordsLeaked: 600_000 };
    const before = await incidentSettingsView(t.deps, INST_A);
    expect([before.regionCode, before.settings, before.criteria.map((c) => [c.level, c.recordsLeaked, c.confirmed])]).toEqual([
      '330106',
      DEFAULT_INCIDENT_SETTINGS,
      [
        ['especially-major', 100_000_000, true],
        ['major', 10_000_000, false],
        ['large', 1_000_000, false],
      ],
    ]);
    expect(gradeIncident(facts, before.settings)).toBe('general');
    const first = await reportIncident(t.deps, INST_A, input({ level: 'general', criteria: facts }), send);
    expect(first.level).toBe('general');

    // The county grades stricter: 500,000 people leaked is 较大 there. Its neighbour keeps the defaults.
    await putSettings(t.deps, XIHU, '330106', { incidents: { largeRecordsLeaked: 500_000 } });
    const after = await incidentSettingsView(t.deps, INST_A);
    expect(after.criteria.find((c) => c.level === 'large')?.recordsLeaked).toBe(500_000);
    expect(gradeIncident(facts, after.settings)).toBe('large');
    const refused = reportIncident(t.deps, INST_A, input({ level: 'general', criteria: facts }), send);
    await expect(refused).rejects.toThrow(/at least 较大/);
    const large = await reportIncident(t.deps, INST_A, input({ level: 'large', criteria: facts }, 30 * 60_000), send);
    expect([large.level, Date.parse(large.reportDeadline) - Date.parse(large.discoveredAt)]).toEqual(['large', 4 * HOUR]);
    expect((await incidentSettingsView(t.deps, institutionUser('B', '330105'))).settings).toEqual(DEFAULT_INCIDENT_SETTINGS);

    // Below the province a figure only goes down; the levels stay in order; the province may set any figure.
    expect(await code(putSettings(t.deps, XIHU, '330106', { incidents: { largeRecordsLeaked: 2_000_000 } }))).toBe('BAD_REQUEST');
    expect(await code(putSettings(t.deps, ADMIN, '330000', { incidents: { largeRecordsLeaked: 20_000_000 } }))).toBe('BAD_REQUEST');
    await putSettings(t.deps, ADMIN, '330000', { incidents: { largeRecordsLeaked: 2_000_000, summaryDays: 45 } });
    expect((await incidentSettingsView(t.deps, institutionUser('B', '330105'))).settings).toMatchObject({ largeRecordsLeaked: 2_000_000, summaryDays: 45 });
    expect((await incidentSettingsView(t.deps, INST_A)).settings).toMatchObject({ largeRecordsLeaked: 500_000, summaryDays: 45 });
  });

  it('refuses discovery in the future, unknown systems and hosts, a CII institution denying CII, and other institutions', async () => {
    expect(await code(reportIncident(t.deps, INST_A, input({}, -5 * 60_000), send))).toBe('BAD_REQUEST');
    expect(await code(reportIncident(t.deps, INST_A, input({ systemIds: ['sys-nope'] }), send))).toBe('BAD_REQUEST');
    expect(await code(reportIncident(t.deps, INST_A, input({ hostIds: ['h-of-another'] }), send))).toBe('BAD_REQUEST');
    expect(await code(reportIncident(t.deps, INST_A, { ...input(), institutionCode: 'B' }, send))).toBe('FORBIDDEN');
    expect(await code(reportIncident(t.deps, INST_A, input({ level: 'general' }), send))).toBe('BAD_REQUEST');
    const sys = await saveMlpsSystem(t.deps, INST_A, 'A', mlpsSystemRecord({ hostIds: [a.hostId] }));
    const systemId = (sys as { id: string }).id;
    expect(await code(reportIncident(t.deps, INST_A, input({ systemIds: [systemId], hostIds: [a.hostId] }), send))).toBe('BAD_REQUEST');
    const ok = await reportIncident(t.deps, INST_A, input({ systemIds: [systemId], hostIds: [a.hostId], criteria: { ...none, cii: true, recordsLeaked: 1_500_000 } }, 30 * 60_000), send);
    expect([ok.cii, ok.systemIds, ok.hostIds]).toEqual([true, [systemId], [a.hostId]]);
    expect(await getIncidentDetail(t.deps, XIHU.scope, ok.id)).toMatchObject({ systems: [{ id: systemId, name: 'HIS', level: 3 }], hosts: [{ id: a.hostId, hostname: 'his-01' }] });
    // Another institution's real system and host are as unknown here as made-up ones, and the refusal says which field.
    const bSystem = (await saveMlpsSystem(t.deps, institutionUser('B', '330105'), 'B', mlpsSystemRecord({ criticalInfrastructure: false, hostIds: [b.hostId] }))) as { id: string };
    await expect(reportIncident(t.deps, INST_A, input({ systemIds: [bSystem.id] }), send)).rejects.toThrow(/systemIds: unknown MLPS systems for this institution \(西湖区人民医院\)/);
    await expect(reportIncident(t.deps, INST_A, input({ hostIds: [b.hostId] }), send)).rejects.toThrow(/hostIds: unknown hosts for this institution \(西湖区人民医院\)/);
  });

  it('attachments on the report, a follow-up and the summary: judged by their bytes, kept once by SHA-256, on the timeline, the institution only', async () => {
    const inc = await reportIncident(t.deps, INST_A, input(), send);
    const seen: IncidentChange[] = [];
    t.deps.bus.onOrigin('incident.changed', (e) => seen.push(e));
    expect(await attachIncidentEvidence(t.deps, INST_A, { incidentId: inc.id, name: '勒索信.png', content: PNG })).toEqual({ sha256: sha(PNG), size: PNG.length, type: 'png' });
    // The same file again is kept once and adds nothing to the timeline.
    await attachIncidentEvidence(t.deps, INST_A, { incidentId: inc.id, name: '勒索信.png', content: PNG });
    expect(seen.map((e) => e.action)).toEqual(['attach']);
    await followUpIncident(t.deps, INST_A, inc.id, '已恢复门诊挂号');
    await attachIncidentEvidence(t.deps, INST_A, { incidentId: inc.id, name: '恢复记录.pdf', content: PDF });
    await closeIncident(t.deps, INST_A, inc.id, '处置完毕');
    await attachIncidentEvidence(t.deps, INST_A, { incidentId: inc.id, name: '整改方案.docx', content: DOCX });
    const refused = async (p: Promise<unknown>) => {
      try {
        await p;
        return 'ok';
      } catch (e) {
        return `${(e as { code: string }).code} ${(e as Error).message}`;
      }
    };
    expect(await refused(attachIncidentEvidence(t.deps, INST_A, { incidentId: inc.id, name: '报告.pdf', content: EXE }))).toMatch(/^BAD_REQUEST .*not a PDF, PNG, JPEG or Office document/);
    expect(await refused(attachIncidentEvidence(t.deps, INST_A, { incidentId: inc.id, name: '../../etc/passwd.pdf', content: PDF }))).toMatch(/^BAD_REQUEST .*path separator/);
    expect(await refused(attachIncidentEvidence(t.deps, INST_A, { incidentId: inc.id, name: '大.pdf', content: Buffer.concat([PDF, Buffer.alloc(EVIDENCE_MAX_BYTES)]) }))).toMatch(
      /^BAD_REQUEST .*over the limit/,
    );
    expect(await refused(attachIncidentEvidence(t.deps, XIHU, { incidentId: inc.id, name: '批示.pdf', content: PDF }))).toMatch(/^FORBIDDEN .*reporting institution/);
    expect(await refused(attachIncidentEvidence(t.deps, institutionUser('B', '330105'), { incidentId: inc.id, name: 'b.pdf', content: PDF }))).toMatch(/^FORBIDDEN/);
    await submitIncidentSummary(t.deps, INST_A, inc.id, { cause: '弱口令', measures: '改密', rectification: '堡垒机', lessons: '培训' });
    expect(await refused(attachIncidentEvidence(t.deps, INST_A, { incidentId: inc.id, name: '迟到.pdf', content: Buffer.concat([PDF, Buffer.from('x')]) }))).toMatch(/^CONFLICT/);
    const d = await getIncidentDetail(t.deps, XIHU.scope, inc.id);
    expect(d.evidence.map((e) => [e.name, e.stage, e.type, e.sha256])).toEqual([
      ['勒索信.png', 'report', 'png', sha(PNG)],
      ['恢复记录.pdf', 'follow-up', 'pdf', sha(PDF)],
      ['整改方案.docx', 'summary', 'ooxml', sha(DOCX)],
    ]);
    expect(d.timeline.filter((e) => e.action !== 'notified').map((e) => e.action)).toEqual(['report', 'attach', 'follow-up', 'attach', 'close', 'attach', 'summary']);
    expect(d.timeline.find((e) => e.action === 'attach')?.detail).toEqual({ sha256: sha(PNG), name: '勒索信.png', size: PNG.length, type: 'png', stage: 'report' });
  });

  it('follow-ups, close, summary on its own deadline; bureaus comment, ask for more and mark 已接报 once', async () => {
    await putSettings(t.deps, ADMIN, '330100', { incidents: { summaryDays: 10 } });
    const inc = await reportIncident(t.deps, INST_A, input(), send);
    expect(await code(submitIncidentSummary(t.deps, INST_A, inc.id, { cause: '弱口令', measures: '改密', rectification: '堡垒机', lessons: '培训' }))).toBe('CONFLICT');
    await followUpIncident(t.deps, INST_A, inc.id, '已恢复门诊挂号');
    await requestIncidentInfo(t.deps, XIHU, inc.id, '请补充受影响系统清单');
    await commentIncident(t.deps, XIHU, inc.id, '已转报市卫健委');
    expect((await receiveIncident(t.deps, XIHU, inc.id)).receivedBy).toBe('county-330106');
    expect(await code(receiveIncident(t.deps, XIHU, inc.id))).toBe('CONFLICT');
    t.clock.advance(2 * HOUR);
    const closed = await closeIncident(t.deps, INST_A, inc.id, '处置完毕');
    expect(Date.parse(closed.summaryDeadline!) - Date.parse(closed.closedAt!)).toBe(10 * 24 * HOUR);
    expect(await code(followUpIncident(t.deps, INST_A, inc.id, '迟到的续报'))).toBe('CONFLICT');
    t.clock.advance(10 * 24 * HOUR + 60_000);
    expect((await getIncidentDetail(t.deps, XIHU.scope, inc.id)).summaryOverdue).toBe(true);
    const done = await submitIncidentSummary(t.deps, INST_A, inc.id, { cause: '弱口令', measures: '改密', rectification: '堡垒机', lessons: '培训' });
    expect([done.status, done.summaryOverdue]).toEqual(['summarized', true]);
    const d = await getIncidentDetail(t.deps, XIHU.scope, inc.id);
    expect(d.timeline.map((e) => e.action)).toEqual(['report', 'follow-up', 'request-info', 'comment', 'receive', 'close', 'summary']);
  });

  it('an alert becomes a prefilled draft, and the report made from it is linked both ways', async () => {
    const { alert } = await raiseAlert(t.deps, {
      subjectKind: 'host',
      subjectId: a.hostId,
      ruleId: OFFLINE_RULE,
      kind: 'offline',
      severity: 'high',
      institutionCode: 'A',
      regionCode: '330106',
      evidence: { zh: '自 09:00 起无心跳', en: 'silent since 09:00' },
    });
    const draft = await draftFromAlert(t.deps, INST_A.scope, alert.id);
    expect(draft).toMatchObject({ institutionCode: 'A', fromAlertId: alert.id, incident: { type: 'outage', hostIds: [a.hostId], discoveredAt: alert.openedAt }, alreadyReported: [] });
    expect(await code(draftFromAlert(t.deps, { kind: 'institution', code: 'B' }, alert.id))).toBe('FORBIDDEN');
    const inc = await reportIncident(t.deps, INST_A, { institutionCode: 'A', fromAlertId: alert.id, incident: { ...draft.incident, level: 'general', criteria: none, measures: '排查网络' } }, send);
    expect(inc.alertId).toBe(alert.id);
    expect((await draftFromAlert(t.deps, INST_A.scope, alert.id)).alreadyReported).toEqual([inc.id]);
    expect((await listIncidentViews(t.deps, XIHU.scope, { alertId: alert.id, limit: 10 })).map((i) => i.id)).toEqual([inc.id]);
    const onAlert = await getAlertDetail(t.deps, XIHU.scope, alert.id);
    expect(onAlert.events.some((e) => e.action === 'commented' && String(e.detail.text).includes(inc.id))).toBe(true);
  });

  it('a late 较大 report opens a critical alert; a summary past its deadline opens one that resolves when the summary is in', async () => {
    const alertsOf = async (ruleId: string) => (await listAlertViews(t.deps, XIHU.scope, { limit: 50, offset: 0 })).items.filter((x) => x.ruleId === ruleId);
    await reportIncident(t.deps, INST_A, input({ level: 'general', criteria: none }, 30 * HOUR), send);
    expect(await alertsOf(INCIDENT_LATE_RULE)).toEqual([]);
    await reportIncident(t.deps, INST_A, input({}, 5 * HOUR), send);
    expect((await alertsOf(INCIDENT_LATE_RULE)).map((x) => [x.severity, x.status, x.institutionCode])).toEqual([['critical', 'open', 'A']]);

    const inc = await reportIncident(t.deps, INST_A, input(), send);
    await closeIncident(t.deps, INST_A, inc.id, '处置完毕');
    t.clock.advance(30 * 24 * HOUR - 60_000);
    expect(await checkIncidentSummaries(t.deps)).toEqual({ overdue: 0 });
    expect(await alertsOf(INCIDENT_SUMMARY_RULE)).toEqual([]);
    t.clock.advance(2 * 60_000);
    expect(await checkIncidentSummaries(t.deps)).toEqual({ overdue: 1 });
    const [open] = await alertsOf(INCIDENT_SUMMARY_RULE);
    expect([open?.status, open?.evidence.zh]).toEqual(['open', expect.stringContaining('勒索病毒加密 HIS 数据库')]);
    await submitIncidentSummary(t.deps, INST_A, inc.id, { cause: '弱口令', measures: '改密', rectification: '堡垒机', lessons: '培训' });
    expect(await checkIncidentSummaries(t.deps)).toEqual({ overdue: 0 });
    expect((await alertsOf(INCIDENT_SUMMARY_RULE)).map((x) => x.status)).toEqual(['resolved']);
  });

  it('a channel that refuses the message is retried with backoff until it takes it; every attempt is on the timeline', async () => {
    // The robot fails twice (HTTP 500), then accepts.
    const rx = await startReceiver((_r, n) => (n <= 2 ? { status: 500, body: 'busy' } : { status: 200, body: '{"errcode":0}' }));
    try {
      await createChannel(t.deps, ADMIN, '330106', { name: '西湖区值班', kind: 'webhook', url: `${rx.base}/hook`, secret: 'k3y', minSeverity: 'critical', mode: 'daily' });
      const opts = { send, maxAttempts: 5, backoffBaseMs: 60_000, backoffMaxMs: 600_000 };
      const inc = await reportIncident(t.deps, INST_A, input(), send);
      expect(rx.received).toHaveLength(1);
      // Not before the first backoff (1 min).
      t.clock.advance(30_000);
      expect(await retryIncidentNotifications(t.deps, opts)).toEqual({ retried: 0, sent: 0 });
      t.clock.advance(31_000);
      expect(await retryIncidentNotifications(t.deps, opts)).toEqual({ retried: 1, sent: 0 });
      // The second backoff is 2 min.
      t.clock.advance(61_000);
      expect(await retryIncidentNotifications(t.deps, opts)).toEqual({ retried: 0, sent: 0 });
      t.clock.advance(60_000);
      expect(await retryIncidentNotifications(t.deps, opts)).toEqual({ retried: 1, sent: 1 });
      t.clock.advance(3600_000);
      expect(await retryIncidentNotifications(t.deps, opts)).toEqual({ retried: 0, sent: 0 });
      expect(rx.received).toHaveLength(3);
      // Every attempt is signed alike and carries no patient data.
      for (const r of rx.received) {
        expect(r.headers['x-weian-signature']).toBe(`sha256=${createHmac('sha256', 'k3y').update(r.body).digest('hex')}`);
        expect(r.body).not.toContain('张三');
      }
      const d = await getIncidentDetail(t.deps, XIHU.scope, inc.id);
      expect(d.timeline.filter((e) => e.action === 'notified').map((e) => [e.detail.attempt, e.detail.ok, e.detail.httpStatus])).toEqual([
        [1, false, 500],
        [2, false, 500],
        [3, true, 200],
      ]);
    } finally {
      await rx.close();
    }
  });

  it('gives up after the last attempt', async () => {
    const rx = await startReceiver(() => ({ status: 503, body: 'down' }));
    try {
      await createChannel(t.deps, ADMIN, '330106', { name: '西湖区值班', kind: 'webhook', url: `${rx.base}/hook`, secret: 'k3y', minSeverity: 'critical', mode: 'daily' });
      const opts = { send, maxAttempts: 3, backoffBaseMs: 1_000, backoffMaxMs: 1_000 };
      await reportIncident(t.deps, INST_A, input(), send);
      for (let i = 0; i < 5; i++) {
        t.clock.advance(2_000);
        await retryIncidentNotifications(t.deps, opts);
      }
      expect(rx.received).toHaveLength(3);
    } finally {
      await rx.close();
    }
  });

  it('the ranking column counts late reports and missing summaries of the period, on the controlled clock', async () => {
    const column = async () => (await ranking(t.deps, XIHU.scope, { regionCode: '330106' })).rows.find((r) => r.code === 'A')!.incidents;
    expect(await column()).toEqual({ late: 0, summaryMissing: 0 });
    const onTime = await reportIncident(t.deps, INST_A, input({}, 3 * HOUR + 59 * 60_000), send);
    expect(await column()).toEqual({ late: 0, summaryMissing: 0 });
    await reportIncident(t.deps, INST_A, input({}, 4 * HOUR + 60_000), send);
    expect(await column()).toEqual({ late: 1, summaryMissing: 0 });
    // The summary of the on-time one falls due 30 days after closing, in December: November keeps its late report.
    await closeIncident(t.deps, INST_A, onTime.id, '处置完毕');
    t.clock.advance(30 * 24 * HOUR + 60_000);
    expect(await column()).toEqual({ late: 0, summaryMissing: 1 });
    await submitIncidentSummary(t.deps, INST_A, onTime.id, { cause: '弱口令', measures: '改密', rectification: '堡垒机', lessons: '培训' });
    // Submitted after its deadline: still missing on time, so it stays counted.
    expect(await column()).toEqual({ late: 0, summaryMissing: 1 });
    // Another county's view of its own region shows nothing of A.
    expect((await ranking(t.deps, GONGSHU.scope, { regionCode: '330105' })).rows.map((r) => r.code)).toEqual(['B']);
  });

  it('a live event fits one PostgreSQL NOTIFY even for the largest incident the schema allows', async () => {
    const long = '病'.repeat(4000);
    const inc = await reportIncident(
      t.deps,
      INST_A,
      input({ title: '勒'.repeat(200), impact: long, measures: long, cause: long, supportRequested: '援'.repeat(1000), level: 'major', gradingReason: '理'.repeat(1000) }),
      send,
    );
    await closeIncident(t.deps, INST_A, inc.id, '处置完毕');
    const full = await submitIncidentSummary(t.deps, INST_A, inc.id, { cause: long, measures: long, rectification: long, lessons: long });
    const big = { ...full, systemIds: Array.from({ length: 100 }, (_, i) => `sys_${'x'.repeat(56)}${i}`), hostIds: Array.from({ length: 500 }, (_, i) => `host_${'y'.repeat(55)}${i}`) };
    const event: IncidentChange = { change: 'updated', action: 'summary', regionCode: '330106', institutionCode: 'A', at: full.updatedAt, incident: liveIncidentView(big) };
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThan(7_000);
    expect(Buffer.byteLength(JSON.stringify(big))).toBeGreaterThan(8_000);
    expect((await getIncidentDetail(t.deps, XIHU.scope, inc.id)).impact).toBe(long);
  });
});
