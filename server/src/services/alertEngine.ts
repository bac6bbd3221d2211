// The alert engine reacts to this process's events, one at a time: alerts first, then the rectification
// notices about the same finding. Its own module so that alerts and notices need not import each other.
import type { ServiceDeps } from './deps.js';
import { onFindingChanged, onIdentityConflict, onSustainedFailures } from './alerts.js';
import { onFindingsChangedForNotices } from './notices.js';
import { evaluateInstitutionNow } from './evaluation.js';
import type { FindingChange } from '../eventPayloads.js';

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
  // Findings' changes are gathered while earlier work runs and handled together: the alerts a writer
  // left (ingest opens its own), then the rectification items about them (数据已核验, or reopened
  // with an alert), looked up in one query for all of them rather than one per finding.
  let gathered: FindingChange[] = [];
  const onFinding = (c: FindingChange) => {
    gathered.push(c);
    if (gathered.length > 1) return;
    enqueue(`finding changes`, async () => {
      const batch = gathered;
      gathered = [];
      // One finding's failure must not cost the others their alerts.
      for (const f of batch) await onFindingChanged(deps, f).catch((e: Error) => log.error(`alerts: handling finding ${f.ruleId} of ${f.subjectId} failed: ${e.stack ?? e.message}`));
      await onFindingsChangedForNotices(deps, batch);
    });
  };
  // A notice or self-inspection moved: the institution's supervision rules (INST-RECTIFY-OVERDUE,
  // INST-SELF-INSPECTION-REPORT) are judged again at once rather than at the next daily run.
  const rejudge = (institutionCode: string) =>
    enqueue(`supervision rules of ${institutionCode}`, async () => {
      for (const c of await deps.db.transaction().execute((tx) => evaluateInstitutionNow(deps, tx, institutionCode))) deps.bus.emit('finding.changed', c);
    });
  const offs = [
    deps.bus.onOrigin('finding.changed', onFinding),
    deps.bus.onOrigin('notice.changed', (e) => void (e.action !== 'answer' && rejudge(e.institutionCode))),
    // Saving an answer changes neither rule: only submitting and the bureau's review do.
    deps.bus.onOrigin('selfInspection.changed', (e) => void (e.action !== 'save' && rejudge(e.institutionCode))),
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
