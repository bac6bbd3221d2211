import { forbidden } from '../errors.js';
import { countHosts, getHost, listHostPage, type HostFilter, type HostRisk, type HostSort, type HostStatus } from '../storage/hosts.js';
import { getSections, listReceipts } from '../storage/reports.js';
import type { Scope } from '../storage/scope.js';
import type { ServiceDeps } from './deps.js';
import { storedSections } from './sections.js';
import { regionCache } from './regionCache.js';
import { regionPrefix, round1 } from '@weian/shared';

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
/** A row of the host list: the summary with the host's score and failing critical/high checks (null: not judged yet). */
export interface HostListRow extends HostSummary {
  score: number | null;
  failing: { critical: number; high: number } | null;
}

const summary = (h: Omit<Awaited<ReturnType<typeof getHost>> & object, 'institution_name'> & { institution_name: string }): HostSummary => ({
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

export interface HostListQuery {
  institutionCode?: string | undefined;
  regionCode?: string | undefined;
  q?: string | undefined;
  status?: HostStatus[] | undefined;
  risk?: HostRisk[] | undefined;
  sort?: HostSort | undefined;
  desc?: boolean | undefined;
  limit: number;
  offset: number;
}

// Counting a province's hosts costs more than a page of them: the pager's total is counted again
// when the region's scores change (a host's risk) and at least every few seconds (hosts enrolled or
// retired do not touch the scores at once), not on every page turn.
export const HOST_TOTAL_MAX_AGE_MS = 5_000;
const totals = regionCache<number>(256, HOST_TOTAL_MAX_AGE_MS);

/** One page of the hosts the caller may see, filtered and ordered by the server, with the total. */
export async function listHostSummaries(deps: ServiceDeps, scope: Scope, opts: HostListQuery) {
  const prefix = opts.regionCode ? regionPrefix(opts.regionCode) : '';
  const filter: HostFilter = { institutionCode: opts.institutionCode, regionPrefix: prefix || undefined, q: opts.q?.trim() || undefined, status: opts.status, risk: opts.risk };
  const [rows, total] = await Promise.all([
    listHostPage(deps.db, scope, { ...filter, sort: opts.sort ?? 'hostname', desc: opts.desc ?? false, limit: opts.limit, offset: opts.offset }),
    totals(deps, scope, prefix, JSON.stringify(filter), () => countHosts(deps.db, scope, filter)),
  ]);
  const items = rows.map((h): HostListRow => ({
    ...summary(h),
    score: h.score === null ? null : round1(h.score),
    failing: h.failing_critical === null || h.score === null ? null : { critical: h.failing_critical, high: h.failing_high ?? 0 },
  }));
  return { items, total, limit: opts.limit, offset: opts.offset };
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
