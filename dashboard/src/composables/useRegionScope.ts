import { isRegionCode } from '@weian/shared';
import { computed } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { useRegionsStore } from '../stores/regions.js';

/**
 * The region every region-scoped view shows: `?region=` in the URL, so a link or a reload keeps
 * it, else the user's home region. Choosing one in the tree keeps the current view when it is
 * scoped by region and opens the overview otherwise.
 */
export function useRegionScope() {
  const route = useRoute();
  const router = useRouter();
  const regions = useRegionsStore();
  void regions.ensure();

  const regionCode = computed(() => {
    const q = route.query.region;
    return typeof q === 'string' && isRegionCode(q) ? q : regions.home;
  });

  function selectRegion(code: string) {
    // Another region starts at the first page of a paged view (the rankings): its page 3 may not exist.
    if (route.meta.regionScoped) void router.push({ path: route.path, query: { ...route.query, region: code, page: undefined } });
    else void router.push({ name: 'overview', query: { region: code } });
  }
  function openInstitution(code: string) {
    void router.push({ name: 'institution', params: { code }, query: regionCode.value ? { region: regionCode.value } : {} });
  }
  return { regionCode, selectRegion, openInstitution };
}
