import { computed, reactive } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { exportUrl } from '../api/exports.js';
import { institutionsApi } from '../api/institutions.js';
import { filterRankings, recentPeriods, typesOf, type RankingFilter } from '../lib/rankings.js';
import { useRegionScope } from './useRegionScope.js';
import { useResource } from './useResource.js';

/** The ranking of the region in the URL for the period in the URL, filtered on screen, with its export links. */
export function useRankings() {
  const route = useRoute();
  const router = useRouter();
  const { regionCode } = useRegionScope();
  const periods = recentPeriods(new Date(), 12);
  const period = computed({
    get: () => (typeof route.query.period === 'string' && periods.includes(route.query.period) ? route.query.period : periods[0]!),
    set: (p: string) => void router.replace({ query: { ...route.query, period: p === periods[0] ? undefined : p } }),
  });
  const key = computed(() => (regionCode.value ? `${regionCode.value}|${period.value}` : null));
  const { resource, reload } = useResource(key, (k) => {
    const [region, p] = k.split('|') as [string, string];
    return institutionsApi.ranking(region, p === periods[0] ? undefined : p);
  });
  const filter = reactive<RankingFilter>({ types: [], grades: [], text: '' });
  const rows = computed(() => (resource.data ? filterRankings(resource.data.rows, filter) : []));
  const types = computed(() => (resource.data ? typesOf(resource.data.rows) : []));
  const exports = computed(() => {
    if (!regionCode.value) return {};
    const p = period.value === periods[0] ? undefined : period.value;
    return { xlsx: exportUrl.rankings('xlsx', regionCode.value, p), csv: exportUrl.rankings('csv', regionCode.value, p), pdf: exportUrl.rankings('pdf', regionCode.value, p) };
  });
  return { regionCode, periods, period, resource, reload, filter, rows, types, exports };
}
