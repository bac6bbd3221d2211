import { describe, expect, it } from 'vitest';
import { backoffMs } from './backoff.js';
import { jittered, repeat, type Timers } from './schedule.js';

/** Timers the test advances by hand. */
function manualTimers() {
  let now = 0;
  const pending: Array<{ at: number; fn: () => void; id: number }> = [];
  let next = 1;
  const timers: Timers = {
    setTimeout: (fn, ms) => (pending.push({ at: now + ms, fn, id: next }), next++),
    clearTimeout: (h) => {
      const i = pending.findIndex((p) => p.id === h);
      if (i >= 0) pending.splice(i, 1);
    },
  };
  const advance = async (ms: number) => {
    now += ms;
    for (;;) {
      pending.sort((a, b) => a.at - b.at);
      const due = pending[0];
      if (!due || due.at > now) break;
      pending.shift();
      due.fn();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { timers, advance, pending: () => pending.map((p) => p.at - now) };
}

describe('schedule', () => {
  it('spreads waits over ±jitter', () => {
    expect(jittered(1000, 0.1, () => 0)).toBe(900);
    expect(jittered(1000, 0.1, () => 1)).toBe(1100);
  });

  it('backs off exponentially with jitter up to a cap', () => {
    expect(backoffMs(0, () => 1)).toBe(1000);
    expect(backoffMs(3, () => 1)).toBe(8000);
    expect(backoffMs(3, () => 0)).toBe(4000);
    expect(backoffMs(50, () => 1)).toBe(300_000);
  });

  it('never overlaps runs: runNow joins a running one, and the next wait starts when a run ends', async () => {
    const t = manualTimers();
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let release!: () => void;
    const r = repeat(
      async () => {
        running++;
        runs++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise<void>((res) => (release = res));
        running--;
      },
      { intervalMs: () => 1000, firstDelayMs: 10, jitter: 0, timers: t.timers },
    );
    await t.advance(10);
    expect(runs).toBe(1);
    const joined = r.runNow();
    await t.advance(5000); // a long run: no timer fires meanwhile
    expect(runs).toBe(1);
    release();
    await joined;
    expect(t.pending()).toEqual([1000]);
    await t.advance(1000);
    expect(runs).toBe(2);
    expect(maxRunning).toBe(1);
    release();
    r.stop();
  });
});
