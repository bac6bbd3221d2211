import { ref } from 'vue';
import { download } from '../api/exports.js';
import type { ApiError } from '../api/errors.js';

/** One download at a time with its progress, for export buttons. */
export function useDownload() {
  const active = ref<string | null>(null);
  const received = ref(0);
  const total = ref<number | null>(null);
  const error = ref<ApiError | null>(null);
  const done = ref<string | null>(null);

  async function start(key: string, url: string): Promise<void> {
    if (active.value) return;
    active.value = key;
    received.value = 0;
    total.value = null;
    error.value = null;
    done.value = null;
    try {
      done.value = await download(url, (r, t) => {
        received.value = r;
        total.value = t;
      });
    } catch (e) {
      error.value = e as ApiError;
    } finally {
      active.value = null;
    }
  }
  return { active, received, total, error, done, start };
}
