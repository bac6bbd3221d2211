/**
 * Rectification notices (整改通知): the bureau issues, the institution signs, answers with evidence
 * and submits, the issuing region reviews. The transitions are shared's pure state machine; this
 * module adds who is who (scope), storage, the timeline, and verification by the agents' data.
 */
import {
  applyNoticeAction,
  CalendarRangeError,
  allowedNoticeActions,
  chinaDate,
  deadlineFlag,
  deadlineProblem,
  noticeDeadline,
  noticeNumber,
  mergeNoticeSettings,
  NOTICE_MAX_REOPEN_WINDOW_DAYS,
  NoticeSettings,
  regionAncestors,
  reopenWindowOpen,
  RULE_DATA_BY_ID,
  type DeadlineFlag,
  type IsoDate,
  type IssueNoticeInput,
  type WorkingCalendar,
  type NoticeAction,
  type NoticeActor,
  type NoticeState,
  type RuleId,
} from '@weian/shared';
import type { z } from 'zod';
import type { AnswerNoticeItemInput, ExtensionDecisionInput, ExtensionRequestInput, NoticeListInput, ReviewNoticeItemInput } from '@weian/shared';
import { badRequest, conflict, DomainError, forbidden, notFound } from '../errors.js';
import { institutionsByCode } from '../storage/institutions.js';
import {
  attachEvidence,
  failingSubjects,
  findingStatuses,
  getNotice,
  getNoticeEvidenceContent,
  getNoticeItems,
  insertNotice,
  insertNoticeEvent,
  institutionsWithOpenAlert,
  listOverdueNotices,
  institutionsMatching,
  listNoticeEvents,
  listNoticeEvidence,
  listNotices,
  nextNoticeSeq,
  itemsForRulesOpenOrClosedSince,
  updateNoticeFrom,
  updateNoticeItem,
  type NoticeItemRow,
  type NoticeRow,
} from '../storage/notices.js';
import { getRegionSettings } from '../storage/records.js';
import { getRegion } from '../storage/regions.js';
import type { Db } from '../storage/schema.js';
import { clearAlert, raiseAlert } from './alerts.js';
import { NOTICE_OVERDUE_RULE, NOTICE_REOPENED_RULE } from './alertRules.js';
import { actorColumns, type Actor } from './actors.js';
import type { Principal } from './auth.js';
import type { ServiceDeps } from './deps.js';
import type { FindingChange } from './evaluation.js';
import { REGION_ROLES, visibleIn } from './scope.js';
import { acceptUpload, type EvidenceBytes } from './evidenceFiles.js';
import { newId } from './secrets.js';
import { workingCalendarFor } from './workingCalendar.js';

type Link = { subjectKind: 'host' | 'institution'; subjectId: string };

/** What a live subscriber hears: which notice moved and why; it reloads what it shows (small enough for one PostgreSQL NOTIFY). */
const announce = (deps: ServiceDeps, n: Pick<NoticeRow, 'id' | 'institution_code' | 'institution_region_code'>, action: string) =>
  deps.bus.emit('notice.changed', { noticeId: n.id, institutionCode: n.institution_code, regionCode: n.institution_region_code, action, at: deps.now().toISOString() });

/** Who the caller is to this notice: the institution addressed, the issuing region (or above), or neither. */
function roleIn(principal: Principal, notice: NoticeRow): NoticeActor | null {
  if (principal.scope.kind === 'institution') return principal.scope.code === notice.institution_code ? 'institution' : null;
  if (principal.scope.kind === 'region') return notice.region_code.startsWith(principal.scope.prefix) ? 'reviewer' : null;
  return null;
}

async function visibleNotice(db: Db, principal: Principal, id: string): Promise<NoticeRow> {
  const row = await getNotice(db, principal.scope, id);
  // Out of scope and nonexistent look the same: nothing leaks about other regions' notices.
  if (!row) throw forbidden(`notice ${id} is not visible to you`);
  return row;
}

const stateOf = (notice: NoticeRow, items: NoticeItemRow[]): NoticeState => ({
  status: notice.status,
  extensionRequested: notice.extension_request !== null,
  items: items.map((i) => ({ id: i.id, status: i.status, technical: i.rule_id !== null, verified: i.verified === 1 })),
});

function eventRow(noticeId: string, itemId: string | null, at: string, actor: Actor, action: string, detail: Record<string, unknown>) {
  return { id: newId('ne'), notice_id: noticeId, item_id: itemId, at, ...actorColumns(actor), action, detail: JSON.stringify(detail) };
}

/** Whether every linked finding passes now (an item without links is never "verified by data"). */
async function verifiedNow(db: Db, ruleId: string | null, links: Link[]): Promise<boolean> {
  if (!ruleId || !links.length) return false;
  const statuses = await findingStatuses(
    db,
    ruleId,
    links.map((l) => l.subjectId),
  );
  return links.every((l) => ['pass', 'not-applicable'].includes(statuses.get(l.subjectId) ?? ''));
}

/** A deadline that needs a year's holiday arrangement the server lacks: a clear refusal naming what to load, not an internal error. */
function onCalendar<T>(compute: () => T): T {
  try {
    return compute();
  } catch (e) {
    if (e instanceof CalendarRangeError) throw new DomainError('PRECONDITION_FAILED', e.message);
    throw e;
  }
}

/** Overdue is known without a calendar; "due soon" in a year without an arrangement is not (null). */
function flagOf(deadline: IsoDate, today: IsoDate, calendar: WorkingCalendar): DeadlineFlag | null {
  if (today > deadline) return 'overdue';
  try {
    return deadlineFlag(deadline, today, calendar);
  } catch (e) {
    if (e instanceof CalendarRangeError) return null;
    throw e;
  }
}

// ---- issuing --------------------------------------------------------------------------------------
export interface IssuedNotice {
  id: string;
  number: string;
  institutionCode: string;
  deadline: string;
}

/**
 * Issues one notice per target institution, all in one transaction: a refusal for any target (out of
 * scope, a rule item that does not fail there) writes nothing. A bulk target silently drops rule items
 * that do not fail at an institution, and institutions left with no item.
 */
export async function issueNotices(deps: ServiceDeps, principal: Principal, input: IssueNoticeInput): Promise<{ issued: IssuedNotice[]; skipped: string[] }> {
  if (principal.scope.kind !== 'region' || !principal.scopeCode || !(REGION_ROLES as readonly string[]).includes(principal.role))
    throw forbidden('only a county, city or province health bureau user issues rectification notices');
  const issuerRegion = principal.scopeCode;
  const now = deps.now();
  const today = chinaDate(now);
  const calendar = await workingCalendarFor(deps);
  let deadline: string;
  const due = input.due;
  if ('workingDays' in due) deadline = onCalendar(() => noticeDeadline(today, due.workingDays, calendar));
  else {
    const problem = onCalendar(() => deadlineProblem(due.date, today, calendar));
    if (problem) throw badRequest(problem);
    deadline = due.date;
  }
  const region = await getRegion(deps.db, issuerRegion);
  if (!region) throw badRequest(`your region ${issuerRegion} is not in the region table`);
  const year = Number(today.slice(0, 4));
  // Several institutions: a rule item that does not fail at one of them is left out there, not refused.
  const bulk = input.target.kind !== 'institution';

  const result = await deps.db.transaction().execute(async (tx) => {
    const targets = await targetInstitutions(tx, principal, input.target);
    const issued: IssuedNotice[] = [];
    const skipped: string[] = [];
    let seq = await nextNoticeSeq(tx, issuerRegion, year);
    const at = now.toISOString();
    for (const inst of targets) {
      const id = newId('nt');
      const items: NoticeItemRow[] = [];
      for (const item of input.items) {
        if (item.kind === 'text') {
          items.push(itemRow(id, items.length, item.title, item.requirement, null, [], at));
          continue;
        }
        const links = (await failingSubjects(tx, inst.code, item.ruleId)).filter((l) => !item.subjectId || l.subjectId === item.subjectId);
        if (!links.length) {
          if (bulk) continue;
          throw badRequest(`rule ${item.ruleId} does not fail ${item.subjectId ? `on ${item.subjectId} ` : ''}at institution ${inst.code}: nothing to rectify`);
        }
        const rule = RULE_DATA_BY_ID[item.ruleId as RuleId];
        items.push(itemRow(id, items.length, rule.title.zh, item.requirement ?? rule.title.zh, item.ruleId, links, at));
      }
      if (!items.length) {
        skipped.push(inst.code);
        continue;
      }
      const number = noticeNumber(region.name, year, seq++);
      await insertNotice(
        tx,
        {
          id,
          number,
          region_code: issuerRegion,
          year,
          seq: seq - 1,
          institution_code: inst.code,
          institution_region_code: inst.region_code,
          title: input.title,
          requirement: input.requirement,
          severity: input.severity,
          status: 'issued',
          issued_at: at,
          issued_by: principal.username,
          deadline,
          extension_request: null,
          closed_at: null,
          updated_at: at,
        },
        items,
      );
      await insertNoticeEvent(tx, eventRow(id, null, at, { type: 'user', principal }, 'issued', { number, deadline, items: items.length }));
      issued.push({ id, number, institutionCode: inst.code, deadline });
    }
    if (!issued.length) throw badRequest('no institution in your region matches: nothing was issued');
    return { issued, skipped, regions: issued.map((n) => targets.find((t) => t.code === n.institutionCode)!.region_code) };
  });
  result.issued.forEach((n, i) => announce(deps, { id: n.id, institution_code: n.institutionCode, institution_region_code: result.regions[i]! }, 'issued'));
  return { issued: result.issued, skipped: result.skipped };
}

/**
 * Who a notice goes to: one institution, institutions picked by hand, or every institution in scope
 * matching the filter. Named institutions must all be in the caller's scope, else nothing is issued.
 */
async function targetInstitutions(tx: Db, principal: Principal, target: IssueNoticeInput['target']): Promise<Array<{ code: string; region_code: string }>> {
  if (target.kind === 'filter') {
    const failingRuleIds = [...(target.failingRuleId ? [target.failingRuleId] : []), ...(target.mlpsFilingOverdue ? [MLPS_FILING_RULE] : [])];
    return institutionsMatching(tx, principal.scope, { regionCode: target.regionCode, grade: target.grade, failingRuleIds: [...new Set(failingRuleIds)] });
  }
  const codes = target.kind === 'institution' ? [target.institutionCode] : [...new Set(target.institutionCodes)];
  const found = (await institutionsByCode(tx, codes)).filter((i) => visibleIn(principal.scope, { regionCode: i.region_code, institutionCode: i.code }));
  const outside = codes.filter((c) => !found.some((i) => i.code === c));
  if (outside.length) throw forbidden(`institution ${outside.join(', ')} is not in your region`);
  return found;
}
/** The rule whose verdict the "MLPS filing overdue" filter reuses. */
const MLPS_FILING_RULE = 'INST-MLPS-FILING';

function itemRow(noticeId: string, position: number, title: string, requirement: string, ruleId: string | null, links: Link[], at: string): NoticeItemRow {
  // A freshly linked item fails by construction: verification starts false.
  return {
    id: newId('ni'),
    notice_id: noticeId,
    position,
    title,
    requirement,
    rule_id: ruleId,
    links: JSON.stringify(links),
    status: 'pending',
    verified: 0,
    measures: null,
    evidence: '[]',
    review_comment: null,
    updated_at: at,
  };
}

// ---- reading --------------------------------------------------------------------------------------
export async function listNoticeViews(deps: ServiceDeps, principal: Principal, filter: z.infer<typeof NoticeListInput>) {
  const { rows, total } = await listNotices(deps.db, principal.scope, filter);
  const calendar = await workingCalendarFor(deps);
  const today = chinaDate(deps.now());
  const items = rows.map((n) => ({ ...summary(n), flag: n.status === 'closed' ? null : flagOf(n.deadline, today, calendar) }));
  // Overdue first, then due soon, then the rest (each by deadline, as stored).
  const rank: Record<DeadlineFlag, number> = { overdue: 0, 'due-soon': 1, 'on-time': 2 };
  items.sort((a, b) => (a.flag ? rank[a.flag] : 3) - (b.flag ? rank[b.flag] : 3));
  return { items, total, limit: filter.limit, offset: filter.offset };
}

const summary = (n: NoticeRow) => ({
  id: n.id,
  number: n.number,
  title: n.title,
  severity: n.severity,
  status: n.status,
  regionCode: n.region_code,
  institutionCode: n.institution_code,
  deadline: n.deadline,
  issuedAt: n.issued_at,
  issuedBy: n.issued_by,
  closedAt: n.closed_at,
});

export async function getNoticeDetail(deps: ServiceDeps, principal: Principal, id: string) {
  const notice = await visibleNotice(deps.db, principal, id);
  const [items, events, evidence, calendar] = await Promise.all([getNoticeItems(deps.db, id), listNoticeEvents(deps.db, id), listNoticeEvidence(deps.db, id), workingCalendarFor(deps)]);
  const role = roleIn(principal, notice);
  const state = stateOf(notice, items);
  return {
    ...summary(notice),
    requirement: notice.requirement,
    flag: notice.status === 'closed' ? null : flagOf(notice.deadline, chinaDate(deps.now()), calendar),
    extensionRequest: notice.extension_request ? (JSON.parse(notice.extension_request) as Record<string, unknown>) : null,
    /** What the caller may do now (none for administrators and other regions' readers). */
    actions: role ? allowedNoticeActions(state, role) : [],
    items: items.map((i) => ({
      id: i.id,
      title: i.title,
      requirement: i.requirement,
      ruleId: i.rule_id,
      links: JSON.parse(i.links) as Link[],
      status: i.status,
      /** 数据已核验: every linked finding passes in the agents' reports. */
      verified: i.verified === 1,
      measures: i.measures,
      evidence: JSON.parse(i.evidence) as string[],
      reviewComment: i.review_comment,
    })),
    evidence: evidence.map((e) => ({ sha256: e.sha256, name: e.name, size: e.size, type: e.type, uploadedAt: e.uploaded_at, uploadedBy: e.uploaded_by })),
    events: events.map((e) => ({ at: e.at, itemId: e.item_id, action: e.action, actor: e.actor_name, detail: JSON.parse(e.detail) as Record<string, unknown> })),
  };
}

// ---- transitions ----------------------------------------------------------------------------------
/**
 * Applies one action in a transaction: reloads the notice, checks the caller's relation to it, asks
 * the state machine, writes the new state (only if the notice did not move meanwhile) and the event.
 */
async function transition(
  deps: ServiceDeps,
  principal: Principal,
  noticeId: string,
  action: NoticeAction,
  write: (tx: Db, notice: NoticeRow, next: NoticeState, at: string) => Promise<Record<string, unknown>>,
) {
  const moved = await deps.db.transaction().execute(async (tx) => {
    const notice = await visibleNotice(tx, principal, noticeId);
    const role = roleIn(principal, notice);
    if (!role) throw forbidden(`you may read notice ${notice.number} but not act on it`);
    const items = await getNoticeItems(tx, noticeId);
    const r = applyNoticeAction(stateOf(notice, items), role, action);
    if (!r.ok) throw (r.reason.startsWith('only the') ? forbidden : conflict)(`${notice.number}: ${r.reason}`);
    const at = deps.now().toISOString();
    const detail = await write(tx, notice, r.state, at);
    if (r.state.status !== notice.status || action.type !== 'answer') {
      const moved = await updateNoticeFrom(tx, noticeId, notice.status, { status: r.state.status, updated_at: at, ...(r.state.status === 'closed' ? { closed_at: at } : {}) });
      if (!moved) throw conflict(`${notice.number} changed meanwhile: reload it and try again`);
    }
    for (const next of r.state.items) {
      const before = items.find((i) => i.id === next.id)!;
      if (before.status !== next.status) await updateNoticeItem(tx, next.id, { status: next.status, updated_at: at });
    }
    await insertNoticeEvent(tx, eventRow(noticeId, 'itemId' in action ? action.itemId : null, at, { type: 'user', principal }, action.type, detail));
    return notice;
  });
  announce(deps, moved, action.type);
  return getNoticeDetail(deps, principal, noticeId);
}

export const signNotice = (deps: ServiceDeps, principal: Principal, noticeId: string) => transition(deps, principal, noticeId, { type: 'sign' }, async () => ({}));

export function answerNoticeItem(deps: ServiceDeps, principal: Principal, input: z.infer<typeof AnswerNoticeItemInput>) {
  return transition(deps, principal, input.noticeId, { type: 'answer', itemId: input.itemId }, async (tx, _n, _s, at) => {
    const attached = new Set((await listNoticeEvidence(tx, input.noticeId)).map((e) => e.sha256));
    const missing = input.evidence.filter((h) => !attached.has(h));
    if (missing.length) throw badRequest(`evidence ${missing.join(', ')} was not uploaded to this notice`);
    await updateNoticeItem(tx, input.itemId, { measures: input.measures, evidence: JSON.stringify([...new Set(input.evidence)]), updated_at: at });
    return { measures: input.measures, evidence: input.evidence };
  });
}

export const submitNotice = (deps: ServiceDeps, principal: Principal, noticeId: string) => transition(deps, principal, noticeId, { type: 'submit' }, async () => ({}));

export function requestExtension(deps: ServiceDeps, principal: Principal, input: z.infer<typeof ExtensionRequestInput>) {
  return transition(deps, principal, input.noticeId, { type: 'requestExtension' }, async (tx, notice, _s, at) => {
    const request = { reason: input.reason, workingDays: input.workingDays, requestedAt: at, requestedBy: principal.username };
    await updateNoticeFrom(tx, notice.id, notice.status, { extension_request: JSON.stringify(request) });
    return request;
  });
}

export function decideExtension(deps: ServiceDeps, principal: Principal, input: z.infer<typeof ExtensionDecisionInput>) {
  return transition(deps, principal, input.noticeId, { type: 'decideExtension', grant: input.grant }, async (tx, notice) => {
    const request = JSON.parse(notice.extension_request!) as { workingDays: number };
    // Granted days run from the current deadline, on the official calendar.
    const calendar = await workingCalendarFor(deps, tx);
    const deadline = input.grant ? onCalendar(() => noticeDeadline(notice.deadline, request.workingDays, calendar)) : notice.deadline;
    await updateNoticeFrom(tx, notice.id, notice.status, { extension_request: null, deadline });
    return { grant: input.grant, deadline, previousDeadline: notice.deadline, ...(input.comment ? { comment: input.comment } : {}) };
  });
}

/** Accepting a technical item whose findings fail needs `override` (with a reason), kept in the timeline and the audit log. */
export function reviewNoticeItem(deps: ServiceDeps, principal: Principal, input: z.infer<typeof ReviewNoticeItemInput>) {
  return transition(deps, principal, input.noticeId, { type: 'review', itemId: input.itemId, decision: input.decision, override: !!input.override }, async (tx, _n, _s, at) => {
    await updateNoticeItem(tx, input.itemId, { review_comment: input.comment ?? null, updated_at: at });
    return { decision: input.decision, ...(input.comment ? { comment: input.comment } : {}), ...(input.override ? { override: input.override.reason } : {}) };
  });
}

// ---- evidence -------------------------------------------------------------------------------------
/** Checked by its bytes (type, size) and its name; stored once by SHA-256; attached to the notice. */
export async function uploadEvidence(deps: ServiceDeps, principal: Principal, input: EvidenceBytes & { noticeId: string }) {
  const at = deps.now().toISOString();
  const { sha256, size, type, file } = acceptUpload(input, at);
  await deps.db.transaction().execute(async (tx) => {
    const notice = await visibleNotice(tx, principal, input.noticeId);
    if (roleIn(principal, notice) !== 'institution') throw forbidden('only the institution addressed uploads evidence');
    if (notice.status !== 'signed' && notice.status !== 'returned') throw conflict(`${notice.number} is ${notice.status}: evidence is uploaded while answering`);
    const added = await attachEvidence(tx, file, { notice_id: notice.id, sha256, name: input.name, uploaded_at: at, uploaded_by: principal.username });
    if (added) await insertNoticeEvent(tx, eventRow(notice.id, null, at, { type: 'user', principal }, 'evidence', { sha256, name: input.name, size, type }));
  });
  return { sha256, size, type };
}

/** The file, only to those who see the notice. */
export async function downloadEvidence(deps: ServiceDeps, principal: Principal, noticeId: string, sha256: string) {
  await visibleNotice(deps.db, principal, noticeId);
  const file = await getNoticeEvidenceContent(deps.db, noticeId, sha256);
  if (!file) throw notFound(`no evidence ${sha256} on this notice`);
  return { name: file.name, type: file.type, size: file.size, contentBase64: file.content };
}

// ---- verified by data -----------------------------------------------------------------------------
/** The notice settings in force for an institution's county: the province's, lengthened by any level below. */
export async function noticeSettingsFor(db: Db, regionCode: string): Promise<NoticeSettings> {
  const codes = regionAncestors(regionCode);
  const rows = new Map((await getRegionSettings(db, codes)).map((r) => [r.region_code, (JSON.parse(r.settings) as { notices?: unknown }).notices]));
  const own = (code: string | undefined) => (code && rows.get(code) ? NoticeSettings.partial().parse(rows.get(code)) : undefined);
  return mergeNoticeSettings(own(codes[0]), codes.slice(1).map(own));
}

/**
 * Findings changed (what the alert engine gathered, often one report's): the items about them, of
 * notices still open or closed within their region's reopen window, are read in one query, then each
 * item about a changed rule and subject is re-judged. All linked findings passing marks the item
 * 数据已核验; a verified item whose finding fails again reopens (back to the institution, the notice
 * too if it had closed) and raises an alert on the institution.
 */
export async function onFindingsChangedForNotices(deps: ServiceDeps, all: FindingChange[]): Promise<void> {
  const changes = all.filter((c) => c.from !== c.to);
  if (!changes.length) return;
  const longest = new Date(deps.now().getTime() - NOTICE_MAX_REOPEN_WINDOW_DAYS * 86_400_000).toISOString();
  const items = await itemsForRulesOpenOrClosedSince(deps.db, [...new Set(changes.map((c) => c.ruleId))], longest);
  for (const c of changes) await onFindingChangedForNotices(deps, c, items);
}

async function onFindingChangedForNotices(deps: ServiceDeps, c: FindingChange, items: Awaited<ReturnType<typeof itemsForRulesOpenOrClosedSince>>): Promise<void> {
  const candidates = items.filter((i) => i.rule_id === c.ruleId && (JSON.parse(i.links) as Link[]).some((l) => l.subjectKind === c.subjectKind && l.subjectId === c.subjectId));
  for (const cand of candidates) {
    const moved = await deps.db.transaction().execute(async (tx): Promise<{ notice: NoticeRow; action: 'verified' | 'reopened'; afterClose: boolean } | null> => {
      const notice = await getNotice(tx, { kind: 'all' }, cand.notice_id);
      if (!notice) return null;
      const now = deps.now();
      const afterClose = notice.status === 'closed';
      if (afterClose && !reopenWindowOpen(notice.closed_at!, now, await noticeSettingsFor(tx, notice.institution_region_code))) return null;
      const items = await getNoticeItems(tx, notice.id);
      const item = items.find((i) => i.id === cand.id)!;
      const verified = await verifiedNow(tx, item.rule_id, JSON.parse(item.links) as Link[]);
      if (verified === (item.verified === 1)) return null;
      const at = now.toISOString();
      const system: Actor = { type: 'system' };
      if (verified) {
        await updateNoticeItem(tx, item.id, { verified: 1, updated_at: at });
        await insertNoticeEvent(tx, eventRow(notice.id, item.id, at, system, 'verified', { ruleId: c.ruleId, subjectId: c.subjectId }));
        return { notice, action: 'verified', afterClose };
      }
      const r = applyNoticeAction(stateOf(notice, items), 'system', { type: 'reopen', itemId: item.id, windowOpen: afterClose });
      if (!r.ok) return null;
      const next = r.state.items.find((i) => i.id === item.id)!;
      await updateNoticeItem(tx, item.id, { verified: 0, status: next.status, updated_at: at });
      if (r.state.status !== notice.status) await updateNoticeFrom(tx, notice.id, notice.status, { status: r.state.status, updated_at: at, ...(afterClose ? { closed_at: null } : {}) });
      const detail = { ruleId: c.ruleId, subjectId: c.subjectId, evidence: c.evidence, ...(afterClose ? { closedAt: notice.closed_at } : {}) };
      await insertNoticeEvent(tx, eventRow(notice.id, item.id, at, system, 'reopened', detail));
      return { notice, action: 'reopened', afterClose };
    });
    if (moved) announce(deps, moved.notice, moved.action);
    const reopened = moved?.action === 'reopened' ? moved : null;
    if (reopened) {
      const { number, institution_code, institution_region_code, closed_at } = reopened.notice;
      const when = reopened.afterClose ? { zh: `办结（${closed_at!.slice(0, 10)}）后`, en: ` after closing (${closed_at!.slice(0, 10)})` } : { zh: '', en: '' };
      await raiseAlert(deps, {
        subjectKind: 'institution',
        subjectId: institution_code,
        ruleId: NOTICE_REOPENED_RULE,
        kind: 'finding',
        severity: 'high',
        institutionCode: institution_code,
        regionCode: institution_region_code,
        evidence: {
          zh: `${number}：已核验的整改项${when.zh}再次不合规（${c.ruleId}，${c.evidence.zh}）`,
          en: `${number}: a verified item fails again${when.en} (${c.ruleId}, ${c.evidence.en})`,
        },
      });
    }
  }
}

// ---- deadlines ------------------------------------------------------------------------------------
/**
 * Run daily: one alert per institution with notices past their deadline (its evidence lists them),
 * so the region's channels get one message when it opens, not one per item per run; a repeat only
 * counts. Cleared once none of the institution's notices is overdue.
 */
export async function raiseOverdueNotices(deps: ServiceDeps): Promise<{ overdue: number; institutions: number; cleared: number }> {
  const overdue = await listOverdueNotices(deps.db, chinaDate(deps.now()));
  const byInstitution = new Map<string, typeof overdue>();
  for (const n of overdue) byInstitution.set(n.institution_code, [...(byInstitution.get(n.institution_code) ?? []), n]);
  for (const [code, list] of byInstitution) {
    const numbers = list.map((n) => `${n.number}（${n.deadline}）`).join('、');
    await raiseAlert(deps, {
      subjectKind: 'institution',
      subjectId: code,
      ruleId: NOTICE_OVERDUE_RULE,
      kind: 'deadline',
      severity: 'high',
      institutionCode: code,
      regionCode: list[0]!.institution_region_code,
      evidence: { zh: `${list.length} 份整改通知逾期未办结：${numbers}`, en: `${list.length} rectification notice(s) past their deadline: ${numbers}` },
    });
  }
  let cleared = 0;
  for (const { subject_id } of await institutionsWithOpenAlert(deps.db, NOTICE_OVERDUE_RULE))
    if (
      !byInstitution.has(subject_id) &&
      (await clearAlert(deps, { subjectKind: 'institution', subjectId: subject_id, ruleId: NOTICE_OVERDUE_RULE }, { zh: '逾期整改通知已办结或延期', en: 'no notice is overdue any more' }))
    )
      cleared++;
  return { overdue: overdue.length, institutions: byInstitution.size, cleared };
}
