/**
 * Rectification notices (整改通知): the states of a notice and of its items, and who may move them.
 * Pure: the server applies `applyNoticeAction` inside a transaction and stores what it returns, so
 * the rules live here once and the dashboard can show only the actions the server would accept.
 *
 * 通报 → 签收 → 整改 → 反馈 → 复核: the bureau issues (已下发); the institution signs (已签收),
 * answers every item and submits (已反馈); the issuer's region reviews each item, accepting (已通过)
 * or returning (已退回) it; the notice closes (已办结) when every item is accepted, and goes back to
 * the institution (已退回) when any is returned.
 */
import { z } from 'zod';
import { addWorkingDays, daysBetween, isWorkingDay, type IsoDate, type WorkingCalendar } from './calendar.js';

export const NOTICE_STATUSES = ['issued', 'signed', 'submitted', 'returned', 'closed'] as const;
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];
export const NOTICE_STATUS_LABELS: Record<NoticeStatus, { zh: string; en: string }> = {
  issued: { zh: '已下发', en: 'issued' },
  signed: { zh: '已签收', en: 'signed for' },
  submitted: { zh: '已反馈', en: 'submitted' },
  returned: { zh: '已退回', en: 'returned' },
  closed: { zh: '已办结', en: 'closed' },
};

export const NOTICE_ITEM_STATUSES = ['pending', 'answered', 'submitted', 'accepted', 'returned'] as const;
export type NoticeItemStatus = (typeof NOTICE_ITEM_STATUSES)[number];
export const NOTICE_ITEM_STATUS_LABELS: Record<NoticeItemStatus, { zh: string; en: string }> = {
  pending: { zh: '待整改', en: 'to rectify' },
  answered: { zh: '已填报', en: 'answered (not submitted)' },
  submitted: { zh: '已反馈', en: 'submitted' },
  accepted: { zh: '已通过', en: 'accepted' },
  returned: { zh: '已退回', en: 'returned' },
};

/** Who acts: the institution the notice is addressed to, the issuing region (or above), or the server itself. */
export type NoticeActor = 'institution' | 'reviewer' | 'system';

export interface NoticeItemState {
  id: string;
  status: NoticeItemStatus;
  /** Linked to host or institution findings: the agent's data, not the hospital's word, decides it. */
  technical: boolean;
  /** Every linked finding passes now (数据已核验). */
  verified: boolean;
}
export interface NoticeState {
  status: NoticeStatus;
  items: readonly NoticeItemState[];
  /** An extension request waiting for the reviewer. */
  extensionRequested: boolean;
}

export type NoticeAction =
  | { type: 'sign' }
  | { type: 'answer'; itemId: string }
  | { type: 'submit' }
  | { type: 'requestExtension' }
  | { type: 'decideExtension'; grant: boolean }
  | { type: 'review'; itemId: string; decision: 'accept' | 'return'; override?: boolean }
  /** A verified item's finding failed again before the notice closed, or within the region's reopen window after (`windowOpen`). */
  | { type: 'reopen'; itemId: string; windowOpen?: boolean };

export const NOTICE_ACTION_ACTORS: Record<NoticeAction['type'], NoticeActor> = {
  sign: 'institution',
  answer: 'institution',
  submit: 'institution',
  requestExtension: 'institution',
  decideExtension: 'reviewer',
  review: 'reviewer',
  reopen: 'system',
};

/** The longest reopen window a region may set. */
export const NOTICE_MAX_REOPEN_WINDOW_DAYS = 365;

export type NoticeTransition = { ok: true; state: NoticeState } | { ok: false; reason: string };

const refuse = (reason: string): NoticeTransition => ({ ok: false, reason });
const WORKING: ReadonlySet<NoticeStatus> = new Set(['signed', 'returned']);

/** After a review: closed when every item is accepted, back to the institution once none waits for review and some were returned. */
function afterReview(items: readonly NoticeItemState[]): NoticeStatus {
  if (items.every((i) => i.status === 'accepted')) return 'closed';
  if (items.some((i) => i.status === 'submitted')) return 'submitted';
  return 'returned';
}

/** The next state, or why the action is refused in this state for this actor. */
export function applyNoticeAction(state: NoticeState, actor: NoticeActor, action: NoticeAction): NoticeTransition {
  const needed = NOTICE_ACTION_ACTORS[action.type];
  if (actor !== needed) return refuse(`only the ${needed === 'institution' ? 'institution addressed' : needed === 'reviewer' ? 'issuing region' : 'server'} may ${action.type} a notice`);
  const status = NOTICE_STATUS_LABELS[state.status].en;
  const item = 'itemId' in action ? state.items.find((i) => i.id === action.itemId) : undefined;
  if ('itemId' in action && !item) return refuse(`item ${action.itemId} is not part of this notice`);
  const withItem = (status: NoticeItemStatus, verified = item!.verified): NoticeState['items'] => state.items.map((i) => (i.id === item!.id ? { ...i, status, verified } : i));

  switch (action.type) {
    case 'sign':
      if (state.status !== 'issued') return refuse(`the notice is already ${status}`);
      return { ok: true, state: { ...state, status: 'signed' } };
    case 'answer':
      if (!WORKING.has(state.status)) return refuse(state.status === 'issued' ? 'sign for the notice before answering it' : `the notice is ${status}: nothing can be answered now`);
      if (item!.status === 'accepted' || item!.status === 'submitted') return refuse(`the item is already ${NOTICE_ITEM_STATUS_LABELS[item!.status].en}`);
      return { ok: true, state: { ...state, items: withItem('answered') } };
    case 'submit': {
      if (!WORKING.has(state.status)) return refuse(state.status === 'submitted' ? 'the notice was already submitted and waits for review' : `the notice is ${status}: it cannot be submitted`);
      const open = state.items.filter((i) => i.status === 'pending' || i.status === 'returned');
      if (open.length) return refuse(`${open.length} item(s) have no answer yet`);
      return { ok: true, state: { ...state, status: 'submitted', items: state.items.map((i) => (i.status === 'answered' ? { ...i, status: 'submitted' } : i)) } };
    }
    case 'requestExtension':
      if (!WORKING.has(state.status) && state.status !== 'issued') return refuse(`the notice is ${status}: no extension can be asked`);
      if (state.extensionRequested) return refuse('an extension request already waits for a decision');
      return { ok: true, state: { ...state, extensionRequested: true } };
    case 'decideExtension':
      if (!state.extensionRequested) return refuse('no extension request waits for a decision');
      return { ok: true, state: { ...state, extensionRequested: false } };
    case 'review': {
      if (state.status !== 'submitted') return refuse(`the notice is ${status}: only a submitted notice is reviewed`);
      if (item!.status !== 'submitted') return refuse(`the item is ${NOTICE_ITEM_STATUS_LABELS[item!.status].en}, not waiting for review`);
      if (action.decision === 'accept' && item!.technical && !item!.verified && !action.override)
        return refuse("the item's findings still fail in the agents' reports: accepting it needs an explicit override");
      const items = withItem(action.decision === 'accept' ? 'accepted' : 'returned');
      return { ok: true, state: { ...state, items, status: afterReview(items) } };
    }
    case 'reopen': {
      if (state.status === 'closed' && !action.windowOpen) return refuse("the notice is closed and its region's reopen window has passed");
      if (!item!.technical) return refuse('only an item linked to findings reopens by data');
      // Not yet answered: it only loses its verification. Answered or accepted: it goes back to the institution.
      const back = item!.status === 'pending' ? 'pending' : 'returned';
      const items = withItem(back, false);
      const next: NoticeStatus = state.status === 'issued' ? 'issued' : state.status === 'signed' ? 'signed' : items.some((i) => i.status === 'submitted') ? 'submitted' : 'returned';
      return { ok: true, state: { ...state, items, status: next } };
    }
  }
}

/** What `actor` may do now: the dashboard shows these buttons, the server accepts exactly these. */
export function allowedNoticeActions(state: NoticeState, actor: NoticeActor): Array<NoticeAction['type']> {
  const probe: NoticeAction[] = [{ type: 'sign' }, { type: 'submit' }, { type: 'requestExtension' }, { type: 'decideExtension', grant: true }];
  const out = new Set<NoticeAction['type']>();
  for (const a of probe) if (applyNoticeAction(state, actor, a).ok) out.add(a.type);
  for (const i of state.items) {
    if (applyNoticeAction(state, actor, { type: 'answer', itemId: i.id }).ok) out.add('answer');
    if (applyNoticeAction(state, actor, { type: 'review', itemId: i.id, decision: 'return' }).ok) out.add('review');
  }
  return [...out];
}

/**
 * Region settings for notices. Neither the Measures nor the bureau documents fix how long a closed
 * notice stays answerable to the data; WeiAn keeps it open to the agents for a quarter by default
 * (the usual 回头看 period), and a region may lengthen it, never shorten what a level above set.
 */
export const NoticeSettings = z.object({
  /** Calendar days after closing during which a linked finding failing again reopens the item (0: closing is final). */
  reopenWindowDays: z.number().int().min(0).max(NOTICE_MAX_REOPEN_WINDOW_DAYS).default(90),
});
export type NoticeSettings = z.infer<typeof NoticeSettings>;
export const DEFAULT_NOTICE_SETTINGS: NoticeSettings = { reopenWindowDays: 90 };

/**
 * The settings in force, like rule settings: the province sets the baseline (it may shorten the
 * window, or set 0 to make closing final); a city or county below may only lengthen it.
 */
export function mergeNoticeSettings(province: Partial<NoticeSettings> | undefined, below: ReadonlyArray<Partial<NoticeSettings> | undefined>): NoticeSettings {
  let reopenWindowDays = province?.reopenWindowDays ?? DEFAULT_NOTICE_SETTINGS.reopenWindowDays;
  for (const own of below) if (own?.reopenWindowDays !== undefined) reopenWindowDays = Math.max(reopenWindowDays, own.reopenWindowDays);
  return { reopenWindowDays };
}

/** Whether a notice closed at `closedAt` still reopens by data at `now`. */
export function reopenWindowOpen(closedAt: string, now: Date, settings: NoticeSettings): boolean {
  return now.getTime() - Date.parse(closedAt) <= settings.reopenWindowDays * 86_400_000;
}

/** Working days a notice may give at most: anything longer is no 限期整改. */
export const NOTICE_MAX_WORKING_DAYS = 120;
/** A deadline given as a date lies within this many calendar days. */
export const NOTICE_MAX_CALENDAR_DAYS = 180;
/** Items due within this many working days are flagged as due soon on both sides. */
export const NOTICE_DUE_SOON_WORKING_DAYS = 3;

/** The deadline `workingDays` working days after the day of issue (the day itself not counted). */
export function noticeDeadline(issuedOn: IsoDate, workingDays: number, calendar?: WorkingCalendar): IsoDate {
  return addWorkingDays(issuedOn, workingDays, calendar);
}

/** Why a deadline given as a date cannot be set on `today`, or null: it must be a later working day within the bound. */
export function deadlineProblem(deadline: IsoDate, today: IsoDate, calendar?: WorkingCalendar): string | null {
  if (deadline <= today) return `the deadline ${deadline} is not after today (${today})`;
  if (!isWorkingDay(deadline, calendar)) return `the deadline ${deadline} is not a working day`;
  // Bounded in calendar days: the bound must not need next year's holiday arrangement.
  if (daysBetween(today, deadline) > NOTICE_MAX_CALENDAR_DAYS) return `the deadline ${deadline} is more than ${NOTICE_MAX_CALENDAR_DAYS} days away`;
  return null;
}

export type DeadlineFlag = 'overdue' | 'due-soon' | 'on-time';

/** Working days left until `deadline` (0 on the day itself; negative once past, counting calendar days). */
export function workingDaysLeft(deadline: IsoDate, today: IsoDate, calendar?: WorkingCalendar): number {
  if (today > deadline) return -daysBetween(deadline, today);
  let n = 0;
  for (let d = today; d < deadline; n++) d = addWorkingDays(d, 1, calendar);
  return n;
}

export function deadlineFlag(deadline: IsoDate, today: IsoDate, calendar?: WorkingCalendar): DeadlineFlag {
  const left = workingDaysLeft(deadline, today, calendar);
  return left < 0 ? 'overdue' : left <= NOTICE_DUE_SOON_WORKING_DAYS ? 'due-soon' : 'on-time';
}

/** `西湖区` → `西湖`: the short name a notice number starts with (a one-character name keeps its suffix). */
export function regionShortName(name: string): string {
  const m = /^(.{2,}?)(?:维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|特别行政区|新区|省|市|区|县|旗|盟)$/.exec(name.trim());
  return m ? m[1]! : name.trim();
}

/** 西湖卫安整改〔2026〕7号: per issuing region and year, numbered from 1. */
export function noticeNumber(regionName: string, year: number, seq: number): string {
  return `${regionShortName(regionName)}卫安整改〔${year}〕${seq}号`;
}
