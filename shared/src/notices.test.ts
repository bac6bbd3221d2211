import { describe, expect, it } from 'vitest';
import { workingCalendar } from './calendar.js';
import { checkEvidence, evidenceNameProblem } from './evidence.js';
import {
  allowedNoticeActions,
  DEFAULT_NOTICE_SETTINGS,
  mergeNoticeSettings,
  NOTICE_MAX_REOPEN_WINDOW_DAYS,
  NoticeSettings,
  reopenWindowOpen,
  applyNoticeAction,
  deadlineFlag,
  deadlineProblem,
  noticeDeadline,
  noticeNumber,
  workingDaysLeft,
  type NoticeAction,
  type NoticeActor,
  type NoticeState,
} from './notices.js';
import { IssueNoticeInput, ReviewNoticeItemInput } from './schemas/notices.js';

const start: NoticeState = {
  status: 'issued',
  extensionRequested: false,
  items: [
    { id: 'tech', status: 'pending', technical: true, verified: false },
    { id: 'text', status: 'pending', technical: false, verified: false },
  ],
};
function run(state: NoticeState, steps: Array<[NoticeActor, NoticeAction]>): NoticeState {
  for (const [actor, action] of steps) {
    const r = applyNoticeAction(state, actor, action);
    if (!r.ok) throw new Error(`${action.type}: ${r.reason}`);
    state = r.state;
  }
  return state;
}
const reason = (state: NoticeState, actor: NoticeActor, action: NoticeAction) => {
  const r = applyNoticeAction(state, actor, action);
  return r.ok ? null : r.reason;
};

describe('notice state machine', () => {
  it('issued → signed → answered → submitted → returned → resubmitted → closed', () => {
    let s = run(start, [
      ['institution', { type: 'sign' }],
      ['institution', { type: 'answer', itemId: 'tech' }],
      ['institution', { type: 'answer', itemId: 'text' }],
      ['institution', { type: 'submit' }],
    ]);
    expect([s.status, s.items.map((i) => i.status)]).toEqual(['submitted', ['submitted', 'submitted']]);
    s = run(s, [['reviewer', { type: 'review', itemId: 'text', decision: 'return' }]]);
    expect(s.status).toBe('submitted'); // one item still waits for review
    s = run(s, [['reviewer', { type: 'review', itemId: 'tech', decision: 'accept', override: true }]]);
    expect([s.status, s.items.map((i) => i.status)]).toEqual(['returned', ['accepted', 'returned']]);
    expect(reason(s, 'institution', { type: 'answer', itemId: 'tech' })).toMatch(/already accepted/);
    s = run(s, [
      ['institution', { type: 'answer', itemId: 'text' }],
      ['institution', { type: 'submit' }],
      ['reviewer', { type: 'review', itemId: 'text', decision: 'accept' }],
    ]);
    expect(s.status).toBe('closed');
    expect(allowedNoticeActions(s, 'institution')).toEqual([]);
    expect(allowedNoticeActions(s, 'reviewer')).toEqual([]);
  });

  it('each action belongs to one side', () => {
    expect(reason(start, 'reviewer', { type: 'sign' })).toMatch(/only the institution/);
    const submitted = run(start, [
      ['institution', { type: 'sign' }],
      ['institution', { type: 'answer', itemId: 'tech' }],
      ['institution', { type: 'answer', itemId: 'text' }],
      ['institution', { type: 'submit' }],
    ]);
    expect(reason(submitted, 'institution', { type: 'review', itemId: 'text', decision: 'accept' })).toMatch(/only the issuing region/);
    expect(reason(submitted, 'reviewer', { type: 'reopen', itemId: 'tech' })).toMatch(/only the server/);
    expect(allowedNoticeActions(start, 'institution').sort()).toEqual(['requestExtension', 'sign']);
    expect(allowedNoticeActions(submitted, 'reviewer')).toEqual(['review']);
  });

  it('refuses out of order: answer before signing, submit with items unanswered, double submission, signing twice', () => {
    expect(reason(start, 'institution', { type: 'answer', itemId: 'tech' })).toMatch(/sign for the notice/);
    const signed = run(start, [['institution', { type: 'sign' }]]);
    expect(reason(signed, 'institution', { type: 'sign' })).toMatch(/already signed/);
    expect(reason(run(signed, [['institution', { type: 'answer', itemId: 'tech' }]]), 'institution', { type: 'submit' })).toMatch(/1 item\(s\) have no answer/);
    const submitted = run(signed, [
      ['institution', { type: 'answer', itemId: 'tech' }],
      ['institution', { type: 'answer', itemId: 'text' }],
      ['institution', { type: 'submit' }],
    ]);
    expect(reason(submitted, 'institution', { type: 'submit' })).toMatch(/already submitted/);
    expect(reason(submitted, 'institution', { type: 'answer', itemId: 'nope' })).toMatch(/not part of this notice/);
  });

  it('a technical item whose findings fail needs an explicit override to be accepted; a verified one does not', () => {
    const submitted = run(start, [
      ['institution', { type: 'sign' }],
      ['institution', { type: 'answer', itemId: 'tech' }],
      ['institution', { type: 'answer', itemId: 'text' }],
      ['institution', { type: 'submit' }],
    ]);
    expect(reason(submitted, 'reviewer', { type: 'review', itemId: 'tech', decision: 'accept' })).toMatch(/override/);
    const verified = { ...submitted, items: submitted.items.map((i) => (i.id === 'tech' ? { ...i, verified: true } : i)) };
    expect(reason(verified, 'reviewer', { type: 'review', itemId: 'tech', decision: 'accept' })).toBeNull();
  });

  it('reopening by data: an accepted technical item goes back to the institution; a closed notice is final', () => {
    let s = run(start, [
      ['institution', { type: 'sign' }],
      ['institution', { type: 'answer', itemId: 'tech' }],
      ['institution', { type: 'answer', itemId: 'text' }],
      ['institution', { type: 'submit' }],
    ]);
    s = run({ ...s, items: s.items.map((i) => ({ ...i, verified: i.technical })) }, [['reviewer', { type: 'review', itemId: 'tech', decision: 'accept' }]]);
    s = run(s, [['system', { type: 'reopen', itemId: 'tech' }]]);
    expect([s.status, s.items[0]]).toEqual(['submitted', { id: 'tech', status: 'returned', technical: true, verified: false }]);
    expect(reason(s, 'system', { type: 'reopen', itemId: 'text' })).toMatch(/only an item linked/);
    expect(reason({ ...s, status: 'closed' }, 'system', { type: 'reopen', itemId: 'tech' })).toMatch(/reopen window has passed/);
  });

  it('within the reopen window a closed notice reopens: the accepted item goes back, the notice to the institution', () => {
    const closed = run(start, [
      ['institution', { type: 'sign' }],
      ['institution', { type: 'answer', itemId: 'tech' }],
      ['institution', { type: 'answer', itemId: 'text' }],
      ['institution', { type: 'submit' }],
    ]);
    const accepted = run({ ...closed, items: closed.items.map((i) => ({ ...i, verified: i.technical })) }, [
      ['reviewer', { type: 'review', itemId: 'tech', decision: 'accept' }],
      ['reviewer', { type: 'review', itemId: 'text', decision: 'accept' }],
    ]);
    expect(accepted.status).toBe('closed');
    const s = run(accepted, [['system', { type: 'reopen', itemId: 'tech', windowOpen: true }]]);
    expect([s.status, s.items.map((i) => [i.id, i.status, i.verified])]).toEqual([
      'returned',
      [
        ['tech', 'returned', false],
        ['text', 'accepted', false],
      ],
    ]);
  });

  it('the reopen window: the province sets it (0 makes closing final), levels below only lengthen it; counted in calendar days from closing', () => {
    expect(mergeNoticeSettings(undefined, [])).toEqual(DEFAULT_NOTICE_SETTINGS);
    expect(mergeNoticeSettings({ reopenWindowDays: 0 }, [undefined, {}])).toEqual({ reopenWindowDays: 0 });
    expect(mergeNoticeSettings({ reopenWindowDays: 30 }, [{ reopenWindowDays: 10 }, { reopenWindowDays: 60 }])).toEqual({ reopenWindowDays: 60 });
    expect(NoticeSettings.safeParse({ reopenWindowDays: NOTICE_MAX_REOPEN_WINDOW_DAYS + 1 }).success).toBe(false);
    const closedAt = '2026-11-02T02:00:00.000Z';
    expect(reopenWindowOpen(closedAt, new Date('2026-11-12T02:00:00.000Z'), { reopenWindowDays: 10 })).toBe(true);
    expect(reopenWindowOpen(closedAt, new Date('2026-11-12T02:00:00.001Z'), { reopenWindowDays: 10 })).toBe(false);
    expect(reopenWindowOpen(closedAt, new Date('2026-11-02T02:00:01.000Z'), { reopenWindowDays: 0 })).toBe(false);
  });

  it('one extension request at a time, decided by the reviewer', () => {
    const asked = run(start, [['institution', { type: 'requestExtension' }]]);
    expect(reason(asked, 'institution', { type: 'requestExtension' })).toMatch(/already waits/);
    expect(run(asked, [['reviewer', { type: 'decideExtension', grant: false }]]).extensionRequested).toBe(false);
    expect(reason(start, 'reviewer', { type: 'decideExtension', grant: true })).toMatch(/no extension request/);
  });
});

describe('notice deadlines, numbers and inputs', () => {
  const cal = workingCalendar();
  it('counts working days on the official calendar: 10 working days from 2026-09-25 skip the National Day week', () => {
    // 2026-10-01..07 is 国庆 and 2026-09-20 / 10-10 are 调休 workdays (chinese-days).
    expect(noticeDeadline('2026-09-25', 10, cal)).toBe('2026-10-15'); // 10-10 (Saturday) is worked in lieu
    expect(workingDaysLeft('2026-10-15', '2026-09-25', cal)).toBe(10);
    expect(deadlineFlag('2026-10-15', '2026-10-12', cal)).toBe('due-soon');
    expect(deadlineFlag('2026-10-15', '2026-10-16', cal)).toBe('overdue');
    expect(deadlineFlag('2026-10-15', '2026-09-25', cal)).toBe('on-time');
  });
  it('refuses a deadline in the past, today, or on a holiday', () => {
    expect(deadlineProblem('2026-11-30', '2026-12-01', cal)).toMatch(/not after today/);
    expect(deadlineProblem('2026-12-01', '2026-12-01', cal)).toMatch(/not after today/);
    expect(deadlineProblem('2026-10-02', '2026-09-25', cal)).toMatch(/not a working day/);
    expect(deadlineProblem('2026-12-10', '2026-12-01', cal)).toBeNull();
  });
  it('numbers notices per region and year', () => {
    expect(noticeNumber('西湖区', 2026, 7)).toBe('西湖卫安整改〔2026〕7号');
    expect(noticeNumber('杭州市', 2026, 1)).toBe('杭州卫安整改〔2026〕1号');
    expect(noticeNumber('新疆维吾尔自治区', 2027, 12)).toBe('新疆卫安整改〔2027〕12号');
  });
  it('inputs: a bulk filter needs a condition, a return needs a comment', () => {
    const base = { title: '整改', requirement: '按期整改', severity: 'high', due: { workingDays: 10 }, items: [{ kind: 'text', title: '制度', requirement: '补齐制度' }] };
    expect(IssueNoticeInput.safeParse({ ...base, target: { kind: 'filter' } }).success).toBe(false);
    expect(IssueNoticeInput.safeParse({ ...base, target: { kind: 'filter', grade: 'D' } }).success).toBe(true);
    expect(IssueNoticeInput.safeParse({ ...base, target: { kind: 'institution', institutionCode: 'A' }, due: { workingDays: 0 } }).success).toBe(false);
    expect(ReviewNoticeItemInput.safeParse({ noticeId: 'n', itemId: 'i', decision: 'return' }).success).toBe(false);
  });
});

describe('evidence files are judged by their bytes', () => {
  const pdf = new TextEncoder().encode('%PDF-1.7\n%âãÏÓ\n1 0 obj\n');
  const exe = new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 0x03]);
  it('accepts a PDF named .pdf; refuses an .exe named .pdf, a PDF named .png, empty and oversized files', () => {
    expect(checkEvidence('整改报告.pdf', pdf)).toEqual({ ok: true, type: 'pdf', mime: 'application/pdf' });
    expect(checkEvidence('报告.pdf', exe)).toMatchObject({ ok: false, reason: expect.stringMatching(/not a PDF/) });
    expect(checkEvidence('scan.png', pdf)).toMatchObject({ ok: false, reason: expect.stringMatching(/says \.png but the content is PDF/) });
    expect(checkEvidence('a.pdf', new Uint8Array())).toMatchObject({ ok: false });
    const big = new Uint8Array(1_400_001);
    big.set(pdf);
    expect(checkEvidence('a.pdf', big)).toMatchObject({ ok: false, reason: expect.stringMatching(/over the limit/) });
  });
  it('refuses path tricks and hidden or reserved names', () => {
    for (const name of ['../../etc/passwd.pdf', '..\\boot.pdf', 'a/b.pdf', '.hidden.pdf', 'C:evil.pdf', 'a\u0000.pdf', 'nul.pdf.', ' a.pdf']) expect(evidenceNameProblem(name), name).not.toBeNull();
    expect(evidenceNameProblem('机房巡检记录 2026.pdf')).toBeNull();
  });
});
