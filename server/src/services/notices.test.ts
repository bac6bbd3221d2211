import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit } from '../storage/audit.js';
import { sshPorts, userCaller } from '../testing/callers.js';
import { createTestDb, DIALECTS, enrollHost, sampleReport, type TestDb } from '../testing/harness.js';
import type { AuthenticatedAgent } from './agentAuth.js';
import { NOTICE_OVERDUE_RULE, NOTICE_REOPENED_RULE } from './alertRules.js';
import { listAlertViews } from './alerts.js';
import { startAlertEngine, type AlertEngine } from './alertEngine.js';
import { login } from './auth.js';
import { ingestReport } from './ingest.js';
import { ranking } from './rankings.js';
import { downloadEvidence, raiseOverdueNotices } from './notices.js';
import { county as countyPrincipal } from '../testing/principals.js';
import { createChannel } from './notificationChannels.js';
import { listDeliveries } from '../storage/notifications.js';
import { createUser } from './users.js';

const PASSWORD = 'Notices-Test-Pass-1';
const RULE = 'HOST-PORT-REMOTE-PUBLIC';
const quiet = { error: (m: string) => console.error(m) };
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');
const EXE = Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00]);
const blank = { title: '关于限期整改网络安全问题的通知', requirement: '请于期限内完成整改并反馈', severity: 'high' as const, due: { workingDays: 10 } };

describe.each(DIALECTS)('rectification notices (%s)', (dialect) => {
  let t: TestDb;
  let engine: AlertEngine;
  let a: AuthenticatedAgent;
  let b: AuthenticatedAgent;
  let c: AuthenticatedAgent;
  const send = async (agent: AuthenticatedAgent, pub: boolean) => {
    t.clock.advance(60_000);
    await ingestReport(t.deps, agent, sampleReport(agent.id, t.clock.now, sshPorts(pub)), 1000);
    await engine.idle();
  };
  const as = (username: string) => userCaller(t.deps, username, PASSWORD);
  const count = async () =>
    Number(
      (
        await t.deps.db
          .withTables<{ notices: { id: string } }>()
          .selectFrom('notices')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst()
      )?.n,
    );

  beforeEach(async () => {
    t = await createTestDb(dialect);
    engine = startAlertEngine(t.deps, quiet);
    a = await enrollHost(t.deps, { institution: 'A', name: '西湖区人民医院', region: '330106', hostname: 'his-a' });
    b = await enrollHost(t.deps, { institution: 'B', name: '西湖区妇幼保健院', region: '330106', hostname: 'his-b' });
    c = await enrollHost(t.deps, { institution: 'C', name: '拱墅区中医院', region: '330105', hostname: 'his-c' });
    for (const [username, role, scopeCode] of [
      ['xihu', 'county', '330106'],
      ['gongshu', 'county', '330105'],
      ['hangzhou', 'city', '330100'],
      ['inst-a', 'institution', 'A'],
      ['inst-b', 'institution', 'B'],
      ['inst-c', 'institution', 'C'],
    ] as const)
      await createUser(t.deps, 'cli', { username, role, scopeCode, password: PASSWORD });
    for (const agent of [a, b, c]) await send(agent, true);
  });
  afterEach(async () => {
    await engine.stop();
    await t.close();
  });

  it('the full loop: bulk issue by failing rule, sign, evidence, answer, submit, verified by data, accept, closed; all audited', async () => {
    const county = await as('xihu');
    const { issued, skipped } = await county.notices.issue({
      ...blank,
      target: { kind: 'filter', failingRuleId: RULE },
      items: [
        { kind: 'rule', ruleId: RULE },
        { kind: 'text', title: '远程运维管理制度', requirement: '补充远程运维审批记录' },
      ],
    });
    // C fails too, but is in another county.
    expect(issued.map((n) => [n.institutionCode, n.number])).toEqual([
      ['A', '西湖卫安整改〔2026〕1号'],
      ['B', '西湖卫安整改〔2026〕2号'],
    ]);
    expect(skipped).toEqual([]);
    // 10 working days from Monday 2026-11-02.
    expect(issued[0]!.deadline).toBe('2026-11-16');
    const id = issued[0]!.id;

    const inst = await as('inst-a');
    expect((await inst.notices.list()).items.map((n) => n.number)).toEqual(['西湖卫安整改〔2026〕1号']);
    let n = await inst.notices.get({ noticeId: id });
    expect([n.status, n.actions.sort()]).toEqual(['issued', ['requestExtension', 'sign']]);
    expect(n.items.map((i) => [i.ruleId, i.links.length, i.verified])).toEqual([
      [RULE, 1, false],
      [null, 0, false],
    ]);
    await expect(inst.notices.upload({ noticeId: id, name: '报告.pdf', contentBase64: PDF.toString('base64') })).rejects.toMatchObject({ code: 'CONFLICT' });
    await inst.notices.sign({ noticeId: id });

    // Bad files: refused, nothing kept.
    await expect(inst.notices.upload({ noticeId: id, name: '整改报告.pdf', contentBase64: EXE.toString('base64') })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/not a PDF/),
    });
    await expect(inst.notices.upload({ noticeId: id, name: '../../etc/passwd.pdf', contentBase64: PDF.toString('base64') })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/path separator/),
    });
    await expect(inst.notices.upload({ noticeId: id, name: 'big.pdf', contentBase64: Buffer.concat([PDF, Buffer.alloc(1_400_000)]).toString('base64') })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect((await inst.notices.get({ noticeId: id })).evidence).toEqual([]);
    const up = await inst.notices.upload({ noticeId: id, name: '端口关闭截图与说明.pdf', contentBase64: PDF.toString('base64') });
    expect(up).toMatchObject({ size: PDF.length, type: 'pdf', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await expect(inst.notices.submit({ noticeId: id })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/no answer/) });
    await expect(inst.notices.answer({ noticeId: id, itemId: n.items[0]!.id, measures: '已关闭', evidence: ['f'.repeat(64)] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await inst.notices.answer({ noticeId: id, itemId: n.items[0]!.id, measures: '已关闭公网 SSH，改由堡垒机运维', evidence: [up.sha256] });
    await inst.notices.answer({ noticeId: id, itemId: n.items[1]!.id, measures: '已补充审批记录', evidence: [up.sha256] });
    await inst.notices.submit({ noticeId: id });
    // Double submission: refused, nothing changes.
    await expect(inst.notices.submit({ noticeId: id })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/already submitted/) });

    // Only the issuing region reviews; the finding still fails: accepting needs an override.
    await expect(inst.notices.review({ noticeId: id, itemId: n.items[0]!.id, decision: 'accept' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(county.notices.review({ noticeId: id, itemId: n.items[0]!.id, decision: 'accept' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/override/) });

    // The agent's next report shows the port closed: 数据已核验.
    await send(a, false);
    n = await county.notices.get({ noticeId: id });
    expect(n.items[0]!.verified).toBe(true);
    await county.notices.review({ noticeId: id, itemId: n.items[0]!.id, decision: 'accept' });
    // The city above may review too (the issuer's region or above).
    const city = await as('hangzhou');
    n = await city.notices.review({ noticeId: id, itemId: n.items[1]!.id, decision: 'accept', comment: '材料齐全' });
    expect([n.status, n.closedAt, n.actions]).toEqual(['closed', t.clock.now.toISOString(), []]);
    expect(n.events.map((e) => `${e.action}:${e.actor}`)).toEqual([
      'issued:xihu',
      'sign:inst-a',
      'evidence:inst-a',
      'answer:inst-a',
      'answer:inst-a',
      'submit:inst-a',
      'verified:system',
      'review:xihu',
      'review:hangzhou',
    ]);
    // Served within scope only.
    expect((await downloadEvidence(t.deps, countyPrincipal('330106'), id, up.sha256)).contentBase64).toBe(PDF.toString('base64'));
    await expect(downloadEvidence(t.deps, countyPrincipal('330105'), id, up.sha256)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // The ranking beside the score: A's notice closed within its deadline, B's is still open.
    const rows = (await ranking(t.deps, { kind: 'all' }, { regionCode: '330106' })).rows;
    expect(['A', 'B'].map((code) => rows.find((r) => r.code === code)).map((r) => [r!.noticesOpen, r!.noticesOverdue, r!.noticesOnTimeRate])).toEqual([
      [0, 0, 100],
      [1, 0, null],
    ]);

    const audit = await listAudit(t.deps.db, { kind: 'all' }, { limit: 200 });
    const actions = audit.map((e) => `${e.action}:${e.outcome}`);
    for (const x of ['notices.issue:ok', 'notices.sign:ok', 'notices.upload:failed', 'notices.upload:ok', 'notices.submit:ok', 'notices.submit:failed', 'notices.review:denied', 'notices.review:ok'])
      expect(actions).toContain(x);
  });

  it('scope: another county sees and touches nothing; refusals write nothing', async () => {
    const county = await as('xihu');
    const { issued } = await county.notices.issue({ ...blank, target: { kind: 'institution', institutionCode: 'A' }, items: [{ kind: 'rule', ruleId: RULE }] });
    const id = issued[0]!.id;
    const other = await as('gongshu');
    const otherInst = await as('inst-c');
    expect((await other.notices.list()).items).toEqual([]);
    expect((await otherInst.notices.list()).items).toEqual([]);
    await expect(other.notices.get({ noticeId: id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(otherInst.notices.sign({ noticeId: id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect((await as('inst-b')).notices.sign({ noticeId: id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // A notice to an institution outside scope, a deadline in the past or on a holiday, a rule that does not fail there.
    const before = await count();
    await expect(county.notices.issue({ ...blank, target: { kind: 'institution', institutionCode: 'C' }, items: [{ kind: 'rule', ruleId: RULE }] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(county.notices.issue({ ...blank, due: { date: '2026-10-30' }, target: { kind: 'institution', institutionCode: 'A' }, items: [{ kind: 'rule', ruleId: RULE }] })).rejects.toMatchObject(
      { code: 'BAD_REQUEST', message: expect.stringMatching(/not after today/) },
    );
    await expect(county.notices.issue({ ...blank, due: { date: '2026-11-08' }, target: { kind: 'institution', institutionCode: 'A' }, items: [{ kind: 'rule', ruleId: RULE }] })).rejects.toMatchObject(
      { message: expect.stringMatching(/not a working day/) },
    );
    await expect(
      county.notices.issue({
        ...blank,
        target: { kind: 'institution', institutionCode: 'A' },
        items: [
          { kind: 'text', title: '制度', requirement: '补齐' },
          { kind: 'rule', ruleId: 'HOST-FIREWALL-OFF' },
        ],
      }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/does not fail/) });
    // Institutions do not issue; bulk to the other county's grade is empty.
    await expect((await as('inst-a')).notices.issue({ ...blank, target: { kind: 'institution', institutionCode: 'A' }, items: [{ kind: 'rule', ruleId: RULE }] })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(county.notices.issue({ ...blank, target: { kind: 'filter', regionCode: '330105', failingRuleId: RULE }, items: [{ kind: 'rule', ruleId: RULE }] })).rejects.toMatchObject({
      message: expect.stringMatching(/no institution/),
    });
    expect(await count()).toBe(before);
    // A date deadline that is a later working day is taken as given; numbering continues.
    const next = await county.notices.issue({ ...blank, due: { date: '2026-11-20' }, target: { kind: 'institution', institutionCode: 'B' }, items: [{ kind: 'rule', ruleId: RULE }] });
    expect(next.issued.map((x) => [x.number, x.deadline])).toEqual([['西湖卫安整改〔2026〕2号', '2026-11-20']]);
  });

  it('a verified item that fails again before closing reopens with an alert; accepting a failing item needs an audited override; extensions move the deadline in working days', async () => {
    const county = await as('xihu');
    const { issued } = await county.notices.issue({ ...blank, target: { kind: 'institution', institutionCode: 'B' }, items: [{ kind: 'rule', ruleId: RULE }] });
    const id = issued[0]!.id;
    const inst = await as('inst-b');
    await inst.notices.sign({ noticeId: id });
    const [item] = (await inst.notices.get({ noticeId: id })).items;
    await send(b, false);
    expect((await inst.notices.get({ noticeId: id })).items[0]!.verified).toBe(true);
    await inst.notices.answer({ noticeId: id, itemId: item!.id, measures: '已关闭端口' });
    await inst.notices.submit({ noticeId: id });
    // Fails again while waiting for review: back to the institution, with an alert.
    await send(b, true);
    let n = await inst.notices.get({ noticeId: id });
    expect([n.status, n.items[0]!.status, n.items[0]!.verified]).toEqual(['returned', 'returned', false]);
    const reopenAlerts = (await listAlertViews(t.deps, { kind: 'all' }, { limit: 100, offset: 0 })).items.filter((x) => x.ruleId === NOTICE_REOPENED_RULE);
    expect(reopenAlerts.map((x) => [x.subjectId, x.status])).toEqual([['B', 'open']]);

    // Extension: asked once, granted by the county, counted in working days from the current deadline.
    await inst.notices.requestExtension({ noticeId: id, reason: '需采购堡垒机', workingDays: 5 });
    await expect(inst.notices.requestExtension({ noticeId: id, reason: '再次', workingDays: 5 })).rejects.toMatchObject({ code: 'CONFLICT' });
    n = await county.notices.decideExtension({ noticeId: id, grant: true });
    expect([issued[0]!.deadline, n.deadline, n.extensionRequest]).toEqual(['2026-11-16', '2026-11-23', null]);

    await inst.notices.answer({ noticeId: id, itemId: item!.id, measures: '临时加 ACL，堡垒机采购中' });
    await inst.notices.submit({ noticeId: id });
    await expect(county.notices.review({ noticeId: id, itemId: item!.id, decision: 'return' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    n = await county.notices.review({ noticeId: id, itemId: item!.id, decision: 'accept', override: { reason: '现场核查：已加 ACL 仅允许专网访问' } });
    expect(n.status).toBe('closed');
    expect(n.events.at(-1)).toMatchObject({ action: 'review', actor: 'xihu', detail: { decision: 'accept', override: '现场核查：已加 ACL 仅允许专网访问' } });
    const audit = await listAudit(t.deps.db, { kind: 'all' }, { limit: 200 });
    expect(audit.find((e) => e.action === 'notices.review' && e.outcome === 'ok')?.detail).toMatch(/现场核查/);
  });

  it('a closed notice reopens by data within the reopen window (province baseline, lengthened below), with an alert; after the window closing is final', async () => {
    await createUser(t.deps, 'cli', { username: 'zhejiang', role: 'province', scopeCode: '330000', password: PASSWORD });
    const county = await as('xihu');
    const inst = await as('inst-b');
    const day = 86_400_000;
    const reopenAlerts = async () => (await listAlertViews(t.deps, { kind: 'all' }, { limit: 100, offset: 0 })).items.filter((x) => x.ruleId === NOTICE_REOPENED_RULE);
    const { issued } = await county.notices.issue({ ...blank, target: { kind: 'institution', institutionCode: 'B' }, items: [{ kind: 'rule', ruleId: RULE }] });
    const id = issued[0]!.id;
    await inst.notices.sign({ noticeId: id });
    const itemId = (await inst.notices.get({ noticeId: id })).items[0]!.id;
    const closeAfterFix = async () => {
      await send(b, false);
      await inst.notices.answer({ noticeId: id, itemId, measures: '已关闭公网 SSH' });
      await inst.notices.submit({ noticeId: id });
      const n = await county.notices.review({ noticeId: id, itemId, decision: 'accept' });
      expect([n.status, n.items[0]!.verified]).toEqual(['closed', true]);
      return n.closedAt!;
    };
    const closedAt = await closeAfterFix();

    // Default window (90 days): the port opens again 10 days after closing; the notice goes back to the institution.
    t.clock.advance(10 * day);
    await send(b, true);
    let n = await inst.notices.get({ noticeId: id });
    expect([n.status, n.closedAt, n.items[0]!.status, n.items[0]!.verified, n.actions.sort()]).toEqual(['returned', null, 'returned', false, ['answer', 'requestExtension']]);
    expect(n.events.at(-1)).toMatchObject({ action: 'reopened', actor: 'system', detail: { ruleId: RULE, subjectId: n.items[0]!.links[0]!.subjectId, closedAt } });
    expect((await reopenAlerts()).map((x) => [x.subjectId, x.status, x.evidence.zh.includes(`办结（${closedAt.slice(0, 10)}）后再次不合规`)])).toEqual([['B', 'open', true]]);

    // The province shortens its baseline to 20 days; the county may lengthen it, never shorten it.
    const province = await as('zhejiang');
    await province.regions.putSettings({ regionCode: '330000', settings: { notices: { reopenWindowDays: 20 } } });
    await expect(county.regions.putSettings({ regionCode: '330106', settings: { notices: { reopenWindowDays: 5 } } })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/reopenWindowDays: 5 days is shorter than 20/),
    });
    await closeAfterFix();
    t.clock.advance(21 * day);
    await send(b, true);
    n = await county.notices.get({ noticeId: id });
    expect([n.status, n.items[0]!.verified, n.events.filter((e) => e.action === 'reopened').length]).toEqual(['closed', true, 1]);

    // The county lengthens it to 60 days: the next failure, 21 days after closing, reopens again.
    await county.regions.putSettings({ regionCode: '330106', settings: { notices: { reopenWindowDays: 60 } } });
    await send(b, false);
    await send(b, true);
    n = await county.notices.get({ noticeId: id });
    expect([n.status, n.items[0]!.status, n.events.filter((e) => e.action === 'reopened').length]).toEqual(['returned', 'returned', 2]);
    // The province sets 0: closing is final.
    await province.regions.putSettings({ regionCode: '330000', settings: { notices: { reopenWindowDays: 0 } } });
    await county.regions.putSettings({ regionCode: '330106', settings: {} });
    await closeAfterFix();
    t.clock.advance(day);
    await send(b, true);
    expect((await county.notices.get({ noticeId: id })).status).toBe('closed');
  });

  it('issues to rows picked in the rankings, from one finding (its host only), and to the MLPS-filing-overdue filter', async () => {
    const county = await as('xihu');
    // Picked rows: all in scope or nothing is issued.
    await expect(
      county.notices.issue({ ...blank, target: { kind: 'institutions', institutionCodes: ['A', 'C'] }, items: [{ kind: 'text', title: '制度', requirement: '补齐' }] }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringMatching(/institution C is not in your region/),
    });
    expect(await count()).toBe(0);
    // From A's host finding: linked to that host; B (picked too) has no such failing host, so it is left out.
    const fromFinding = await county.notices.issue({ ...blank, target: { kind: 'institutions', institutionCodes: ['A', 'B'] }, items: [{ kind: 'rule', ruleId: RULE, subjectId: a.hostId }] });
    expect([fromFinding.issued.map((n) => n.institutionCode), fromFinding.skipped]).toEqual([['A'], ['B']]);
    expect((await county.notices.get({ noticeId: fromFinding.issued[0]!.id })).items[0]).toMatchObject({ ruleId: RULE, links: [{ subjectKind: 'host', subjectId: a.hostId }] });
    await expect(county.notices.issue({ ...blank, target: { kind: 'institution', institutionCode: 'B' }, items: [{ kind: 'rule', ruleId: RULE, subjectId: a.hostId }] })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining(`does not fail on ${a.hostId} at institution B`),
    });
    // MLPS filing overdue: B's level-2 system graded in September and never filed (INST-MLPS-FILING fails); A has none.
    await (
      await as('inst-b')
    ).institutions.saveSystem({
      institutionCode: 'B',
      system: {
        name: '医院信息系统',
        level: 2,
        criticalInfrastructure: false,
        personalInfoOver100k: false,
        gradedOn: '2026-09-01',
        filedOn: null,
        lastEvaluatedOn: null,
        wentLiveOn: null,
        prelaunchTestedOn: null,
        retiredOn: null,
        hostIds: [],
      },
    });
    const filing = await county.notices.issue({ ...blank, target: { kind: 'filter', mlpsFilingOverdue: true }, items: [{ kind: 'rule', ruleId: 'INST-MLPS-FILING' }] });
    expect(filing.issued.map((n) => n.institutionCode)).toEqual(['B']);
    expect((await county.notices.get({ noticeId: filing.issued[0]!.id })).items[0]).toMatchObject({ ruleId: 'INST-MLPS-FILING', links: [{ subjectKind: 'institution', subjectId: 'B' }] });
    // Combined with a failing rule: both must fail (A and B fail RULE; only B's filing is overdue).
    const both = await county.notices.issue({ ...blank, target: { kind: 'filter', mlpsFilingOverdue: true, failingRuleId: RULE }, items: [{ kind: 'rule', ruleId: RULE }] });
    expect(both.issued.map((n) => n.institutionCode)).toEqual(['B']);
  });
});

describe('overdue notices (sqlite, controlled clock)', () => {
  it('a notice past its deadline raises one alert and one channel message however often the job runs; manual resolve is refused until it closes or is extended', async () => {
    const t = await createTestDb('sqlite');
    t.deps.channelHosts = ['127.0.0.1'];
    const engine = startAlertEngine(t.deps, quiet);
    try {
      await enrollHost(t.deps, { institution: 'A', name: '西湖区人民医院', region: '330106' });
      await createUser(t.deps, 'cli', { username: 'xihu', role: 'county', scopeCode: '330106', password: PASSWORD });
      await createUser(t.deps, 'cli', { username: 'inst-a', role: 'institution', scopeCode: 'A', password: PASSWORD });
      const caller = (username: string) => userCaller(t.deps, username, PASSWORD);
      const county = await caller('xihu');
      const inst = await caller('inst-a');
      const channel = await createChannel(t.deps, (await login(t.deps, { username: 'xihu', password: PASSWORD }, '127.0.0.1')).principal, '330106', {
        name: '督办群',
        kind: 'wecom',
        url: 'http://127.0.0.1:9/x?key=k',
        minSeverity: 'high',
        mode: 'immediate',
      });
      const { issued } = await county.notices.issue({
        ...blank,
        due: { workingDays: 3 },
        target: { kind: 'institution', institutionCode: 'A' },
        items: [{ kind: 'text', title: '制度', requirement: '补齐' }],
      });
      // Issued Monday 2026-11-02: due Thursday 11-05.
      expect(issued[0]!.deadline).toBe('2026-11-05');
      expect(await raiseOverdueNotices(t.deps)).toEqual({ overdue: 0, institutions: 0, cleared: 0 });
      t.clock.advance(2 * 86_400_000); // 11-04: due soon, not overdue
      expect((await inst.notices.list()).items[0]!.flag).toBe('due-soon');
      expect((await raiseOverdueNotices(t.deps)).overdue).toBe(0);
      t.clock.advance(2 * 86_400_000); // 11-06: overdue
      expect((await county.notices.list()).items[0]!.flag).toBe('overdue');
      for (let day = 0; day < 3; day++, t.clock.advance(86_400_000)) expect(await raiseOverdueNotices(t.deps)).toMatchObject({ overdue: 1, institutions: 1 });
      const overdueAlerts = (await listAlertViews(t.deps, { kind: 'all' }, { limit: 100, offset: 0 })).items.filter((x) => x.ruleId === NOTICE_OVERDUE_RULE);
      expect(overdueAlerts.map((x) => [x.subjectId, x.status, x.count])).toEqual([['A', 'open', 3]]);
      expect(overdueAlerts[0]!.evidence.zh).toContain('西湖卫安整改〔2026〕1号（2026-11-05）');
      expect(await listDeliveries(t.deps.db, channel.id)).toHaveLength(1);
      await expect(inst.alerts.resolve({ alertId: overdueAlerts[0]!.id })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/still past their deadline/) });
      // Extended past today: no longer overdue, the alert clears by itself.
      await inst.notices.requestExtension({ noticeId: issued[0]!.id, reason: '需采购设备', workingDays: 10 });
      await county.notices.decideExtension({ noticeId: issued[0]!.id, grant: true });
      expect(await raiseOverdueNotices(t.deps)).toEqual({ overdue: 0, institutions: 0, cleared: 1 });
    } finally {
      await engine.stop();
      await t.close();
    }
  });
});

describe('deadlines running into a year without a holiday arrangement (sqlite)', () => {
  it('issuing is refused with what to load, not an internal error; lists still work and still say overdue', async () => {
    // Monday 2026-12-28 (China): 10 working days run into 2027, which the packaged calendar lacks.
    const t = await createTestDb('sqlite', new Date('2026-12-28T02:00:00Z'));
    t.deps.channelHosts = ['127.0.0.1'];
    try {
      await enrollHost(t.deps, { institution: 'A', name: '西湖区人民医院', region: '330106' });
      await createUser(t.deps, 'cli', { username: 'xihu', role: 'county', scopeCode: '330106', password: PASSWORD });
      const county = await userCaller(t.deps, 'xihu', PASSWORD);
      const base = { ...blank, target: { kind: 'institution' as const, institutionCode: 'A' }, items: [{ kind: 'text' as const, title: '制度', requirement: '补齐' }] };
      await expect(county.notices.issue(base)).rejects.toMatchObject({ code: 'PRECONDITION_FAILED', message: expect.stringMatching(/2027 arrangement/) });
      await expect(county.notices.issue({ ...base, due: { date: '2027-01-05' } })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
      const { issued } = await county.notices.issue({ ...base, due: { date: '2026-12-31' } });
      expect((await county.notices.list()).items.map((n) => n.flag)).toEqual(['due-soon']);
      t.clock.advance(5 * 86_400_000); // 2027-01-02: overdue needs no calendar
      expect((await county.notices.get({ noticeId: issued[0]!.id })).flag).toBe('overdue');
    } finally {
      await t.close();
    }
  });
});
