/**
 * The yearly self-inspection (自查自评): regions publish the year's checklist (tightening only down
 * the tree), institutions fill it in with evidence and submit it, the bureau reviews and may score
 * items itself (现场检查). Templates, states and scores are shared's pure functions; this module adds
 * scope, storage, and the items WeiAn's data judges (pre-filled and locked while the data can judge).
 */
import {
  allowedSelfInspectionActions,
  applySelfInspectionAction,
  chinaDate,
  judgeFromFindings,
  layerProblems,
  resolveTemplate,
  RULE_DATA_BY_ID,
  scoreProblem,
  selfInspectionScores,
  unansweredItems,
  type ChecklistItem,
  type PublishTemplateInput,
  type ResolvedTemplate,
  type SelfInspectionAction,
  type SelfInspectionActor,
  type SelfInspectionAnswer,
  type SelfInspectionStatus,
  type TemplateLayer,
} from '@weian/shared';
import type { z } from 'zod';
import type { ReviewSelfInspectionInput, SaveSelfInspectionAnswerInput } from '@weian/shared';
import type { SelfInspectionChange } from '../eventPayloads.js';
import { badRequest, conflict, forbidden, notFound } from '../errors.js';
import { getInstitutionInScope } from '../storage/institutions.js';
import {
  attachSelfInspectionEvidence,
  getSelfInspection,
  getSelfInspectionEvidenceContent,
  insertSelfInspection,
  institutionFindingStatuses,
  listSelfInspectionEvidence,
  listSelfInspections,
  putTemplateLayer,
  templateLayers,
  updateSelfInspectionFrom,
  type SelfInspectionRow,
  type TemplateLayerRow,
} from '../storage/selfInspection.js';
import type { Db } from '../storage/schema.js';
import type { Principal } from './auth.js';
import type { ServiceDeps } from './deps.js';
import { acceptUpload, type EvidenceBytes } from './evidenceFiles.js';
import { regionChain } from './regions.js';
import { REGION_ROLES } from './scope.js';
import { newId } from './secrets.js';

type Answers = Record<string, SelfInspectionAnswer>;

const layerOf = (r: TemplateLayerRow): TemplateLayer => ({
  regionCode: r.region_code,
  deadline: r.deadline,
  added: JSON.parse(r.added) as ChecklistItem[],
  raised: JSON.parse(r.raised) as Record<string, number>,
  requireEvidence: JSON.parse(r.require_evidence) as string[],
});

/** The chain province → … → `regionCode` as codes (empty for none: the default applies). */
const chainOf = (regionCode: string | null): string[] => (regionCode ? regionChain(regionCode).map((r) => r.code) : []);

/** The year's template as it applies in `regionCode`: the default and every layer from the province down. */
async function templateIn(db: Db, year: number, regionCode: string | null): Promise<ResolvedTemplate> {
  return resolveTemplate((await templateLayers(db, year, chainOf(regionCode))).map(layerOf));
}

// ---- templates ------------------------------------------------------------------------------------
/**
 * The template the caller works with: a bureau's own region (with its own layer), an institution's
 * region, or the default. `layers` says what each level from the province down changed (the editor
 * shows it per item); `inheritedItems` is the floor a bureau's own layer may only raise.
 */
export async function getTemplate(deps: ServiceDeps, principal: Principal, year: number) {
  const regionCode = principal.regionCode;
  const chain = chainOf(regionCode);
  const rows = await templateLayers(deps.db, year, chain);
  const layers = rows.map(layerOf);
  const own = principal.scope.kind === 'region' ? (layers.find((l) => l.regionCode === regionCode) ?? null) : null;
  const inherited = resolveTemplate(layers.filter((l) => l.regionCode !== regionCode || principal.scope.kind !== 'region'));
  const names = new Map(regionCode ? regionChain(regionCode).map((r) => [r.code, r.name]) : []);
  return {
    year,
    regionCode,
    ...resolveTemplate(layers),
    inheritedDeadline: inherited.deadline,
    inheritedItems: inherited.items,
    own,
    layers: layers.map((l, i) => ({ ...l, regionName: names.get(l.regionCode) ?? l.regionCode, publishedAt: rows[i]!.published_at, publishedBy: rows[i]!.published_by })),
  };
}

/** A bureau publishes (or replaces) its region's layer for a year; refused if it would loosen anything set above. */
export async function publishTemplate(deps: ServiceDeps, principal: Principal, input: PublishTemplateInput) {
  if (principal.scope.kind !== 'region' || !principal.scopeCode || !(REGION_ROLES as readonly string[]).includes(principal.role))
    throw forbidden('only a county, city or province health bureau publishes a self-inspection template');
  const regionCode = principal.scopeCode;
  const today = chinaDate(deps.now());
  if (input.deadline && input.deadline < today) throw badRequest(`the deadline ${input.deadline} is already past (today is ${today})`);
  const chain = chainOf(regionCode);
  await deps.db.transaction().execute(async (tx) => {
    const above = (await templateLayers(tx, input.year, chain.slice(0, -1))).map(layerOf);
    const problems = layerProblems(resolveTemplate(above), input);
    if (problems.length) throw badRequest(`自查表只能在上级基础上收紧 / the template may only tighten what is set above: ${problems.join('; ')}`);
    await putTemplateLayer(tx, {
      region_code: regionCode,
      year: input.year,
      deadline: input.deadline,
      added: JSON.stringify(input.added),
      raised: JSON.stringify(input.raised),
      require_evidence: JSON.stringify([...new Set(input.requireEvidence)]),
      published_at: deps.now().toISOString(),
      published_by: principal.username,
    });
  });
  return getTemplate(deps, principal, input.year);
}

// ---- one institution's self-inspection ------------------------------------------------------------
/** The institution (in scope) or a refusal that looks the same whether it exists or not. */
async function visibleInstitution(db: Db, principal: Principal, code: string) {
  const inst = await getInstitutionInScope(db, principal.scope, code);
  if (!inst) throw forbidden(`institution ${code} is not visible to you`);
  return inst;
}

function roleIn(principal: Principal, institution: { code: string; region_code: string }): SelfInspectionActor | null {
  if (principal.scope.kind === 'institution') return principal.scope.code === institution.code ? 'institution' : null;
  if (principal.scope.kind === 'region' && (REGION_ROLES as readonly string[]).includes(principal.role)) return institution.region_code.startsWith(principal.scope.prefix) ? 'reviewer' : null;
  return null;
}

const EDITABLE: ReadonlySet<SelfInspectionStatus> = new Set(['draft', 'returned']);

/**
 * Items WeiAn's findings judge now: answer and score filled from the data, locked. While the
 * self-inspection is open they follow the data; submission freezes them with everything else.
 */
async function judgedByData(db: Db, institutionCode: string, items: readonly ChecklistItem[]): Promise<Answers> {
  const findings = await institutionFindingStatuses(db, institutionCode, [...new Set(items.flatMap((i) => i.ruleIds ?? []))]);
  const out: Answers = {};
  for (const item of items) {
    const v = judgeFromFindings(item, findings);
    if (!v.judged) continue;
    const rules = item.ruleIds!.map((r) => RULE_DATA_BY_ID[r].title.zh).join('、');
    out[item.id] = {
      answer: v.compliant ? `数据核验：${rules}均合规` : `数据核验：${v.failing} 项发现不合规（${rules}）`,
      selfScore: v.compliant ? item.points : 0,
      evidence: [],
      responsible: '系统核验',
      locked: true,
    };
  }
  return out;
}

interface Loaded {
  institution: { code: string; name: string; region_code: string };
  row: SelfInspectionRow | undefined;
  status: SelfInspectionStatus;
  template: ResolvedTemplate;
  answers: Answers;
}

/** The institution's self-inspection as it stands: frozen once submitted, else live template and live data-judged items. */
async function load(db: Db, principal: Principal, institutionCode: string, year: number): Promise<Loaded> {
  const institution = await visibleInstitution(db, principal, institutionCode);
  const row = await getSelfInspection(db, principal.scope, institutionCode, year);
  const status = row?.status ?? 'draft';
  const stored = row ? (JSON.parse(row.answers) as Answers) : {};
  if (row?.template && !EDITABLE.has(status)) return { institution, row, status, template: JSON.parse(row.template) as ResolvedTemplate, answers: stored };
  const template = await templateIn(db, year, institution.region_code);
  // What the institution typed for an item the data now judges is replaced, not merged: the data decides.
  const judged = await judgedByData(db, institutionCode, template.items);
  const answers = { ...stored, ...judged };
  // Frozen by an earlier submission but no longer judged by the data: the institution answers it.
  for (const [id, a] of Object.entries(stored)) if (a.locked && !judged[id]) delete answers[id];
  return { institution, row, status, template, answers };
}

export async function getSelfInspectionView(deps: ServiceDeps, principal: Principal, institutionCode: string, year: number) {
  const s = await load(deps.db, principal, institutionCode, year);
  const role = roleIn(principal, s.institution);
  const evidence = s.row ? await listSelfInspectionEvidence(deps.db, s.row.id) : [];
  const today = chinaDate(deps.now());
  return {
    year,
    institutionCode: s.institution.code,
    institutionName: s.institution.name,
    regionCode: s.institution.region_code,
    status: s.status,
    started: !!s.row,
    deadline: s.template.deadline,
    overdue: !!s.template.deadline && EDITABLE.has(s.status) && today > s.template.deadline,
    late: s.row?.late === 1,
    items: s.template.items,
    answers: s.answers,
    scores: selfInspectionScores(s.template.items, s.answers),
    unanswered: unansweredItems(s.template.items, s.answers),
    evidence: evidence.map((e) => ({ sha256: e.sha256, name: e.name, size: e.size, type: e.type, uploadedAt: e.uploaded_at, uploadedBy: e.uploaded_by })),
    submittedAt: s.row?.submitted_at ?? null,
    reviewedAt: s.row?.reviewed_at ?? null,
    reviewedBy: s.row?.reviewed_by ?? null,
    reviewComment: s.row?.review_comment ?? null,
    /** What the caller may do now (none for administrators and readers outside the line of review). */
    actions: role ? allowedSelfInspectionActions(s.status, role) : [],
  };
}

/**
 * One change in a transaction: loads (creating the draft on first touch), checks the caller's
 * relation and the state machine, writes only if nobody changed the row meanwhile.
 */
async function change(
  deps: ServiceDeps,
  principal: Principal,
  institutionCode: string,
  year: number,
  action: SelfInspectionAction,
  write: (s: Loaded & { row: SelfInspectionRow }, at: string, tx: Db) => Promise<Partial<SelfInspectionRow>>,
): Promise<void> {
  const changed: SelfInspectionChange = await deps.db.transaction().execute(async (tx) => {
    const institution = await visibleInstitution(tx, principal, institutionCode);
    const role = roleIn(principal, institution);
    if (!role) throw forbidden(`you may read the self-inspection of ${institutionCode} but not act on it`);
    const at = deps.now().toISOString();
    if (action.type === 'save' && role === 'institution' && !(await getSelfInspection(tx, principal.scope, institutionCode, year)))
      await insertSelfInspection(tx, {
        id: newId('si'),
        institution_code: institution.code,
        institution_region_code: institution.region_code,
        year,
        status: 'draft',
        answers: '{}',
        template: null,
        submitted_at: null,
        late: 0,
        self_score: null,
        final_score: null,
        percent: null,
        reviewed_at: null,
        reviewed_by: null,
        review_comment: null,
        updated_at: at,
      });
    const s = await load(tx, principal, institutionCode, year);
    if (!s.row) throw conflict(`${institutionCode} has not started its ${year} self-inspection: there is nothing to ${action.type}`);
    const r = applySelfInspectionAction(s.status, role, action);
    if (!r.ok) throw (r.reason.startsWith('only the') ? forbidden : conflict)(`${institutionCode} ${year}: ${r.reason}`);
    const set = await write({ ...s, row: s.row }, at, tx);
    const moved = await updateSelfInspectionFrom(tx, s.row.id, s.status, s.row.updated_at, { ...set, status: r.status, updated_at: at });
    if (!moved) throw conflict(`the ${year} self-inspection of ${institutionCode} changed meanwhile: reload it and try again`);
    return { institutionCode: institution.code, regionCode: institution.region_code, year, action: action.type, at };
  });
  // Told once it is committed, never for a refusal.
  deps.bus.emit('selfInspection.changed', changed);
}

const ownInstitution = (principal: Principal): string => {
  if (principal.scope.kind !== 'institution') throw forbidden('only an institution fills in its self-inspection');
  return principal.scope.code;
};

const itemOf = (template: ResolvedTemplate, itemId: string): ChecklistItem => {
  const item = template.items.find((i) => i.id === itemId);
  if (!item) throw badRequest(`item ${itemId} is not in this year's checklist`);
  return item;
};

export async function saveSelfInspectionAnswer(deps: ServiceDeps, principal: Principal, input: z.infer<typeof SaveSelfInspectionAnswerInput>) {
  const code = ownInstitution(principal);
  await change(deps, principal, code, input.year, { type: 'save' }, async (s, _at, tx) => {
    const item = itemOf(s.template, input.itemId);
    if (s.answers[item.id]?.locked) throw conflict(`${item.id} is judged from WeiAn's data (${item.ruleIds!.join(', ')}): fix the findings, the item follows`);
    const bad = scoreProblem(item, input.selfScore);
    if (bad) throw badRequest(bad);
    const uploaded = new Set((await listSelfInspectionEvidence(tx, s.row.id)).map((e) => e.sha256));
    const missing = input.evidence.filter((h) => !uploaded.has(h));
    if (missing.length) throw badRequest(`evidence ${missing.join(', ')} was not uploaded to this self-inspection`);
    const stored = JSON.parse(s.row.answers) as Answers;
    const previous = stored[item.id];
    stored[item.id] = {
      answer: input.answer,
      selfScore: input.selfScore,
      evidence: [...new Set(input.evidence)],
      responsible: input.responsible,
      // A returned self-inspection keeps the bureau's scores in view until it is reviewed again.
      ...(previous?.reviewScore !== undefined ? { reviewScore: previous.reviewScore } : {}),
      ...(previous?.reviewComment ? { reviewComment: previous.reviewComment } : {}),
    };
    return { answers: JSON.stringify(stored) };
  });
  return getSelfInspectionView(deps, principal, code, input.year);
}

export async function uploadSelfInspectionEvidence(deps: ServiceDeps, principal: Principal, input: EvidenceBytes & { year: number }) {
  const code = ownInstitution(principal);
  const at = deps.now().toISOString();
  const accepted = acceptUpload(input, at);
  await change(deps, principal, code, input.year, { type: 'save' }, async (s, _at, tx) => {
    await attachSelfInspectionEvidence(tx, accepted.file, { inspection_id: s.row.id, sha256: accepted.sha256, name: input.name, uploaded_at: at, uploaded_by: principal.username });
    return {};
  });
  return { sha256: accepted.sha256, size: accepted.size, type: accepted.type };
}

/** Submission freezes the template and the data-judged items; after the region's deadline it is taken and marked late. */
export async function submitSelfInspection(deps: ServiceDeps, principal: Principal, year: number) {
  const code = ownInstitution(principal);
  await change(deps, principal, code, year, { type: 'submit' }, async (s, at) => {
    const open = unansweredItems(s.template.items, s.answers);
    if (open.length) throw badRequest(`${open.length} item(s) have no answer, responsible person or required evidence file yet: ${open.join(', ')}`);
    const scores = selfInspectionScores(s.template.items, s.answers);
    const late = s.template.deadline && chinaDate(new Date(at)) > s.template.deadline ? 1 : 0;
    return { answers: JSON.stringify(s.answers), template: JSON.stringify(s.template), submitted_at: at, late, self_score: scores.self, final_score: scores.final, percent: scores.percent };
  });
  return getSelfInspectionView(deps, principal, code, year);
}

/** The bureau accepts or returns; item scores it gives (现场检查) replace the self-scores in the final score. */
export async function reviewSelfInspection(deps: ServiceDeps, principal: Principal, input: z.infer<typeof ReviewSelfInspectionInput>) {
  await change(deps, principal, input.institutionCode, input.year, { type: 'review', decision: input.decision }, async (s, at) => {
    const answers = { ...s.answers };
    for (const sc of input.scores) {
      const item = itemOf(s.template, sc.itemId);
      const bad = scoreProblem(item, sc.score);
      if (bad) throw badRequest(bad);
      answers[item.id] = { ...answers[item.id]!, reviewScore: sc.score, ...(sc.comment ? { reviewComment: sc.comment } : {}) };
    }
    const scores = selfInspectionScores(s.template.items, answers);
    return {
      answers: JSON.stringify(answers),
      final_score: scores.final,
      percent: scores.percent,
      reviewed_at: at,
      reviewed_by: principal.username,
      review_comment: input.comment ?? null,
      // Returned: the institution works on the live template again; the next submission freezes it anew.
      ...(input.decision === 'return' ? { template: null } : {}),
    };
  });
  return getSelfInspectionView(deps, principal, input.institutionCode, input.year);
}

/** The file, only to those who see the institution. */
export async function downloadSelfInspectionEvidence(deps: ServiceDeps, principal: Principal, institutionCode: string, year: number, sha256: string) {
  await visibleInstitution(deps.db, principal, institutionCode);
  const row = await getSelfInspection(deps.db, principal.scope, institutionCode, year);
  const file = row && (await getSelfInspectionEvidenceContent(deps.db, row.id, sha256));
  if (!file) throw notFound(`no evidence ${sha256} on this self-inspection`);
  return { name: file.name, type: file.type, size: file.size, contentBase64: file.content };
}

/** Institutions in scope and where each stands for the year (null status: not started). */
export async function listSelfInspectionViews(deps: ServiceDeps, principal: Principal, year: number) {
  const rows = await listSelfInspections(deps.db, principal.scope, year);
  return rows.map((r) => ({
    institutionCode: r.code,
    institutionName: r.name,
    regionCode: r.region_code,
    status: (r.status ?? null) as SelfInspectionStatus | null,
    submittedAt: r.submitted_at ?? null,
    late: r.late === 1,
    selfScore: r.self_score ?? null,
    finalScore: r.final_score ?? null,
    percent: r.percent ?? null,
  }));
}
