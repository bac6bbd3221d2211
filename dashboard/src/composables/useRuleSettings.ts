import { computed, ref, toRaw, watch } from 'vue';
import { adminApi } from '../api/admin.js';
import type { ApiError } from '../api/errors.js';
import { regionsApi, type RegionSettings } from '../api/regions.js';
import { roleCan } from '../lib/access.js';
import { draftOf, thresholdValue, withThreshold, type RuleOverrides } from '../lib/ruleSettings.js';
import { useSessionStore } from '../stores/session.js';
import { useResource } from './useResource.js';

type CredentialChecks = NonNullable<RegionSettings['credentialChecks']>;
/** The check's defaults (shared/src/schemas/credentials.ts): a region that has never set it starts here. */
export const CREDENTIAL_CHECK_DEFAULTS: CredentialChecks = { enabled: false, words: [], initials: [], cpuBudgetMsPerDay: 60_000 };

/** The rule catalogue with the region's thresholds and its weak-credential check, edited as a draft and saved at once. */
export function useRuleSettings(regionCode: () => string | null) {
  const session = useSessionStore();
  const rules = useResource(
    () => 'rules',
    () => adminApi.rules(),
  );
  const settings = useResource(regionCode, regionsApi.settings);
  const draft = ref<RuleOverrides>([]);
  // Absent (never set here) stays absent until changed: the levels above decide meanwhile.
  const checks = ref<CredentialChecks | undefined>(undefined);
  watch(
    () => settings.resource.data,
    (s) => {
      draft.value = s ? draftOf(s.settings.rules) : [];
      checks.value = s?.settings.credentialChecks ? structuredClone(toRaw(s.settings.credentialChecks)) : undefined;
    },
    { immediate: true },
  );
  /** What the levels above set: this level may only add to it (the server refuses the rest). */
  const inheritedChecks = computed(() => settings.resource.data?.inherited.credentialChecks ?? null);
  const setChecks = (change: Partial<CredentialChecks>) => {
    checks.value = { ...(checks.value ?? CREDENTIAL_CHECK_DEFAULTS), ...change };
    saved.value = false;
  };
  const canEdit = computed(() => roleCan(session.user?.role, 'settings:write'));
  const dirty = computed(
    () =>
      JSON.stringify(draft.value) !== JSON.stringify(settings.resource.data?.settings.rules ?? []) ||
      JSON.stringify(checks.value ?? null) !== JSON.stringify(settings.resource.data?.settings.credentialChecks ?? null),
  );
  const saving = ref(false);
  const error = ref<ApiError | null>(null);
  const saved = ref(false);

  const value = (ruleId: string, key: string, fallback: number | boolean) => thresholdValue(draft.value, ruleId, key, fallback);
  const set = (ruleId: string, key: string, v: number | boolean, fallback: number | boolean) => {
    draft.value = withThreshold(draft.value, ruleId, key, v, fallback);
    saved.value = false;
  };
  async function save() {
    const code = regionCode();
    if (!code || !settings.resource.data) return;
    saving.value = true;
    error.value = null;
    try {
      await regionsApi.putSettings(code, { ...settings.resource.data.settings, rules: draft.value, credentialChecks: checks.value });
      await settings.reload();
      saved.value = true;
    } catch (e) {
      error.value = e as ApiError;
    } finally {
      saving.value = false;
    }
  }
  return { rules, settings, canEdit, dirty, saving, error, saved, value, set, save, checks, inheritedChecks, setChecks };
}
