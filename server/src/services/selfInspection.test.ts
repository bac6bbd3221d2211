import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CHECKLIST } from '@weian/shared';
import { listAudit } from '../storage/audit.js';
import { sshPorts, userCaller } from '../testing/callers.js';
import { createTestDb, DIALECTS, enrollHost, sampleReport, type TestDb } from '../testing/harness.js';
import type { AuthenticatedAgent } from './agentAuth.js';
import { startAlertEngine, type AlertEngine } from './alertEngine.js';
import { ingestReport } from './ingest.js';
import { ranking } from './rankings.js';
import { createUser } from './users.js';
import { downloadSelfInspectionEvidence } from './selfInspection.js';
import { county as countyPrincipal } from '../testing/principals.js';

const PASSWORD = 'Self-Inspection-Pass-1';
const YEAR = 2026;
const quiet = { error: (m: string) => console.error(m) };
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n').toString('base64');
const EXE = Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00]).toString('base64');

describe.each(DIALECTS)('self-inspection (%s)', (dialect) => {
  let t: TestDb;
  let engine: AlertEngine;
  let a: AuthenticatedAgent;
  const send = async (agent: AuthenticatedAgent, pub: boolean) => {
    t.clock.advance(60_000);
    await ingestReport(t.deps, agent, sampleReport(agent.id, t.clock.now, sshPorts(pub)), 1000);
    await engine.idle();
  };
  const as = (username: string) => userCaller(t.deps, username, PASSWORD);
  const rows = async () =>
    Number(
      (
        await t.deps.db
          .withTables<{ self_inspections: { id: string } }>()
          .selectFrom('self_inspections')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst()
      )?.n,
    );
  /** Answers every item the institution must answer. */
  const fillAll = async (inst: Awaited<ReturnType<typeof as>>) => {
    const view = await inst.selfInspection.get({ year: YEAR, institutionCode: 'A' });
    for (const item of view.items)
      if (!view.answers[item.id]?.locked) await inst.selfInspection.save({ year: YEAR, itemId: item.id, answer: '已落实', selfScore: item.points, responsible: '信息科 张三' });
  };

  beforeEach(async () => {
    t = await createTestDb(dialect);
    engine = startAlertEngine(t.deps, quiet);
    a = await enrollHost(t.deps, { institution: 'A', name: '西湖区人民医院', region: '330106', hostname: 'his-a' });
    await enrollHost(t.deps, { institution: 'C', name: '鄞州区人民医院', region: '330212', hostname: 'his-c' });
    for (const [username, role, scopeCode] of [
      ['zhejiang', 'province', '330000'],
      ['hangzhou', 'city', '330100'],
      ['xihu', 'county', '330106'],
      ['yinzhou', 'county', '330212'],
      ['inst-a', 'institution', 'A'],
      ['inst-c', 'institution', 'C'],
    ] as const)
      await createUser(t.deps, 'cli', { username, role, scopeCode, password: PASSWORD });
    await send(a, true);
  });
  afterEach(async () => {
    await engine.stop();
    await t.close();
  });

  it('templates only tighten down the tree: raise points, add items, bring the deadline forward; never lower, remove or loosen', async () => {
    const province = await as('zhejiang');
    const city = await as('hangzhou');
    const county = await as('xihu');
    await province.selfInspection.publishTemplate({ year: YEAR, deadline: '2026-12-31', raised: { 'GOV-POLICY': 8 }, added: [] });
    await city.selfInspection.publishTemplate({
      year: YEAR,
      deadline: null,
      raised: {},
      added: [{ id: 'HZ-CLOUD', category: 'supplyChain', indicator: '云服务安全', criteria: '云服务商通过安全评估', points: 5, articles: ['M16'] }],
    });
    // Lower than the province's 8, a deadline after the province's, a taken id: refused, nothing stored.
    await expect(county.selfInspection.publishTemplate({ year: YEAR, deadline: null, raised: { 'GOV-POLICY': 6 }, added: [] })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/GOV-POLICY: 6 points is not more than the 8/),
    });
    await expect(county.selfInspection.publishTemplate({ year: YEAR, deadline: '2027-01-15', raised: {}, added: [] })).rejects.toMatchObject({
      message: expect.stringMatching(/later than 2026-12-31/),
    });
    await expect(
      county.selfInspection.publishTemplate({ year: YEAR, deadline: null, raised: {}, added: [{ id: 'HZ-CLOUD', category: 'data', indicator: 'x', criteria: 'y', points: 1, articles: [] }] }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/HZ-CLOUD: the item id is already taken/) });
    // A deadline in the past is refused outright.
    await expect(county.selfInspection.publishTemplate({ year: YEAR, deadline: '2026-10-01', raised: {}, added: [] })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/already past/),
    });
    await county.selfInspection.publishTemplate({ year: YEAR, deadline: '2026-12-15', raised: { 'GOV-POLICY': 10 }, added: [], requireEvidence: ['GOV-POLICY'] });
    // The county's editor: what each level changed, and the floor its own layer may only raise.
    const forCounty = await county.selfInspection.template({ year: YEAR });
    expect(forCounty.layers.map((l) => [l.regionCode, l.regionName, l.publishedBy])).toEqual([
      ['330000', '浙江省', 'zhejiang'],
      ['330100', '杭州市', 'hangzhou'],
      ['330106', '西湖区', 'xihu'],
    ]);
    expect([forCounty.inheritedItems.find((i) => i.id === 'GOV-POLICY')!.points, forCounty.inheritedDeadline, forCounty.own?.requireEvidence]).toEqual([8, '2026-12-31', ['GOV-POLICY']]);

    const seenByA = await (await as('inst-a')).selfInspection.template({ year: YEAR });
    expect(seenByA.deadline).toBe('2026-12-15');
    expect(seenByA.items.find((i) => i.id === 'GOV-POLICY')).toMatchObject({ points: 10, evidenceRequired: true });
    expect(seenByA.items.map((i) => i.id)).toEqual([...DEFAULT_CHECKLIST.map((i) => i.id), 'HZ-CLOUD']);
    expect(seenByA.totalPoints).toBe(100 + (10 - 4) + 5);
    // Ningbo's institution gets the province's layer only.
    const seenByC = await (await as('inst-c')).selfInspection.template({ year: YEAR });
    expect([seenByC.deadline, seenByC.items.find((i) => i.id === 'GOV-POLICY')!.points, seenByC.items.some((i) => i.id === 'HZ-CLOUD')]).toEqual(['2026-12-31', 8, false]);
    // Institutions do not publish.
    await expect((await as('inst-a')).selfInspection.publishTemplate({ year: YEAR, deadline: null, raised: {}, added: [] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('fill, submit, return, resubmit, accept with the bureau’s own scores; data-judged items are locked and follow the agent', async () => {
    const inst = await as('inst-a');
    const county = await as('xihu');
    let view = await inst.selfInspection.get({ year: YEAR, institutionCode: 'A' });
    expect(view.status).toBe('draft');
    expect(view.started).toBe(false);
    // The agent reports SSH on a public address: 远程运维管控 is judged from the data, 0 points, locked.
    expect(view.answers['PHY-REMOTE']).toMatchObject({ locked: true, selfScore: 0, answer: expect.stringMatching(/不合规/) });
    await expect(inst.selfInspection.save({ year: YEAR, itemId: 'PHY-REMOTE', answer: '已整改', selfScore: 5, responsible: '张三' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/judged from WeiAn's data/),
    });
    // Fixed on the host: the item follows the data while the self-inspection is open.
    await send(a, false);
    view = await inst.selfInspection.get({ year: YEAR, institutionCode: 'A' });
    expect(view.answers['PHY-REMOTE']).toMatchObject({ locked: true, selfScore: 5 });

    // Bad input: a score over the item's points, evidence never uploaded, a missing item.
    await expect(inst.selfInspection.save({ year: YEAR, itemId: 'GOV-POLICY', answer: '已制定', selfScore: 4.5, responsible: '张三' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/0–4 in steps of 0.5/),
    });
    await expect(inst.selfInspection.save({ year: YEAR, itemId: 'GOV-POLICY', answer: '已制定', selfScore: 4, responsible: '张三', evidence: ['a'.repeat(64)] })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/not uploaded/),
    });
    await expect(inst.selfInspection.save({ year: YEAR, itemId: 'NOPE-1', answer: 'x', selfScore: 0, responsible: '张三' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    // Submitting with nothing answered: refused and nothing half-written.
    await inst.selfInspection.save({ year: YEAR, itemId: 'GOV-POLICY', answer: '已制定管理制度', selfScore: 4, responsible: '信息科 张三' });
    await expect(inst.selfInspection.submit({ year: YEAR })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/have no answer/) });
    expect((await inst.selfInspection.get({ year: YEAR, institutionCode: 'A' })).status).toBe('draft');

    const evidence = await inst.selfInspection.upload({ year: YEAR, name: '网络安全管理制度.pdf', contentBase64: PDF });
    await inst.selfInspection.save({ year: YEAR, itemId: 'GOV-POLICY', answer: '已制定管理制度', selfScore: 4, responsible: '信息科 张三', evidence: [evidence.sha256] });
    await fillAll(inst);
    view = await inst.selfInspection.submit({ year: YEAR });
    expect(view.status).toBe('submitted');
    expect(view.scores.self).toBe(view.scores.total);
    // Double submission, and editing a submitted one: refused.
    await expect(inst.selfInspection.submit({ year: YEAR })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/already submitted/) });
    await expect(inst.selfInspection.save({ year: YEAR, itemId: 'GOV-POLICY', answer: 'x', selfScore: 0, responsible: 'x' })).rejects.toMatchObject({ code: 'CONFLICT' });
    // Submission froze the data-judged item: the host failing again does not move it.
    await send(a, true);
    expect((await county.selfInspection.get({ year: YEAR, institutionCode: 'A' })).answers['PHY-REMOTE']).toMatchObject({ selfScore: 5 });

    // The county reviews: a return needs a comment; an item score beyond its points is refused.
    await expect(county.selfInspection.review({ year: YEAR, institutionCode: 'A', decision: 'return' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(county.selfInspection.review({ year: YEAR, institutionCode: 'A', decision: 'accept', scores: [{ itemId: 'PHY-ROOM', score: 6 }] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    view = await county.selfInspection.review({
      year: YEAR,
      institutionCode: 'A',
      decision: 'return',
      comment: '机房门禁记录缺失',
      scores: [{ itemId: 'PHY-ROOM', score: 2, comment: '现场检查：无门禁记录' }],
    });
    expect([view.status, view.reviewComment, view.answers['PHY-ROOM']!.reviewScore]).toEqual(['returned', '机房门禁记录缺失', 2]);
    // Returned: the live data applies again (the port is public now), the institution answers again.
    view = await inst.selfInspection.get({ year: YEAR, institutionCode: 'A' });
    expect(view.answers['PHY-REMOTE']).toMatchObject({ selfScore: 0 });
    expect(view.actions).toEqual(['save', 'submit']);
    await inst.selfInspection.save({ year: YEAR, itemId: 'PHY-ROOM', answer: '已补充门禁记录', selfScore: 5, responsible: '总务科 李四' });
    await inst.selfInspection.submit({ year: YEAR });
    view = await county.selfInspection.review({ year: YEAR, institutionCode: 'A', decision: 'accept', scores: [{ itemId: 'PHY-ROOM', score: 4 }] });
    expect(view.status).toBe('accepted');
    expect(view.scores.final).toBe(view.scores.self - 1);
    expect(view.actions).toEqual([]);
    await expect(county.selfInspection.review({ year: YEAR, institutionCode: 'A', decision: 'accept' })).rejects.toMatchObject({ code: 'CONFLICT' });

    // Evidence is served within scope only.
    await expect(downloadSelfInspectionEvidence(t.deps, countyPrincipal('330106'), 'A', YEAR, evidence.sha256)).resolves.toMatchObject({ name: '网络安全管理制度.pdf', contentBase64: PDF });
    await expect(downloadSelfInspectionEvidence(t.deps, countyPrincipal('330212'), 'A', YEAR, evidence.sha256)).rejects.toMatchObject({ code: 'FORBIDDEN' });

    const list = await county.selfInspection.list({ year: YEAR });
    expect(list).toEqual([expect.objectContaining({ institutionCode: 'A', status: 'accepted', late: false, finalScore: view.scores.final })]);
    // The ranking lists it beside the score.
    const row = (await ranking(t.deps, { kind: 'all' }, { regionCode: '330106' })).rows.find((r) => r.code === 'A')!;
    expect([row.selfInspectionSubmitted, row.selfInspectionPercent, row.noticesOpen, row.noticesOnTimeRate]).toEqual([true, view.scores.percent, 0, null]);
    const audit = (await listAudit(t.deps.db, { kind: 'all' }, { limit: 500 })).map((e) => `${e.action}:${e.outcome}`);
    for (const x of [
      'selfInspection.upload:ok',
      'selfInspection.save:ok',
      'selfInspection.save:failed',
      'selfInspection.submit:ok',
      'selfInspection.submit:failed',
      'selfInspection.review:ok',
      'selfInspection.review:failed',
    ])
      expect(audit).toContain(x);
  });

  it('refuses mislabelled files and path tricks before writing anything', async () => {
    const inst = await as('inst-a');
    await expect(inst.selfInspection.upload({ year: YEAR, name: '制度.pdf', contentBase64: EXE })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/not a PDF/) });
    await expect(inst.selfInspection.upload({ year: YEAR, name: '../../etc/制度.pdf', contentBase64: PDF })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/path separator/),
    });
    await expect(inst.selfInspection.upload({ year: YEAR, name: '制度.png', contentBase64: PDF })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/the name says \.png/),
    });
    expect(await rows()).toBe(0);
  });

  it('scope: another county neither sees nor reviews; a submission after the deadline is taken and marked late', async () => {
    await (await as('xihu')).selfInspection.publishTemplate({ year: YEAR, deadline: '2026-11-20', raised: {}, added: [] });
    const inst = await as('inst-a');
    await fillAll(inst);
    const yinzhou = await as('yinzhou');
    await expect(yinzhou.selfInspection.get({ year: YEAR, institutionCode: 'A' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await yinzhou.selfInspection.list({ year: YEAR })).map((r) => r.institutionCode)).toEqual(['C']);
    await expect((await as('inst-c')).selfInspection.get({ year: YEAR, institutionCode: 'A' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    t.clock.advance(30 * 86_400_000);
    const view = await inst.selfInspection.submit({ year: YEAR });
    expect([view.status, view.late]).toEqual(['submitted', true]);
    await expect(yinzhou.selfInspection.review({ year: YEAR, institutionCode: 'A', decision: 'accept' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
