import { reactive, watch, type WatchSource } from 'vue';
import { emptyResource, load, type Resource } from '../lib/resource.js';

/**
 * Loads `fetch(key)` whenever the key changes (a region, an institution, a period), into one
 * Resource the view hands to AsyncState. A null key waits. Returns the resource and `reload`.
 * `sameSubject(previous, next)`: another page or order of the same thing, whose data stays on
 * screen while the next loads.
 */
export function useResource<K, T>(key: WatchSource<K | null>, fetch: (key: K) => Promise<T>, sameSubject?: (previous: K, next: K) => boolean) {
  const resource = reactive(emptyResource<T>()) as Resource<T>;
  let current: K | null = null;
  const reload = () => (current === null ? Promise.resolve() : load(resource, () => fetch(current as K)));
  watch(
    key,
    (k) => {
      const previous = current;
      current = k;
      if (k === null) return;
      // Another subject: do not show the previous one's data meanwhile.
      if (previous === null || !sameSubject?.(previous, k)) {
        resource.data = null;
        resource.error = null;
      }
      void reload();
    },
    { immediate: true },
  );
  return { resource, reload };
}
