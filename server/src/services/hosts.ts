import { forbidden } from '../errors.js';
import { getHost, listHosts } from '../storage/hosts.js';
import { getSections, listReceipts } from '../storage/reports.js';
import type { Scope } from '../storage/scope.js';
import type { ServiceDeps } from './deps.js';
import { storedSections } from './sections.js';
import { regionPrefix } from './rankings.js';

export interface HostSummary {
  id: string;
  hostname: string;
  institutionCode: string;
  institutionName: string;
  regionCode: string;
  status: string;
  firstSeenAt: string;
  lastReportAt: string | null;
  lastSeenAt: string | null;
}

const summary = (h: Awaited<ReturnType<typeof listHosts>>[number]): HostSummary => ({
  id: h.id,
  hostname: h.hostname,
  institutionCode: h.institution_code,
  institutionName: h.institution_name,
  regionCode: h.region_code,
  status: h.status,
  firstSeenAt: h.first_seen_at,
  lastReportAt: h.last_report_at,
  lastSeenAt: h.last_seen_at,
});

export async function listHostSummaries(deps: ServiceDeps, scope: Scope, opts: { institutionCode?: string | undefined; regionCode?: string | undefined; limit: number; offset: number }): Promise<HostSummary[]> {
  return (await listHosts(deps.db, scope, { ...opts, regionPrefix: opts.regionCode ? regionPrefix(opts.regionCode) : undefined })).map(summary);
}

/** Out of scope and nonexistent look the same to the caller: nothing leaks about other regions' hosts. */
async function visibleHost(deps: ServiceDeps, scope: Scope, hostId: string) {
  const host = await getHost(deps.db, scope, hostId);
  if (!host) throw forbidden(`host ${hostId} is not visible to you`);
  return host;
}

export async function getHostDetail(deps: ServiceDeps, scope: Scope, hostId: string) {
  const host = await visibleHost(deps, scope, hostId);
  const sections = storedSections(await getSections(deps.db, hostId));
  return { ...summary(host), machineId: host.machine_id, identityConflict: host.identity_conflict ? (JSON.parse(host.identity_conflict) as Record<string, unknown>) : null, sections };
}

export async function listHostReports(deps: ServiceDeps, scope: Scope, hostId: string, limit: number) {
  await visibleHost(deps, scope, hostId);
  return (await listReceipts(deps.db, hostId, limit)).map((r) => ({ reportId: r.report_id, agentId: r.agent_id, collectedAt: r.collected_at, receivedAt: r.received_at, bytes: r.bytes }));
}
