import { describe, expect, it } from 'vitest';
import { effectScope, ref } from 'vue';
import { useCountdown, useNow, type Clock } from './useCountdown.js';

/** A clock that moves only when the test says so, and runs the ticks due on the way. */
function fakeClock(start: string) {
  let t = Date.parse(start);
  const timers = new Set<{ ms: number; next: number; tick: () => void }>();
  const clock: Clock = {
    now: () => t,
    every: (ms, tick) => {
      const timer = { ms, next: t + ms, tick };
      timers.add(timer);
      return () => timers.delete(timer);
    },
  };
  const advance = (ms: number) => {
    const end = t + ms;
    for (;;) {
      const due = [...timers].filter((x) => x.next <= end).sort((a, b) => a.next - b.next)[0];
      if (!due) break;
      t = due.next;
      due.next += due.ms;
      due.tick();
    }
    t = end;
  };
  return { clock, advance, timers };
}

describe('useCountdown (clock injected)', () => {
  it('counts a 4-hour report deadline down second by second, then shows it overdue', () => {
    const { clock, advance } = fakeClock('2026-12-07T01:00:00.000Z');
    const scope = effectScope();
    const left = scope.run(() => useCountdown('2026-12-07T01:00:03.000Z', clock))!;
    expect(left.value).toEqual({ overdue: false, days: 0, hours: 0, minutes: 0, seconds: 3 });
    advance(1000);
    expect(left.value?.seconds).toBe(2);
    advance(2000);
    expect(left.value).toEqual({ overdue: true, days: 0, hours: 0, minutes: 0, seconds: 0 });
    advance(61_000);
    expect(left.value).toEqual({ overdue: true, days: 0, hours: 0, minutes: 1, seconds: 1 });
    scope.stop();
  });

  it('follows the deadline when it changes (level or CII changed in the form)', () => {
    const { clock, advance } = fakeClock('2026-12-07T01:00:00.000Z');
    const due = ref<string | null>('2026-12-07T05:00:00.000Z');
    const scope = effectScope();
    const left = scope.run(() => useCountdown(due, clock))!;
    expect(left.value?.hours).toBe(4);
    due.value = '2026-12-07T02:00:00.000Z';
    advance(30 * 60_000);
    expect(left.value).toEqual({ overdue: false, days: 0, hours: 0, minutes: 30, seconds: 0 });
    due.value = null;
    expect(left.value).toBeNull();
    scope.stop();
  });

  it('stops ticking when its component goes away', () => {
    const { clock, advance, timers } = fakeClock('2026-12-07T01:00:00.000Z');
    const scope = effectScope();
    const now = scope.run(() => useNow(clock))!;
    advance(5000);
    expect(now.value).toBe(Date.parse('2026-12-07T01:00:05.000Z'));
    scope.stop();
    expect(timers.size).toBe(0);
    advance(5000);
    expect(now.value).toBe(Date.parse('2026-12-07T01:00:05.000Z'));
  });
});
