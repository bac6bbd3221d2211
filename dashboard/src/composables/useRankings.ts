import { computed } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { exportUrl } from '../api/exports.js';
import { institutionsApi } from '../api/institutions.js';
import { changeView, queryOfView, rankingInput, recentPeriods, viewFromQuery, type RankingView } from '../lib/rankings.js';
import { useRegionScope } from './useRegionScope.js';
import { useResource } from './useResource.js';
import { useUrlText } from './useUrlText.js';

/**
 * One page of the ranking of the region in the URL, as the URL asks for it (period, page, size,
 * sort, filters): the server filters, sorts and pages; ranks are always over the whole region.
 */
export function useRankings() {
  const route = useRoute();
  const router = useRouter();
  const { regionCode } = useRegionScope();
  const periods = recentPeriods(new Date(), 12);
  const view = computed(() => viewFromQuery(route.query, periods));
  const update = (change: Partial<RankingView>) => void router.replace({ query: { ...route.query, ...queryOfView(changeView(view.value, change), periods) } });

  const input = computed(() => (regionCode.value ? rankingInput(regionCode.value, view.value, periods) : null));
  // Another page, order or filter of the same region and period keeps the rows on screen meanwhile.
  const { resource, reload } = useResource(
    input,
    (i) => institutionsApi.ranking(i),
    (a, b) => a.regionCode === b.regionCode && a.period === b.period,
  );

  const text = useUrlText(
    () => view.value.text,
    (t) => update({ text: t }),
  );

  const exports = computed(() => {
    if (!regionCode.value) return {};
    const p = input.value?.period;
    return { xlsx: exportUrl.rankings('xlsx', regionCode.value, p), csv: exportUrl.rankings('csv', regionCode.value, p), pdf: exportUrl.rankings('pdf', regionCode.value, p) };
  });
  return { regionCode, periods, view, update, text, resource, reload, exports };
}
