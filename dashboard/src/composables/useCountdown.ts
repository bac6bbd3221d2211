import { computed, onScopeDispose, ref, toValue, type MaybeRefOrGetter } from 'vue';
import { countdown } from '../lib/countdown.js';

/** Where "now" comes from and how it ticks: the browser's clock in the app, a fake one in tests. */
export interface Clock {
  now(): number;
  /** Calls `tick` every `ms` until the returned stop is called. */
  every(ms: number, tick: () => void): () => void;
}
export const browserClock: Clock = {
  now: () => Date.now(),
  every: (ms, tick) => {
    const id = setInterval(tick, ms);
    return () => clearInterval(id);
  },
};

/** Now, as a ref that moves every `ms` while the component (or effect scope) lives. */
export function useNow(clock: Clock = browserClock, ms = 1000) {
  const now = ref(clock.now());
  onScopeDispose(clock.every(ms, () => (now.value = clock.now())));
  return now;
}

/** A deadline counting down live (or, past it, how long overdue): null when there is none. */
export function useCountdown(deadline: MaybeRefOrGetter<string | null | undefined>, clock: Clock = browserClock) {
  const now = useNow(clock);
  return computed(() => countdown(toValue(deadline), now.value));
}
