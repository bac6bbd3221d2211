import { computed, onBeforeUnmount, watch } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { changeHostView, hostListInput, hostViewFromQuery, queryOfHostView, type HostListView } from '../lib/hostList.js';
import { useHostsStore } from '../stores/hosts.js';
import { useRegionScope } from './useRegionScope.js';
import { useUrlText } from './useUrlText.js';

/**
 * One page of the hosts of the region in the URL, as the URL asks for it (page, size, order,
 * search, filters): the server filters, orders and pages; live changes refresh the page on screen.
 */
export function useHostList() {
  const route = useRoute();
  const router = useRouter();
  const hosts = useHostsStore();
  const { regionCode } = useRegionScope();
  const view = computed(() => hostViewFromQuery(route.query));
  const update = (change: Partial<HostListView>) => void router.replace({ query: { ...route.query, ...queryOfHostView(changeHostView(view.value, change)) } });
  const input = computed(() => hostListInput(regionCode.value, view.value));
  onBeforeUnmount(hosts.watchList(input.value));
  watch(input, (i, before) => {
    if (JSON.stringify(i) !== JSON.stringify(before)) void hosts.showList(i);
  });

  const text = useUrlText(
    () => view.value.text,
    (t) => update({ text: t }),
  );
  return { regionCode, view, update, text, list: hosts.list, reload: hosts.loadList };
}
