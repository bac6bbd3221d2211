import { ref } from 'vue';
import type { ApiError } from '../api/errors.js';

/** One user action at a time (create, delete, test…) with its error kept for the view, then a refresh. */
export function useAction(after?: () => Promise<unknown>) {
  const busy = ref(false);
  const error = ref<ApiError | null>(null);
  async function run<T>(work: () => Promise<T>): Promise<T | null> {
    busy.value = true;
    error.value = null;
    try {
      const r = await work();
      await after?.();
      return r;
    } catch (e) {
      error.value = e as ApiError;
      return null;
    } finally {
      busy.value = false;
    }
  }
  return { busy, error, run };
}
