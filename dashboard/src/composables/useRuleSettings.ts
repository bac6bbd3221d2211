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

/** The rule catalogue with the region's thresholds, its weak-credential check and its scanners' schedule, edited as a draft and saved at once. */
export function useRuleSettings(regionCode: () => string | null) {
  const session = useSessionStore();
  const rules = useResource(
    () => 'rules',
    () => adminApi.rules(),
  );
  const settings = useResource(regionCode, regionsApi.settings);
  const draft = ref<RuleOverrides>([]);
  const saved = ref(false);
  /**
   * A settings section this level may only tighten, edited beside the rules: absent (never set here) stays
   * absent until changed, the levels above deciding meanwhile; `inherited` is what they set.
   */
  function section<K extends 'credentialChecks' | 'scanning'>(key: K, defaults: NonNullable<RegionSettings[K]>) {
    type Value = NonNullable<RegionSettings[K]>;
    const own = ref<Value | undefined>(undefined);
    watch(
      () => settings.resource.data,
      (s) => (own.value = s?.settings[key] ? (structuredClone(toRaw(s.settings[key])) as Value) : undefined),
      { immediate: true },
    );
    const inherited = computed(() => settings.resource.data?.inherited[key] ?? null);
    const set = (change: Partial<Value>) => {
      own.value = { ...(own.value ?? defaults), ...change } as Value;
      saved.value = false;
    };
    const changed = () => JSON.stringify(own.value ?? null) !== JSON.stringify(settings.resource.data?.settings[key] ?? null);
    return { own, inherited, set, changed };
  }
  watch(
    () => settings.resource.data,
    (s) => (draft.value = s ? draftOf(s.settings.rules) : []),
    { immediate: true },
  );
  const credentialChecks = section('credentialChecks', CREDENTIAL_CHECK_DEFAULTS);
  const scanning = section('scanning', {});
  const canEdit = computed(() => roleCan(session.user?.role, 'settings:write'));
  const dirty = computed(() => JSON.stringify(draft.value) !== JSON.stringify(settings.resource.data?.settings.rules ?? []) || credentialChecks.changed() || scanning.changed());
  const saving = ref(false);
  const error = ref<ApiError | null>(null);

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
      await regionsApi.putSettings(code, { ...settings.resource.data.settings, rules: draft.value, credentialChecks: credentialChecks.own.value, scanning: scanning.own.value });
      await settings.reload();
      saved.value = true;
    } catch (e) {
      error.value = e as ApiError;
    } finally {
      saving.value = false;
    }
  }
  return {
    rules,
    settings,
    canEdit,
    dirty,
    saving,
    error,
    saved,
    value,
    set,
    save,
    checks: credentialChecks.own,
    inheritedChecks: credentialChecks.inherited,
    setChecks: credentialChecks.set,
    scanning: scanning.own,
    inheritedScanning: scanning.inherited,
    setScanning: scanning.set,
  };
}
