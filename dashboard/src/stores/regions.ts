import { defineStore } from 'pinia';
import { computed, reactive } from 'vue';
import { regionsApi, type RegionTree } from '../api/regions.js';
import { emptyResource, load, type Resource } from '../lib/resource.js';
import { buildTree, defaultRegion } from '../lib/regionTree.js';
import { useSessionStore } from './session.js';

/** The regions and institutions the signed-in user may see: the tree in the layout, and names everywhere. */
export const useRegionsStore = defineStore('regions', () => {
  const tree = reactive(emptyResource<RegionTree>()) as Resource<RegionTree>;
  const session = useSessionStore();
  let loading: Promise<void> | null = null;

  const ensure = () => (loading ??= load(tree, regionsApi.tree));
  const reload = () => (loading = load(tree, regionsApi.tree));

  const roots = computed(() => (tree.data ? buildTree(tree.data) : []));
  const regionNames = computed(() => new Map(tree.data?.regions.map((r) => [r.code, r.name]) ?? []));
  const institutions = computed(() => new Map(tree.data?.institutions.map((i) => [i.code, i]) ?? []));
  /** Where a region-scoped view opens without a region in its URL. */
  const home = computed(() => (session.user?.role === 'institution' ? null : defaultRegion(roots.value, session.user?.regionCode ?? null)));
  const regionName = (code: string) => regionNames.value.get(code) ?? code;

  return { tree, roots, institutions, home, ensure, reload, regionName };
});
