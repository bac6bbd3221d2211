/**
 * Collects items and hands them over once, `waitMs` after the last one arrived, but never later
 * than `maxWaitMs` after the first: a steady stream of events still gets flushed.
 */
export function debounceBatch<T>(flush: (items: T[]) => void, waitMs: number, maxWaitMs = waitMs * 5) {
  let items = new Set<T>();
  let firstAt: number | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const fire = () => {
    const batch = [...items];
    items = new Set();
    firstAt = null;
    timer = undefined;
    if (batch.length) flush(batch);
  };

  return {
    add(item: T) {
      items.add(item);
      firstAt ??= Date.now();
      clearTimeout(timer);
      timer = setTimeout(fire, Math.max(0, Math.min(waitMs, firstAt + maxWaitMs - Date.now())));
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      items = new Set();
      firstAt = null;
    },
  };
}
