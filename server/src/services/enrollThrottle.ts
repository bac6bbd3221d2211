import { countAggregatedAudit, getAggregatedAudit } from '../storage/audit.js';
import { recordAudit } from './audit.js';
import type { ServiceDeps } from './deps.js';

/**
 * Refused enrollments, per address (issue 18: random tokens were tried 400 times in 1.4 s, each
 * writing an audit row, so an anonymous client could add millions of rows a day and bury real
 * entries). Each address gets `refusedPerWindow` refusals per fixed window; past that it is refused
 * before any token is looked up. The audit log holds one row per address and window, with the count.
 */
export const ENROLL_LIMITS = { windowMs: 10 * 60_000, refusedPerWindow: 10 } as const;
const ACTION = 'agent.enroll';

const windowStart = (now: Date) => new Date(Math.floor(now.getTime() / ENROLL_LIMITS.windowMs) * ENROLL_LIMITS.windowMs).toISOString();

interface Aggregate {
  window: string;
  count: number;
  limited: number;
  lastHostname: string;
  lastReason: string;
}

/** Refusals so far from `address` in the current window. */
export async function refusedEnrollments(deps: ServiceDeps, address: string): Promise<number> {
  const row = await getAggregatedAudit(deps.db, ACTION, address, windowStart(deps.now()));
  return row ? (JSON.parse(row.detail) as Aggregate).count : 0;
}

/** Counts one refusal (a bad token, or one over the limit) in the address's row for this window. */
export async function recordRefusedEnrollment(deps: ServiceDeps, address: string, hostname: string, reason: string, limited: boolean): Promise<void> {
  const window = windowStart(deps.now());
  const row = await getAggregatedAudit(deps.db, ACTION, address, window);
  if (!row) {
    const detail: Aggregate = { window, count: 1, limited: limited ? 1 : 0, lastHostname: hostname.slice(0, 200), lastReason: reason };
    return recordAudit(deps, {
      actor: { type: 'anonymous', id: null, name: hostname.slice(0, 200) },
      action: ACTION,
      outcome: 'denied',
      detail: detail as unknown as Record<string, unknown>,
      remoteAddress: address,
    });
  }
  const d = JSON.parse(row.detail) as Aggregate;
  await countAggregatedAudit(deps.db, row.id, JSON.stringify({ ...d, count: d.count + 1, limited: d.limited + (limited ? 1 : 0), lastHostname: hostname.slice(0, 200), lastReason: reason }));
}
