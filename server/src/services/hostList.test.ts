import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Report, SectionData } from '@weian/shared';
import { createTestDb, DIALECTS, enrollHost, sampleReport, type TestDb } from '../testing/harness.js';
import { retireHost } from './hostLifecycle.js';
import { HOST_TOTAL_MAX_AGE_MS, listHostSummaries, type HostListQuery } from './hosts.js';
import { ingestReport } from './ingest.js';
import { flushInstitutionScores } from './scoreRefresher.js';

const ALL = { kind: 'all' } as const;
/** SSH on a public address: a failing critical check (HOST-PORT-REMOTE-PUBLIC). */
const publicSsh: Partial<Report['sections']> = {
  ports: {
    status: 'ok',
    hash: 'c'.repeat(64),
    data: {
      listeners: [{ protocol: 'tcp', address: '202.96.1.10', port: 22, pid: 1, process: 'sshd', bind: 'public', publicExposure: true, service: 'ssh', category: 'remote-management' }],
    } as SectionData['ports'],
  },
};

// The host list as a province pages through it: the server filters, orders and counts.
describe.each(DIALECTS)('host list pages (%s)', (dialect) => {
  let t: TestDb;
  const page = async (q: Partial<HostListQuery> = {}) => listHostSummaries(t.deps, ALL, { limit: 50, offset: 0, ...q });
  const names = async (q: Partial<HostListQuery> = {}) => (await page(q)).items.map((h) => h.hostname);

  beforeEach(async () => {
    t = await createTestDb(dialect);
    // Six hosts in two counties; four report (one exposing SSH), one never reports, one is retired.
    const hosts = [
      ['A', '330106', 'his-01'],
      ['A', '330106', 'pacs-02'],
      ['A', '330106', 'lis-03'],
      ['B', '330108', 'his-04'],
      ['B', '330108', 'web-05'],
      ['B', '330108', 'old-06'],
    ] as const;
    for (const [institution, region, hostname] of hosts) {
      const a = await enrollHost(t.deps, { institution, region, hostname });
      t.clock.advance(60_000);
      if (hostname === 'web-05') continue;
      await ingestReport(t.deps, a, sampleReport(a.id, t.clock.now, hostname === 'pacs-02' ? publicSsh : {}, hostname), 1000);
      if (hostname === 'old-06') await retireHost(t.deps, ALL, a.hostId);
    }
    await flushInstitutionScores(t.deps);
  });
  afterEach(() => t.close());

  it('pages in hostname order with a total, and narrows by region, institution and name', async () => {
    expect(await names()).toEqual(['his-01', 'his-04', 'lis-03', 'old-06', 'pacs-02', 'web-05']);
    const second = await page({ limit: 2, offset: 2 });
    expect([second.items.map((h) => h.hostname), second.total]).toEqual([['lis-03', 'old-06'], 6]);
    expect(await names({ desc: true, limit: 2 })).toEqual(['web-05', 'pacs-02']);
    const county = await page({ regionCode: '330108' });
    expect([county.items.map((h) => h.hostname), county.total]).toEqual([['his-04', 'old-06', 'web-05'], 3]);
    expect((await page({ regionCode: '330100' })).total).toBe(6);
    expect(await names({ institutionCode: 'A' })).toEqual(['his-01', 'lis-03', 'pacs-02']);
    const his = await page({ q: 'HIS' });
    expect([his.items.map((h) => h.hostname), his.total]).toEqual([['his-01', 'his-04'], 2]);
    // LIKE's wildcards in a search are plain characters.
    expect((await page({ q: '%' })).total).toBe(0);
  });

  it('filters by status and risk, and carries each host score', async () => {
    expect(await names({ status: ['retired'] })).toEqual(['old-06']);
    expect((await page({ status: ['active', 'stale'] })).total).toBe(5);
    expect(await names({ risk: ['critical'] })).toEqual(['pacs-02']);
    expect(await names({ risk: ['unknown'] })).toEqual(['web-05']);
    const critical = (await page({ risk: ['critical'] })).items[0]!;
    expect(critical.failing?.critical).toBeGreaterThan(0);
    // A failing critical check caps the host at 59.
    expect(critical.score).toBeLessThanOrEqual(59);
    const unjudged = (await page({ risk: ['unknown'] })).items[0]!;
    expect([unjudged.score, unjudged.failing]).toEqual([null, null]);
    const rest = await page({ risk: ['high', 'none'] });
    expect(rest.total).toBe(4);
    expect(rest.items.every((h) => h.score !== null && h.failing?.critical === 0)).toBe(true);
  });

  it('orders by score worst first, hosts never judged before any score', async () => {
    const rows = (await page({ sort: 'score', status: ['active', 'stale'] })).items;
    expect(rows.map((h) => h.hostname)[0]).toBe('web-05');
    const scores = rows.slice(1).map((h) => h.score!);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    // The sample reports leave most checks unknown (not passed): the host that sent its ports scores best.
    expect(new Set(scores).size).toBeGreaterThan(1);
    const desc = (await page({ sort: 'score', desc: true, status: ['active', 'stale'] })).items.map((h) => h.hostname);
    expect([desc[0], desc.at(-1)]).toEqual(['pacs-02', 'web-05']);
  });

  it('counts a host that comes in the total within seconds, and lists it at once', async () => {
    expect((await page({ regionCode: '330106' })).total).toBe(3);
    await enrollHost(t.deps, { institution: 'A', region: '330106', hostname: 'new-07' });
    expect(await names({ regionCode: '330106' })).toContain('new-07');
    t.clock.advance(HOST_TOTAL_MAX_AGE_MS);
    expect((await page({ regionCode: '330106' })).total).toBe(4);
  });
});
