// The alert engine reacts to this process's events, one at a time: alerts first, then the rectification
// notices about the same finding. Its own module so that alerts and notices need not import each other.
import type { ServiceDeps } from './deps.js';
import { onFindingChanged, onIdentityConflict, onSustainedFailures } from './alerts.js';
import { onFindingChangedForNotices } from './notices.js';

export interface AlertEngine {
  /** Resolves when every event received so far has been handled (tests, shutdown). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Subscribes to the bus for events that happened on this process (`onOrigin`): with N processes each
 * change is handled once, by the process where it happened, and the database's unique index settles
 * any race (two processes opening the same alert). Handled in order, so a fail then a pass for the same
 * finding open and then resolve. Runs after ingest has answered: it never blocks it.
 */
export function startAlertEngine(deps: ServiceDeps, log: { error(m: string): void }): AlertEngine {
  let tail: Promise<void> = Promise.resolve();
  const enqueue = (what: string, work: () => Promise<void>) => {
    tail = tail.then(work).catch((e: Error) => log.error(`alerts: handling ${what} failed: ${e.stack ?? e.message}`));
  };
  const offs = [
    // Then the rectification items about the same finding (数据已核验, or reopened with an alert).
    deps.bus.onOrigin('finding.changed', (c) => enqueue(`finding ${c.ruleId} of ${c.subjectId}`, () => onFindingChanged(deps, c).then(() => onFindingChangedForNotices(deps, c)))),
    deps.bus.onOrigin('host.identity-conflict', (e) => enqueue(`identity conflict of ${e.hostId}`, () => onIdentityConflict(deps, e))),
    deps.bus.onOrigin('auth.sustained-failures', (e) => enqueue(`sustained failed sign-ins for ${e.username}`, () => onSustainedFailures(deps, e))),
  ];
  return {
    idle: async () => {
      // Work queued while waiting extends the tail: wait until it stops moving.
      for (let seen: Promise<void> | null = null; seen !== tail;) await (seen = tail);
    },
    async stop() {
      for (const off of offs) off();
      await this.idle();
    },
  };
}
