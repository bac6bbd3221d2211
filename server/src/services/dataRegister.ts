import { chinaDate, DATA_REGISTER_LIMITS, DataRegisterEntryInput, governanceDeadline, ImportantDataFilingInput } from '@weian/shared';
import { badRequest, forbidden } from '../errors.js';
import { deleteDataRegisterEntry, entryOf, getDataRegister, listDataRegisterEntries, touchDataRegister, upsertDataRegister, upsertDataRegisterEntry } from '../storage/dataRegister.js';
import { governanceOf } from '../storage/mappers.js';
import { listGovernance, loadSystems } from '../storage/records.js';
import type { Principal } from './auth.js';
import type { ServiceDeps } from './deps.js';
import { editAndReevaluate, ownInstitution } from './records.js';
import { newId } from './secrets.js';
import { settingsForRegion } from './settings.js';

/**
 * The data register (数据目录) of an institution: entries by GB/T 39725 category, the important-data
 * filing. Every edit re-judges the institution (data rules, INST-MLPS-EVALUATION's level-2 cycle).
 * The yearly review (M20) is a governance record of kind data-inventory, judged by INST-DATA-INVENTORY.
 */
type Scope = Principal['scope'];

export async function dataRegisterView(deps: ServiceDeps, scope: Scope, code: string) {
  const inst = await ownInstitution(deps.db, scope, code);
  const settings = await settingsForRegion(deps.db, inst.region_code);
  const header = await getDataRegister(deps.db, code);
  const systems = (await loadSystems(deps.db, code)).map((s) => ({ id: s.id, name: s.name, level: s.level, retiredOn: s.retiredOn }));
  const governance = (await listGovernance(deps.db, code)).map(governanceOf);
  return {
    institutionCode: code,
    entries: (await listDataRegisterEntries(deps.db, code)).map(entryOf),
    importantDataFiledOn: header?.important_filed_on ?? null,
    importantDataReceipt: header?.important_receipt ?? null,
    updatedAt: header?.updated_at ?? null,
    updatedBy: header?.updated_by ?? null,
    systems,
    review: governanceDeadline(governance, 'data-inventory', deps.now(), { dueSoonDays: settings.dueSoonDays }),
  };
}

export async function saveDataRegisterEntry(deps: ServiceDeps, principal: Principal, code: string, input: DataRegisterEntryInput & { id?: string | undefined }) {
  await ownInstitution(deps.db, principal.scope, code);
  const entry = DataRegisterEntryInput.parse(input);
  const systems = await loadSystems(deps.db, code);
  const known = new Set(systems.map((s) => s.id));
  for (const id of entry.systemIds) if (!known.has(id)) throw badRequest(`MLPS system ${id} is not one of this institution's systems`);
  const existing = await listDataRegisterEntries(deps.db, code);
  // The hosts of the systems named before and after: their log-retention minimum may change (HOST-LOG-RETENTION).
  const before = existing.find((e) => e.id === input.id);
  const named = new Set([...entry.systemIds, ...(before ? (JSON.parse(before.system_ids) as string[]) : [])]);
  const hosts = [...new Set(systems.filter((s) => named.has(s.id)).flatMap((s) => s.hostIds))];
  if (input.id && !existing.some((e) => e.id === input.id)) throw forbidden(`register entry ${input.id} is not one of this institution's`);
  if (!input.id && existing.length >= DATA_REGISTER_LIMITS.entries) throw badRequest(`a data register holds at most ${DATA_REGISTER_LIMITS.entries} entries`);
  const id = input.id ?? newId('dre');
  const at = deps.now().toISOString();
  await editAndReevaluate(
    deps,
    code,
    async (tx) => {
      await upsertDataRegisterEntry(tx, {
        id,
        institution_code: code,
        category: entry.category,
        level: entry.level,
        volume: entry.volume,
        system_ids: JSON.stringify(entry.systemIds),
        note: entry.note?.trim() || null,
        updated_at: at,
        updated_by: principal.username,
      });
      await touchDataRegister(tx, code, at, principal.username);
    },
    hosts,
  );
  return { id };
}

export async function removeDataRegisterEntry(deps: ServiceDeps, principal: Principal, code: string, id: string) {
  await ownInstitution(deps.db, principal.scope, code);
  const at = deps.now().toISOString();
  const entry = (await listDataRegisterEntries(deps.db, code)).find((e) => e.id === id);
  const named = new Set(entry ? (JSON.parse(entry.system_ids) as string[]) : []);
  const hosts = (await loadSystems(deps.db, code)).filter((s) => named.has(s.id)).flatMap((s) => s.hostIds);
  const removed = await editAndReevaluate(
    deps,
    code,
    async (tx) => {
      const gone = await deleteDataRegisterEntry(tx, code, id);
      if (gone) await touchDataRegister(tx, code, at, principal.username);
      return gone;
    },
    [...new Set(hosts)],
  );
  if (!removed) throw forbidden(`register entry ${id} is not one of this institution's`);
  return { id };
}

/** Filing of the important-data catalogue with the local health department (date and receipt), or its withdrawal (both null). */
export async function saveImportantDataFiling(deps: ServiceDeps, principal: Principal, code: string, input: ImportantDataFilingInput) {
  await ownInstitution(deps.db, principal.scope, code);
  const f = ImportantDataFilingInput.parse(input);
  if (f.filedOn !== null && f.filedOn > chinaDate(deps.now())) throw badRequest('a filing cannot be dated in the future');
  await editAndReevaluate(deps, code, (tx) =>
    upsertDataRegister(tx, {
      institution_code: code,
      important_filed_on: f.filedOn,
      important_receipt: f.filedOn === null ? null : f.receipt,
      updated_at: deps.now().toISOString(),
      updated_by: principal.username,
    }),
  );
  return { filedOn: f.filedOn };
}
