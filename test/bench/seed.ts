import { randomUUID } from 'node:crypto';
import { Report } from '@weian/shared';
import { listAlertViews } from '../../server/src/services/alerts.js';
import { startAlertEngine } from '../../server/src/services/alertEngine.js';
import { ingestReport } from '../../server/src/services/ingest.js';
import { flushInstitutionScores } from '../../server/src/services/scoreRefresher.js';
import type { ServiceDeps } from '../../server/src/services/deps.js';
import { countyChain } from '../../server/src/services/regions.js';
import { insertAgent } from '../../server/src/storage/agents.js';
import { insertHost } from '../../server/src/storage/hosts.js';
import { insertInstitution } from '../../server/src/storage/institutions.js';
import { upsertRegions } from '../../server/src/storage/regions.js';
import { fixtureReports, prng, SimulatedHost, ZHEJIANG_COUNTIES } from '../load/reports.js';

const SEED_LANES = 64;
/** The seeded agents never authenticate over HTTP; their stored secret digest is a placeholder, which ingest confirms like any other. */
const SEED_SECRET_HASH = '0'.repeat(64);
const TYPES = ['tertiary-hospital', 'secondary-hospital', 'primary-care', 'cdc', 'other'];

export interface SeedResult {
  institutions: number;
  hosts: number;
  counties: number;
  /** Alerts open after the seed (a seed kept from before alerts were seeded has none recorded, and is seeded again). */
  openAlerts: number;
  seconds: number;
}

/**
 * A province at scale: institutions over Zhejiang's counties, hosts with agents, each host with one
 * real-looking report taken through the ingest service (sections, findings, scores), written in
 * transactions of many rows through the storage functions. The alert engine runs as in the server,
 * so every critical or high finding opens its alert (and its rectification items) as real ingest would.
 */
export async function seedProvince(deps: ServiceDeps, opts: { institutions: number; hosts: number; seed?: number; progress?: (l: string) => void }): Promise<SeedResult> {
  const t0 = performance.now();
  const random = prng(opts.seed ?? 42);
  const counties = ZHEJIANG_COUNTIES.filter((c) => {
    try {
      countyChain(c);
      return true;
    } catch {
      return false;
    }
  });
  const now = deps.now().toISOString();
  await deps.db.transaction().execute(async (tx) => {
    await upsertRegions(tx, [...new Map(counties.flatMap(countyChain).map((r) => [r.code, r])).values()]);
    for (let i = 0; i < opts.institutions; i++) {
      await insertInstitution(tx, {
        code: `SEED-${i.toString().padStart(5, '0')}`,
        name: `种子医院 ${i}`,
        region_code: counties[i % counties.length]!,
        type: TYPES[i % TYPES.length]!,
        created_at: now,
      });
    }
  });
  const bases = await fixtureReports();
  const agents: Array<{ id: string; hostId: string; institutionCode: string; regionCode: string; host: SimulatedHost }> = [];
  const BATCH = 1000;
  for (let start = 0; start < opts.hosts; start += BATCH) {
    await deps.db.transaction().execute(async (tx) => {
      for (let i = start; i < Math.min(opts.hosts, start + BATCH); i++) {
        const inst = i % opts.institutions;
        const institutionCode = `SEED-${inst.toString().padStart(5, '0')}`;
        const host = new SimulatedHost(bases[i % bases.length]!, i, random);
        const hostId = `h_seed${i}`;
        const id = `ag_seed${i}`;
        await insertHost(tx, {
          id: hostId,
          institution_code: institutionCode,
          hostname: host.hostname,
          machine_id: null,
          status: 'active',
          first_seen_at: now,
          last_report_at: null,
          last_seen_at: now,
          identity_conflict: null,
        });
        // Columns left out are nullable ones added later (per-agent settings, rotation): NULL is their default.
        await insertAgent(tx, {
          id,
          host_id: hostId,
          institution_code: institutionCode,
          secret_hash: SEED_SECRET_HASH,
          version: 'seed',
          enrolled_at: now,
          revoked_at: null,
          revoked_reason: null,
          last_seen_at: now,
        } as Parameters<typeof insertAgent>[1]);
        agents.push({ id, hostId, institutionCode, regionCode: counties[inst % counties.length]!, host });
      }
    });
  }
  opts.progress?.(`seeded ${opts.institutions} institutions and ${opts.hosts} hosts; ingesting one report per host`);
  const alerts = startAlertEngine(deps, { error: (m) => opts.progress?.(m) });
  // Many reports in flight, so the ingest service stores them in groups, as it does under load.
  let done = 0;
  const lane = async (k: number) => {
    for (let n = k; n < agents.length; n += SEED_LANES) {
      const a = agents[n]!;
      const report = Report.parse(a.host.next(a.id, deps.now()));
      // The credential the rows above hold: ingest confirms it in the report's transaction.
      await ingestReport(deps, { id: a.id, hostId: a.hostId, institutionCode: a.institutionCode, regionCode: a.regionCode, credential: SEED_SECRET_HASH }, { ...report, reportId: randomUUID() }, 0);
      if (++done % 10_000 === 0) opts.progress?.(`ingested ${done} of ${agents.length} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  };
  await Promise.all(Array.from({ length: SEED_LANES }, (_, k) => lane(k)));
  await alerts.stop();
  const openAlerts = (await listAlertViews(deps, { kind: 'all' }, { status: ['open'], limit: 1, offset: 0 })).total;
  // Institution scores are refreshed a second after their hosts change: bring them all up to date now.
  await flushInstitutionScores(deps);
  return { institutions: opts.institutions, hosts: opts.hosts, counties: counties.length, openAlerts, seconds: (performance.now() - t0) / 1000 };
}
