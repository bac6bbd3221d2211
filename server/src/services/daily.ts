import { chinaDate } from '@weian/shared';
import { snapshotScores } from '../storage/scoreHistory.js';
import { listHostIdsToEvaluate } from '../storage/hosts.js';
import { listInstitutions } from '../storage/institutions.js';
import type { ServiceDeps } from './deps.js';
import { evaluateHostNow, evaluateInstitutionNow, type FindingChange } from './evaluation.js';
import { markStale } from './hostLifecycle.js';
import { flushInstitutionScores } from './scoreRefresher.js';

/**
 * The daily job (and what `seed-demo` replays per day): re-judge what time alone changes
 * (deadlines, patch age, silent agents, expiring exceptions), mark stale hosts, and snapshot
 * every institution's score for trends and past-period rankings. Idempotent: running it twice
 * on a day gives the same state.
 */
export async function runDailyEvaluation(deps: ServiceDeps, opts: { staleAfterDays?: number } = {}): Promise<{ hosts: number; institutions: number; changes: number; stale: number; day: string }> {
  const stale = await markStale(deps, opts.staleAfterDays ?? 30);
  let changes: FindingChange[] = [];
  const hostIds = await listHostIdsToEvaluate(deps.db);
  for (const id of hostIds) {
    const c = await deps.db.transaction().execute((tx) => evaluateHostNow(deps, tx, id));
    changes = changes.concat(c);
  }
  const institutions = await listInstitutions(deps.db, { kind: 'all' });
  for (const inst of institutions) {
    const c = await deps.db.transaction().execute((tx) => evaluateInstitutionNow(deps, tx, inst.code));
    changes = changes.concat(c);
  }
  await flushInstitutionScores(deps);
  const day = chinaDate(deps.now());
  await snapshotScores(deps.db, day);
  for (const c of changes) deps.bus.emit('finding.changed', c);
  return { hosts: hostIds.length, institutions: institutions.length, changes: changes.length, stale, day };
}
