import { GovernanceRecordInput, MlpsSystemInput, RiskExceptionInput, chinaDate, governanceDeadline, mlpsDeadlines, GOVERNANCE_KINDS } from '@weian/shared';
import { badRequest, forbidden } from '../errors.js';
import { getHost } from '../storage/hosts.js';
import { getInstitutionInScope } from '../storage/institutions.js';
import { exceptionOf, governanceOf } from '../storage/mappers.js';
import { deleteGovernance, deleteMlpsSystem, insertException, insertGovernance, listExceptions, listGovernance, loadSystems, upsertMlpsSystem, withdrawException } from '../storage/records.js';
import type { Db } from '../storage/schema.js';
import type { Principal } from './auth.js';
import type { ServiceDeps } from './deps.js';
import { evaluateHostNow, evaluateInstitutionNow, type FindingChange } from './evaluation.js';
import { newId } from './secrets.js';
import { settingsForRegion } from './settings.js';
import { workingCalendarFor } from './workingCalendar.js';

type Scope = Principal['scope'];

export async function ownInstitution(db: Db, scope: Scope, code: string) {
  const inst = await getInstitutionInScope(db, scope, code);
  if (!inst) throw forbidden(`institution ${code} is not visible to you`);
  return inst;
}

/** Record edits re-judge the institution at once, then tell live views and alerts what changed. */
export async function editAndReevaluate<T>(deps: ServiceDeps, code: string, edit: (tx: Db) => Promise<T>, alsoHosts: string[] = []): Promise<T> {
  const { result, changes } = await deps.db.transaction().execute(async (tx) => {
    const result = await edit(tx);
    const changes: FindingChange[] = [];
    // Membership of MLPS systems changes hosts' levels (backup rules): re-judge those hosts too.
    for (const hostId of alsoHosts) changes.push(...(await evaluateHostNow(deps, tx, hostId)));
    changes.push(...(await evaluateInstitutionNow(deps, tx, code)));
    return { result, changes };
  });
  for (const c of changes) deps.bus.emit('finding.changed', c);
  return result;
}

export async function institutionRecords(deps: ServiceDeps, scope: Scope, code: string) {
  const inst = await ownInstitution(deps.db, scope, code);
  const now = deps.now();
  const settings = await settingsForRegion(deps.db, inst.region_code);
  const systems = await loadSystems(deps.db, code);
  const governance = (await listGovernance(deps.db, code)).map(governanceOf);
  const calendar = await workingCalendarFor(deps);
  return {
    systems: systems.map((s) => ({ ...s, deadlines: mlpsDeadlines(s, now, { dueSoonDays: settings.dueSoonDays, calendar }) })),
    governance,
    governanceDeadlines: GOVERNANCE_KINDS.map((kind) => ({ kind, ...governanceDeadline(governance, kind, now, { dueSoonDays: settings.dueSoonDays }) })),
    exceptions: (await listExceptions(deps.db, { institutionCode: code })).map((r) => ({
      ...exceptionOf(r),
      createdAt: r.created_at,
      createdBy: r.created_by,
      active: r.expires_on >= chinaDate(now),
    })),
  };
}

export async function saveMlpsSystem(deps: ServiceDeps, principal: Principal, code: string, input: MlpsSystemInput & { id?: string | undefined }) {
  await ownInstitution(deps.db, principal.scope, code);
  const system = MlpsSystemInput.parse(input);
  // Hosts named must belong to this institution: a system cannot claim another hospital's servers.
  for (const hostId of system.hostIds) {
    const host = await getHost(deps.db, principal.scope, hostId);
    if (!host || host.institution_code !== code) throw badRequest(`host ${hostId} is not one of this institution's hosts`);
  }
  const before = (await loadSystems(deps.db, code)).find((s) => s.id === input.id);
  if (input.id && !before) throw forbidden(`MLPS system ${input.id} is not one of this institution's`);
  const id = input.id ?? newId('sys');
  const affected = [...new Set([...(before?.hostIds ?? []), ...system.hostIds])];
  await editAndReevaluate(
    deps,
    code,
    (tx) =>
      upsertMlpsSystem(
        tx,
        {
          id,
          institution_code: code,
          name: system.name,
          level: system.level,
          critical_infrastructure: system.criticalInfrastructure ? 1 : 0,
          personal_info_over_100k: system.personalInfoOver100k ? 1 : 0,
          graded_on: system.gradedOn,
          filed_on: system.filedOn,
          last_evaluated_on: system.lastEvaluatedOn,
          went_live_on: system.wentLiveOn,
          prelaunch_tested_on: system.prelaunchTestedOn,
          retired_on: system.retiredOn,
          updated_at: deps.now().toISOString(),
        },
        system.hostIds,
      ),
    affected,
  );
  return { id };
}

export async function removeMlpsSystem(deps: ServiceDeps, principal: Principal, code: string, id: string) {
  await ownInstitution(deps.db, principal.scope, code);
  const before = (await loadSystems(deps.db, code)).find((s) => s.id === id);
  if (!before) throw forbidden(`MLPS system ${id} is not one of this institution's`);
  await editAndReevaluate(deps, code, (tx) => deleteMlpsSystem(tx, code, id), before.hostIds);
  return { id };
}

export async function addGovernanceRecord(deps: ServiceDeps, principal: Principal, code: string, input: GovernanceRecordInput) {
  await ownInstitution(deps.db, principal.scope, code);
  const r = GovernanceRecordInput.parse(input);
  if (r.date > chinaDate(deps.now())) throw badRequest('a governance record cannot be dated in the future');
  const id = newId('gov');
  await editAndReevaluate(deps, code, (tx) =>
    insertGovernance(tx, {
      id,
      institution_code: code,
      kind: r.kind,
      date: r.date,
      vulnerability_scan: r.kind === 'self-inspection' ? (r.vulnerabilityScan ? 1 : 0) : null,
      penetration_test: r.kind === 'self-inspection' ? (r.penetrationTest ? 1 : 0) : null,
      note: r.note ?? null,
      created_at: deps.now().toISOString(),
      created_by: principal.username,
    }),
  );
  return { id };
}

export async function removeGovernanceRecord(deps: ServiceDeps, principal: Principal, code: string, id: string) {
  await ownInstitution(deps.db, principal.scope, code);
  const removed = await editAndReevaluate(deps, code, (tx) => deleteGovernance(tx, code, id));
  if (!removed) throw forbidden(`record ${id} is not one of this institution's`);
  return { id };
}

/** Risk acceptance (风险接受): shown, excluded from scores until it expires; audited by the mutation middleware. */
export async function addException(deps: ServiceDeps, principal: Principal, code: string, input: RiskExceptionInput) {
  await ownInstitution(deps.db, principal.scope, code);
  const e = RiskExceptionInput.parse(input);
  if (e.expiresOn < chinaDate(deps.now())) throw badRequest('the exception would already have expired');
  if (e.subject.kind === 'institution' && e.subject.id !== code) throw badRequest('an institution exception must name this institution');
  if (e.subject.kind === 'host') {
    const host = await getHost(deps.db, principal.scope, e.subject.id);
    if (!host || host.institution_code !== code) throw badRequest(`host ${e.subject.id} is not one of this institution's hosts`);
  }
  const id = newId('exc');
  await editAndReevaluate(
    deps,
    code,
    (tx) =>
      insertException(tx, {
        id,
        institution_code: code,
        subject_kind: e.subject.kind,
        subject_id: e.subject.id,
        rule_id: e.ruleId,
        reason: e.reason,
        approver: e.approver,
        expires_on: e.expiresOn,
        created_at: deps.now().toISOString(),
        created_by: principal.username,
        withdrawn_at: null,
      }),
    e.subject.kind === 'host' ? [e.subject.id] : [],
  );
  return { id };
}

export async function removeException(deps: ServiceDeps, principal: Principal, code: string, id: string) {
  await ownInstitution(deps.db, principal.scope, code);
  const { result } = await deps.db.transaction().execute(async (tx) => ({ result: await withdrawException(tx, code, id, deps.now().toISOString()) }));
  if (!result) throw forbidden(`exception ${id} is not one of this institution's`);
  await editAndReevaluate(deps, code, async () => undefined, result.subject_kind === 'host' ? [result.subject_id] : []);
  return { id };
}
