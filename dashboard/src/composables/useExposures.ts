import { computed, onBeforeUnmount, watch } from 'vue';
import { exposureApi } from '../api/exposure.js';
import { exposuresIn } from '../lib/exposures.js';
import { useAlertsStore } from '../stores/alerts.js';
import { useResource } from './useResource.js';

/**
 * What the scanners saw open, for a region or one institution. Live: a new exposure opens an EXT-*
 * alert, which the alerts subscription (kept by the layout) brings; the list is read again then.
 */
export function useExposures(where: () => { regionCode?: string | null; institutionCode?: string | null }) {
  const all = useResource(
    () => 'exposures',
    () => exposureApi.observations(),
  );
  const alerts = useAlertsStore();
  const release = alerts.watchLive();
  onBeforeUnmount(release);
  watch(
    () => alerts.feed[0],
    (latest) => {
      if (latest && latest.change === 'opened' && latest.alert.ruleId.startsWith('EXT-')) void all.reload();
    },
  );
  const rows = computed(() => exposuresIn(all.resource.data ?? [], where()));
  return { ...all, rows };
}
