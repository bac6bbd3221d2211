import { computed, ref } from 'vue';
import type { ApiError } from '../api/errors.js';
import { dataRegisterApi, type DataRegisterEntryInput, type ImportantDataFiling } from '../api/dataRegister.js';
import { hostsOfInstitution } from '../api/hosts.js';
import { institutionsApi, type ExceptionInput, type GovernanceInput } from '../api/institutions.js';
import { roleCan } from '../lib/access.js';
import { useSessionStore } from '../stores/session.js';
import { useResource } from './useResource.js';

/**
 * One institution: its score, hosts, findings and records, and the record edits its own users
 * make. An edit re-reads records, score and findings, which the server re-evaluates on every edit.
 */
export function useInstitution(code: () => string) {
  const session = useSessionStore();
  const detail = useResource(code, institutionsApi.get);
  const records = useResource(code, institutionsApi.records);
  const findings = useResource(code, institutionsApi.findings);
  const hosts = useResource(code, hostsOfInstitution);
  const dataRegister = useResource(code, dataRegisterApi.get);
  const canEdit = computed(() => roleCan(session.user?.role, 'records:write'));
  const busy = ref(false);
  const error = ref<ApiError | null>(null);
  const hostNames = computed(() => new Map((hosts.resource.data ?? []).map((h) => [h.id, h.hostname])));

  async function edit(work: () => Promise<unknown>): Promise<boolean> {
    busy.value = true;
    error.value = null;
    try {
      await work();
      await Promise.all([records.reload(), detail.reload(), findings.reload(), dataRegister.reload()]);
      return true;
    } catch (e) {
      error.value = e as ApiError;
      return false;
    } finally {
      busy.value = false;
    }
  }

  return {
    detail,
    records,
    findings,
    hosts,
    dataRegister,
    hostNames,
    canEdit,
    busy,
    error,
    addGovernance: (record: GovernanceInput) => edit(() => institutionsApi.addGovernance(code(), record)),
    removeGovernance: (id: string) => edit(() => institutionsApi.removeGovernance(code(), id)),
    addException: (exception: ExceptionInput) => edit(() => institutionsApi.addException(code(), exception)),
    removeException: (id: string) => edit(() => institutionsApi.removeException(code(), id)),
    saveDataEntry: (entry: DataRegisterEntryInput, id?: string) => edit(() => dataRegisterApi.saveEntry(code(), entry, id)),
    removeDataEntry: (id: string) => edit(() => dataRegisterApi.removeEntry(code(), id)),
    saveDataFiling: (filing: ImportantDataFiling) => edit(() => dataRegisterApi.saveFiling(code(), filing)),
  };
}
