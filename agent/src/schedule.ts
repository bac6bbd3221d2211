/**
 * Timers for the long-lived agent. Deliberately not cron: a cron grid puts every agent of a region
 * on the same wall-clock minute, which is exactly what the jitter is for; and the server may change
 * the interval at any time, so each wait is computed afresh from the current setting.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** `intervalMs` spread uniformly over ±`jitter` of itself. */
export const jittered = (intervalMs: number, jitter: number, random: () => number) => Math.max(0, Math.round(intervalMs * (1 - jitter + 2 * jitter * random())));

export interface Repeating {
  /** Runs the task now unless it is already running (then waits for that run): never two at once. */
  runNow(): Promise<void>;
  stop(): void;
}

/**
 * Runs `task` after `firstDelayMs`, then again `intervalMs()` (jittered) after each run ends. Runs
 * never overlap: the next wait starts only when a run has finished, and `runNow` joins a running one.
 */
export function repeat(task: () => Promise<void>, opts: { intervalMs: () => number; firstDelayMs: number; jitter?: number; random?: () => number; timers?: Timers }): Repeating {
  const timers = opts.timers ?? realTimers;
  const random = opts.random ?? Math.random;
  let timer: unknown = null;
  let running: Promise<void> | null = null;
  let stopped = false;
  const schedule = (ms: number) => {
    if (timer !== null) timers.clearTimeout(timer);
    timer = stopped ? null : timers.setTimeout(() => void runNow(), ms);
  };
  const runNow = (): Promise<void> => {
    if (running) return running;
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
    running = (async () => {
      try {
        await task();
      } catch {
        // the task reports its own errors; a failed run must not end the schedule
      } finally {
        running = null;
        schedule(jittered(opts.intervalMs(), opts.jitter ?? 0.1, random));
      }
    })();
    return running;
  };
  schedule(opts.firstDelayMs);
  return {
    runNow,
    stop() {
      stopped = true;
      if (timer !== null) timers.clearTimeout(timer);
      timer = null;
    },
  };
}
