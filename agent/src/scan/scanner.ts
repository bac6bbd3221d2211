import { DEFAULT_SCAN_LIMITS, MAX_SCAN_LIMITS, type Observation, type ScanLimits } from '@weian/shared';
import { grab } from './grab.js';

/**
 * The scanner (`weian-agent scan`, issue 24): TCP connects to the ports of the addresses in its
 * list, at a bounded rate and concurrency, and grabs what each open port tells. A target not in
 * the list it was given is refused, whoever asks.
 */

export interface ScanTarget {
  address: string;
  /** The registered domain this address was resolved from (SNI and the HTTP Host). */
  servername?: string;
}

// The bounds live in shared (exposure.ts): the dashboard shows the same figures the scanner obeys.
export type { ScanLimits };
export const DEFAULT_LIMITS: ScanLimits = DEFAULT_SCAN_LIMITS;
export const MAX_LIMITS: ScanLimits = MAX_SCAN_LIMITS;

export class TargetRefused extends Error {}

export interface ScanResult {
  observations: Observation[];
  /** The window closed before every attempt was made: the round is not complete. */
  stopped: boolean;
  /** Connection attempts made, and when the first and last started (ms): the rate bound, shown. */
  attempts: number;
  startedAt: number;
  lastAttemptAt: number;
}

export interface ScanDeps {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  grab: typeof grab;
}
const LIVE: ScanDeps = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), grab };

/** `stopAt` (ms): the end of the scan window; no attempt starts after it. */
export async function scan(
  targets: readonly ScanTarget[],
  ports: readonly number[],
  allowed: ReadonlySet<string>,
  limits: ScanLimits = DEFAULT_LIMITS,
  deps: ScanDeps = LIVE,
  stopAt = Infinity,
): Promise<ScanResult> {
  const outside = targets.filter((t) => !allowed.has(t.address));
  if (outside.length) throw new TargetRefused(`not in this scanner's target list: ${outside.map((t) => t.address).join(', ')}`);
  const rate = Math.min(Math.max(limits.ratePerSecond, 0.1), MAX_LIMITS.ratePerSecond);
  const concurrency = Math.min(Math.max(Math.floor(limits.concurrency), 1), MAX_LIMITS.concurrency);
  const timeoutMs = Math.min(limits.timeoutMs, MAX_LIMITS.timeoutMs);
  const jobs = targets.flatMap((t) => ports.map((port) => ({ ...t, port })));
  const observations: Observation[] = [];
  const startedAt = deps.now();
  let lastAttemptAt = startedAt;
  let next = 0;
  let attempts = 0;
  let stopped = false;
  // Attempt i starts no earlier than startedAt + i / rate: the rate bound holds over any window.
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      const job = jobs[i]!;
      const due = startedAt + (i * 1000) / rate;
      if (due > stopAt) {
        stopped = true;
        next = jobs.length;
        return;
      }
      const wait = due - deps.now();
      if (wait > 0) await deps.sleep(wait);
      attempts++;
      lastAttemptAt = deps.now();
      const o = await deps.grab(job.address, job.port, { timeoutMs, ...(job.servername ? { servername: job.servername } : {}) });
      if (o) observations.push(job.servername ? { ...o, domain: job.servername } : o);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  observations.sort((a, b) => (a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1));
  return { observations, stopped, attempts, startedAt, lastAttemptAt };
}
