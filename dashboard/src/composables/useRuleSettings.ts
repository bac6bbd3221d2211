import { computed, ref, watch } from 'vue';
import { adminApi } from '../api/admin.js';
import type { ApiError } from '../api/errors.js';
import { regionsApi } from '../api/regions.js';
import { roleCan } from '../lib/access.js';
import { draftOf, thresholdValue, withThreshold, type RuleOverrides } from '../lib/ruleSettings.js';
import { useSessionStore } from '../stores/session.js';
import { useResource } from './useResource.js';

/** The rule catalogue with the region's thresholds, edited as a draft and saved at once. */
export function useRuleSettings(regionCode: () => string | null) {
  const session = useSessionStore();
  const rules = useResource(
    () => 'rules',
    () => adminApi.rules(),
  );
  const settings = useResource(regionCode, regionsApi.settings);
  const draft = ref<RuleOverrides>([]);
  watch(
    () => settings.resource.data,
    (s) => (draft.value = s ? draftOf(s.settings.rules) : []),
    { immediate: true },
  );
  const canEdit = computed(() => roleCan(session.user?.role, 'settings:write'));
  const dirty = computed(() => JSON.stringify(draft.value) !== JSON.stringify(settings.resource.data?.settings.rules ?? []));
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
      await regionsApi.putSettings(code, { ...settings.resource.data.settings, rules: draft.value });
      await settings.reload();
      saved.value = true;
    } catch (e) {
      error.value = e as ApiError;
    } finally {
      saving.value = false;
    }
  }
  return { rules, settings, canEdit, dirty, saving, error, saved, value, set, save };
}
