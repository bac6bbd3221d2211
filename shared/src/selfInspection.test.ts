import { describe, expect, it } from 'vitest';
import { articleText } from './articles.js';
import { RULE_IDS } from './rules/index.js';
import { PublishTemplateInput, ReviewSelfInspectionInput } from './schemas/selfInspection.js';
import {
  allowedSelfInspectionActions,
  applySelfInspectionAction,
  DEFAULT_CHECKLIST,
  judgeFromFindings,
  layerProblems,
  resolveTemplate,
  SELF_INSPECTION_CATEGORIES,
  scoreProblem,
  selfInspectionScores,
  unansweredItems,
  type TemplateLayer,
} from './selfInspection.js';

const layer = (regionCode: string, l: Partial<TemplateLayer>): TemplateLayer => ({ regionCode, deadline: null, added: [], raised: {}, requireEvidence: [], ...l });

describe('default checklist', () => {
  it('is 100 points over every category, each item citing articles the catalogue can name and rules that exist', () => {
    expect(DEFAULT_CHECKLIST.reduce((s, i) => s + i.points, 0)).toBe(100);
    expect(new Set(DEFAULT_CHECKLIST.map((i) => i.category))).toEqual(new Set(SELF_INSPECTION_CATEGORIES));
    expect(new Set(DEFAULT_CHECKLIST.map((i) => i.id)).size).toBe(DEFAULT_CHECKLIST.length);
    for (const i of DEFAULT_CHECKLIST) {
      expect(i.articles.length, i.id).toBeGreaterThan(0);
      // A code the article table does not know comes back as the bare code.
      for (const code of i.articles) expect(articleText(code).zh, `${i.id} ${code}`).not.toBe(code);
      for (const r of i.ruleIds ?? []) expect(RULE_IDS).toContain(r);
    }
  });
});

describe('template layers tighten only', () => {
  it('raises, adds and brings the deadline forward; a stored loosening layer changes nothing', () => {
    const t = resolveTemplate([
      layer('330000', { deadline: '2026-12-31', raised: { 'GOV-POLICY': 8 } }),
      layer('330100', { added: [{ id: 'HZ-1', category: 'data', indicator: '云', criteria: '评估', points: 3, articles: ['M16'] }] }),
      // Written around the check: lower points and a later deadline do not apply.
      layer('330106', { deadline: '2027-01-31', raised: { 'GOV-POLICY': 2, 'EMG-PLAN': 7 } }),
    ]);
    expect(t.deadline).toBe('2026-12-31');
    expect(t.items.find((i) => i.id === 'GOV-POLICY')!.points).toBe(8);
    expect(t.items.find((i) => i.id === 'EMG-PLAN')!.points).toBe(7);
    expect(t.items.at(-1)!.id).toBe('HZ-1');
    expect(t.totalPoints).toBe(100 + 4 + 2 + 3);
  });
  it('names every loosening of a layer against what it inherits', () => {
    const inherited = resolveTemplate([layer('330000', { deadline: '2026-12-31' })]);
    expect(
      layerProblems(inherited, {
        deadline: '2027-01-01',
        raised: { 'GOV-POLICY': 4, 'NOPE-1': 9 },
        added: [{ id: 'GOV-MLPS', category: 'data', indicator: 'x', criteria: 'y', points: 1, articles: [] }],
      }),
    ).toEqual([
      'GOV-POLICY：4 分不高于上级规定的 4 分，下级只能提高分值 / GOV-POLICY: 4 points is not more than the 4 set above (a lower region may only raise points)',
      'NOPE-1：没有这个条目，无法提高分值 / NOPE-1: no such item to raise',
      'GOV-MLPS：条目编号已被占用 / GOV-MLPS: the item id is already taken',
      '截止日期 2027-01-01 晚于上级规定的 2026-12-31 / the deadline 2027-01-01 is later than 2026-12-31 set above',
    ]);
    expect(layerProblems(inherited, { deadline: '2026-12-01', raised: { 'GOV-POLICY': 5 }, added: [] })).toEqual([]);
  });
  it('requires evidence where any level asked for it; an unknown item is named; an item that needs evidence is unanswered without a file', () => {
    const t = resolveTemplate([
      layer('330000', { requireEvidence: ['GOV-POLICY'] }),
      layer('330100', {}),
      layer('330106', { added: [{ id: 'XH-1', category: 'data', indicator: 'x', criteria: 'y', points: 2, articles: [], evidenceRequired: true }] }),
    ]);
    expect(t.items.filter((i) => i.evidenceRequired).map((i) => i.id)).toEqual(['GOV-POLICY', 'XH-1']);
    expect(layerProblems(t, { deadline: null, added: [], raised: {}, requireEvidence: ['NOPE-2'] })).toEqual(['NOPE-2：没有这个条目，无法要求佐证材料 / NOPE-2: no such item to require evidence for']);
    const answered = { answer: '已制定', selfScore: 4, responsible: '王五', evidence: [] as string[] };
    const policy = t.items.find((i) => i.id === 'GOV-POLICY')!;
    expect(unansweredItems([policy], { 'GOV-POLICY': answered })).toEqual(['GOV-POLICY']);
    expect(unansweredItems([policy], { 'GOV-POLICY': { ...answered, evidence: ['a'.repeat(64)] } })).toEqual([]);
  });
  it('refuses bad input at the edge', () => {
    expect(PublishTemplateInput.safeParse({ year: 2026, deadline: '2026-13-01' }).success).toBe(false);
    expect(PublishTemplateInput.safeParse({ year: 2026, deadline: null, added: [{ id: '../x', category: 'data', indicator: 'x', criteria: 'y', points: 1 }] }).success).toBe(false);
    expect(PublishTemplateInput.safeParse({ year: 2026, deadline: null, raised: { 'GOV-POLICY': 99 } }).success).toBe(false);
    expect(ReviewSelfInspectionInput.safeParse({ year: 2026, institutionCode: 'A', decision: 'return' }).success).toBe(false);
  });
});

describe('judging items from findings', () => {
  const backup = DEFAULT_CHECKLIST.find((i) => i.id === 'DAT-BACKUP')!;
  it('any failing finding: not compliant; all passing: compliant; nothing or unknown: not judged', () => {
    expect(
      judgeFromFindings(backup, [
        { ruleId: 'HOST-BACKUP-NONE', status: 'pass' },
        { ruleId: 'HOST-BACKUP-STALE', status: 'fail' },
        { ruleId: 'HOST-BACKUP-FAILED', status: 'fail' },
      ]),
    ).toEqual({ judged: true, compliant: false, failing: 2 });
    expect(
      judgeFromFindings(backup, [
        { ruleId: 'HOST-BACKUP-NONE', status: 'pass' },
        { ruleId: 'HOST-BACKUP-OFFSITE', status: 'not-applicable' },
      ]),
    ).toEqual({ judged: true, compliant: true, failing: 0 });
    expect(judgeFromFindings(backup, [{ ruleId: 'HOST-BACKUP-NONE', status: 'unknown' }])).toEqual({ judged: false });
    expect(judgeFromFindings(backup, [{ ruleId: 'HOST-OS-EOL', status: 'fail' }])).toEqual({ judged: false });
    expect(
      judgeFromFindings(
        DEFAULT_CHECKLIST.find((i) => i.id === 'PHY-ROOM')!,
        [{ ruleId: 'HOST-OS-EOL', status: 'fail' }],
      ),
    ).toEqual({ judged: false });
  });
});

describe('self-inspection states and scores', () => {
  it('draft → submitted → returned → submitted → accepted; each actor only its own actions', () => {
    expect(applySelfInspectionAction('draft', 'institution', { type: 'submit' })).toEqual({ ok: true, status: 'submitted' });
    expect(applySelfInspectionAction('submitted', 'institution', { type: 'submit' })).toEqual({ ok: false, reason: 'the self-inspection was already submitted and waits for review' });
    expect(applySelfInspectionAction('submitted', 'reviewer', { type: 'review', decision: 'return' })).toEqual({ ok: true, status: 'returned' });
    expect(applySelfInspectionAction('returned', 'institution', { type: 'save' })).toEqual({ ok: true, status: 'returned' });
    expect(applySelfInspectionAction('submitted', 'reviewer', { type: 'review', decision: 'accept' })).toEqual({ ok: true, status: 'accepted' });
    expect(applySelfInspectionAction('accepted', 'institution', { type: 'save' }).ok).toBe(false);
    expect(applySelfInspectionAction('draft', 'reviewer', { type: 'submit' })).toEqual({ ok: false, reason: 'only the institution may submit a self-inspection' });
    expect(allowedSelfInspectionActions('submitted', 'reviewer')).toEqual(['review']);
    expect(allowedSelfInspectionActions('accepted', 'reviewer')).toEqual([]);
  });
  it('scores: half points at most the item’s points; the bureau’s score replaces the self-score in the final', () => {
    const [x, y] = DEFAULT_CHECKLIST as [(typeof DEFAULT_CHECKLIST)[0], (typeof DEFAULT_CHECKLIST)[0]];
    expect(scoreProblem(x, 2.5)).toBeNull();
    expect(scoreProblem(x, 2.3)).toMatch(/steps of 0.5/);
    expect(scoreProblem(x, x.points + 1)).toMatch(/0–5/);
    const answers = { [x.id]: { answer: 'a', selfScore: 5, evidence: [], responsible: 'r', reviewScore: 3 }, [y.id]: { answer: 'b', selfScore: 4, evidence: [], responsible: ' ' } };
    expect(selfInspectionScores([x, y], answers)).toEqual({ self: 9, final: 7, total: 9, percent: 77.8 });
    expect(unansweredItems([x, y], answers)).toEqual([y.id]);
  });
});
