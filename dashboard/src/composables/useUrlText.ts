import { onScopeDispose, ref, watch } from 'vue';

/** Typing in a search box asks the server once the typing pauses. */
const TEXT_DEBOUNCE_MS = 300;

/**
 * A search box whose text lives in the URL: the box answers every key stroke, the URL (and so the
 * server) follows once typing pauses, and back, forward or a link put the URL's text in the box.
 */
export function useUrlText(fromUrl: () => string, toUrl: (text: string) => void) {
  const text = ref(fromUrl());
  let timer: ReturnType<typeof setTimeout> | undefined;
  watch(text, (t) => {
    clearTimeout(timer);
    timer = setTimeout(() => toUrl(t), TEXT_DEBOUNCE_MS);
  });
  watch(fromUrl, (t) => {
    if (t !== text.value.trim()) text.value = t;
  });
  onScopeDispose(() => clearTimeout(timer));
  return text;
}
