import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getFindings } from '../storage/findings.js';
import { userCaller } from '../testing/callers.js';
import { createTestDb, DIALECTS, enrollHost, type TestDb } from '../testing/harness.js';
import { NOTICE_OVERDUE_RULE } from './alertRules.js';
import { listAlertViews } from './alerts.js';
import { startAlertEngine, type AlertEngine } from './alertEngine.js';
import { runDailyEvaluation } from './daily.js';
import { raiseOverdueNotices } from './notices.js';
import { createUser } from './users.js';

const PASSWORD = 'Supervision-Rules-Pass-1';
const quiet = { error: (m: string) => console.error(m) };
const DAY = 86_400_000;

// The server feeds INST-RECTIFY-OVERDUE and INST-SELF-INSPECTION-REPORT from its own records, judges
// them again when a notice or self-inspection moves (and daily), and the overdue notice alerts once.
describe.each(DIALECTS)('supervision rules from the records (%s)', (dialect) => {
  let t: TestDb;
  let engine: AlertEngine;
  const as = (username: string) => userCaller(t.deps, username, PASSWORD);
  const finding = async (ruleId: string) => {
    await engine.idle();
    const f = (await getFindings(t.deps.db, 'institution', 'A')).find((x) => x.rule_id === ruleId)!;
    return { status: f.status, evidence: JSON.parse(f.evidence) as { zh: string; en: string } };
  };

  beforeEach(async () => {
    t = await createTestDb(dialect);
    engine = startAlertEngine(t.deps, quiet);
    await enrollHost(t.deps, { institution: 'A', name: '西湖区人民医院', region: '330106', hostname: 'his-a' });
    for (const [username, role, scopeCode] of [
      ['xihu', 'county', '330106'],
      ['inst-a', 'institution', 'A'],
    ] as const)
      await createUser(t.deps, 'cli', { username, role, scopeCode, password: PASSWORD });
    await runDailyEvaluation(t.deps);
  });
  afterEach(async () => {
    await engine.stop();
    await t.close();
  });

  it('INST-RECTIFY-OVERDUE: not applicable, pass when issued, fail once past the deadline (no alert of its own beside the digest), pass once submitted', async () => {
    expect((await finding('INST-RECTIFY-OVERDUE')).status).toBe('not-applicable');
    const county = await as('xihu');
    const inst = await as('inst-a');
    const { issued } = await county.notices.issue({
      title: '关于限期整改的通知',
      requirement: '请按期整改',
      severity: 'high',
      due: { workingDays: 3 },
      target: { kind: 'institution', institutionCode: 'A' },
      items: [{ kind: 'text', title: '远程运维审批', requirement: '补齐审批记录' }],
    });
    expect(issued[0]!.deadline).toBe('2026-11-05');
    expect(await finding('INST-RECTIFY-OVERDUE')).toMatchObject({ status: 'pass', evidence: { en: '1 rectification item(s) not yet due (first on 2026-11-05)' } });

    t.clock.advance(4 * DAY); // 2026-11-06
    await runDailyEvaluation(t.deps);
    await raiseOverdueNotices(t.deps);
    const overdue = await finding('INST-RECTIFY-OVERDUE');
    expect(overdue.status).toBe('fail');
    expect(overdue.evidence.zh).toBe('1 项整改逾期未完成：西湖卫安整改〔2026〕1号「远程运维审批」（期限 2026-11-05）');
    const alerts = (await listAlertViews(t.deps, { kind: 'all' }, { limit: 100, offset: 0 })).items;
    expect(alerts.filter((x) => x.ruleId === NOTICE_OVERDUE_RULE || x.ruleId === 'INST-RECTIFY-OVERDUE').map((x) => x.ruleId)).toEqual([NOTICE_OVERDUE_RULE]);

    // Answered late and submitted: waiting for the bureau is not the hospital's delay.
    const id = issued[0]!.id;
    await inst.notices.sign({ noticeId: id });
    const itemId = (await inst.notices.get({ noticeId: id })).items[0]!.id;
    await inst.notices.answer({ noticeId: id, itemId, measures: '已补齐审批记录' });
    expect((await finding('INST-RECTIFY-OVERDUE')).status).toBe('fail');
    await inst.notices.submit({ noticeId: id });
    expect(await finding('INST-RECTIFY-OVERDUE')).toMatchObject({ status: 'pass', evidence: { en: 'every rectification item is done; 1 submitted and waiting for review' } });
    // Returned after the deadline: overdue again.
    await county.notices.review({ noticeId: id, itemId, decision: 'return', comment: '缺少审批单扫描件' });
    expect((await finding('INST-RECTIFY-OVERDUE')).status).toBe('fail');
  });

  it('INST-SELF-INSPECTION-REPORT: not applicable without a deadline, pass before it, fail after it, pass once submitted (late noted)', async () => {
    expect((await finding('INST-SELF-INSPECTION-REPORT')).status).toBe('not-applicable');
    const county = await as('xihu');
    await county.selfInspection.publishTemplate({ year: 2026, deadline: '2026-11-20', raised: {}, added: [] });
    await runDailyEvaluation(t.deps);
    expect(await finding('INST-SELF-INSPECTION-REPORT')).toMatchObject({ status: 'pass', evidence: { en: 'the 2026 self-inspection report is due by 2026-11-20, due soon' } });
    t.clock.advance(20 * DAY); // 2026-11-22
    await runDailyEvaluation(t.deps);
    expect(await finding('INST-SELF-INSPECTION-REPORT')).toMatchObject({ status: 'fail', evidence: { zh: expect.stringContaining('应于 2026-11-20 前报送，逾期 2 天仍未报送') } });
    const inst = await as('inst-a');
    const view = await inst.selfInspection.get({ year: 2026, institutionCode: 'A' });
    for (const item of view.items)
      if (!view.answers[item.id]?.locked) await inst.selfInspection.save({ year: 2026, itemId: item.id, answer: '已落实', selfScore: item.points, responsible: '信息科 张三' });
    await inst.selfInspection.submit({ year: 2026 });
    expect(await finding('INST-SELF-INSPECTION-REPORT')).toMatchObject({
      status: 'pass',
      evidence: { en: 'the 2026 self-inspection and rectification report was submitted on 2026-11-22 (after the deadline 2026-11-20)' },
    });
    // Returned: counts as not submitted again.
    await county.selfInspection.review({ year: 2026, institutionCode: 'A', decision: 'return', comment: '请补充整改情况' });
    expect((await finding('INST-SELF-INSPECTION-REPORT')).status).toBe('fail');
  });
});
