import { forbidden } from '../errors.js';
import { getHost, markStaleHosts, setHostStatus } from '../storage/hosts.js';
import { listInstitutions } from '../storage/institutions.js';
import type { Scope } from '../storage/scope.js';
import type { ServiceDeps } from './deps.js';
import { refreshInstitutionScore } from './evaluation.js';

/** Hosts silent for `days` become stale: shown as such, still counted as registered (coverage drops). */
export async function markStale(deps: ServiceDeps, days: number): Promise<number> {
  const before = new Date(deps.now().getTime() - days * 86_400_000).toISOString();
  const rows = await markStaleHosts(deps.db, before);
  if (!rows.length) return 0;
  const regionOf = new Map((await listInstitutions(deps.db, { kind: 'all' })).map((i) => [i.code, i.region_code]));
  for (const r of rows)
    deps.bus.emit('host.changed', { hostId: r.id, institutionCode: r.institution_code, regionCode: regionOf.get(r.institution_code) ?? '', at: deps.now().toISOString(), reason: 'status' });
  return rows.length;
}

/**
 * Retiring a decommissioned host (the Measures, Art. 17): it leaves coverage and scores, keeps its
 * history, and its agent can no longer report (the caller revokes it).
 */
export async function retireHost(deps: ServiceDeps, scope: Scope, hostId: string) {
  const host = await getHost(deps.db, scope, hostId);
  if (!host) throw forbidden(`host ${hostId} is not visible to you`);
  await deps.db.transaction().execute(async (tx) => {
    await setHostStatus(tx, hostId, 'retired');
    await refreshInstitutionScore(deps, tx, host.institution_code);
  });
  deps.bus.emit('host.changed', { hostId, institutionCode: host.institution_code, regionCode: host.region_code, at: deps.now().toISOString(), reason: 'status' });
  return { hostId, status: 'retired' as const };
}
