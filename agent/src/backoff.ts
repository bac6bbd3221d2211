/**
 * Exponential backoff with jitter: attempt 0 waits about `baseMs`, each further attempt doubles it
 * up to `capMs`; the wait is drawn from [½, 1] of that so a region's agents do not retry in step.
 */
export function backoffMs(attempt: number, random: () => number = Math.random, baseMs = 1_000, capMs = 5 * 60_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling * (0.5 + random() * 0.5));
}
