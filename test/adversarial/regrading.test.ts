import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostSections, sampleReport } from '../../server/src/testing/harness.js';
import { signIn, startServerProcess, waitFor, type ServerProcess } from '../helpers/index.js';
import { tally } from './counts.js';
import { enrollOverHttp, rawCall } from './hostile.js';

/**
 * A county re-grading itself (issue 18): a county user switched off the rules its institutions
 * failed and moved the score weights, and one of its institutions climbed the city's ranking from
 * 46.9 to 86.8. Settings may only tighten down the tree; the city's ranking says where a county
 * judges more strictly than the city.
 */
const counts = tally(import.meta.url);
const PASSWORD = 'Regrade-Pass-31';
const WEIGHTS = { technical: 0.6, governance: 0.3, coverage: 0.1 };
interface Row {
  code: string;
  score: number;
  rank: number;
  technical: number;
  failing: { critical: number; high: number; medium: number; low: number };
}

describe('a county cannot re-grade itself', () => {
  let server: ServerProcess;
  let admin: string;
  let county: string;
  const put = (cookie: string, regionCode: string, settings: unknown) => rawCall(server.url, 'regions.putSettings', 'mutation', { regionCode, settings }, { cookie });
  const ranking = async (regionCode: string) => {
    const r = await rawCall(server.url, 'institutions.ranking', 'query', { regionCode }, { cookie: admin });
    expect(r.status, r.text).toBe(200);
    return (JSON.parse(r.text) as { result: { data: { weights: typeof WEIGHTS; tightenedBelow: Array<{ regionCode: string; regionName: string; ruleIds: string[] }>; rows: Row[] } } }).result.data;
  };

  beforeAll(async () => {
    server = await startServerProcess();
    admin = await signIn(server.url);
    // An institution in the county, so the city's ranking has someone in it.
    await enrollOverHttp(server, { hostname: 'regrade-host' });
    const created = await rawCall(server.url, 'users.create', 'mutation', { username: 'xihu-officer', role: 'county', scopeCode: '330106', password: PASSWORD }, { cookie: admin });
    expect(created.status, created.text).toBe(200);
    county = await signIn(server.url, { username: 'xihu-officer', password: PASSWORD });
  });
  afterAll(async () => {
    await server?.cleanup();
    counts.flush();
  });

  it('refuses a county switching rules off, loosening a threshold the province set, or moving the weights', async () => {
    const province = await put(admin, '330000', { rules: [{ ruleId: 'HOST-PATCH-SECURITY', thresholds: { maxPendingDays: 10 } }], weights: WEIGHTS });
    expect(province.status, province.text).toBe(200);
    const attempts = [
      { rules: [{ ruleId: 'HOST-FIREWALL-OFF', enabled: false }], weights: WEIGHTS },
      { rules: [{ ruleId: 'HOST-PATCH-SECURITY', thresholds: { maxPendingDays: 14 } }], weights: WEIGHTS },
      { rules: [], weights: { technical: 0.1, governance: 0.1, coverage: 0.8 } },
    ];
    const answers: Array<{ status: number; text: string }> = [];
    for (const settings of attempts) {
      answers.push(await put(county, '330106', settings));
      counts.inputs++;
      counts.faults++;
    }
    counts.attack({
      attack: 'county re-grades itself: switches a rule off, loosens a threshold, moves the weights',
      tried: attempts.length,
      held: answers.filter((r) => r.status === 400).length,
      result: '400: settings may only tighten down the tree',
    });
    for (const r of answers) {
      expect(r.status, r.text).toBe(400);
      expect(r.text).toContain('may only tighten');
    }
    // The city (not the province) cannot either.
    const city = await put(admin, '330100', { rules: [{ ruleId: 'HOST-FIREWALL-OFF', enabled: false }], weights: WEIGHTS });
    expect(city.status).toBe(400);
    expect((await ranking('330100')).tightenedBelow).toEqual([]);
  });

  it("accepts a county's tightening, and the city's ranking shows where it judges more strictly", async () => {
    const r = await put(county, '330106', { rules: [{ ruleId: 'HOST-PATCH-SECURITY', thresholds: { maxPendingDays: 5 } }], weights: WEIGHTS });
    counts.inputs++;
    expect(r.status, r.text).toBe(200);
    const city = await ranking('330100');
    expect(city.tightenedBelow).toEqual([{ regionCode: '330106', regionName: expect.any(String), ruleIds: ['HOST-PATCH-SECURITY'] }]);
    expect(city.weights).toEqual(WEIGHTS);
    // The county's own ranking is judged by its own settings: nothing below it is stricter.
    expect((await ranking('330106')).tightenedBelow).toEqual([]);
  });

  it("ranks a county's institutions under the city's rules: the county's tightening moves them in its own view only", async () => {
    // The province switches off the public-port rule; the county switches it back on (stricter: allowed).
    const province = await put(admin, '330000', {
      rules: [
        { ruleId: 'HOST-PATCH-SECURITY', thresholds: { maxPendingDays: 10 } },
        { ruleId: 'HOST-PORT-REMOTE-PUBLIC', enabled: false },
      ],
      weights: WEIGHTS,
    });
    expect(province.status, province.text).toBe(200);
    const tightened = await put(county, '330106', {
      rules: [
        { ruleId: 'HOST-PATCH-SECURITY', thresholds: { maxPendingDays: 5 } },
        { ruleId: 'HOST-PORT-REMOTE-PUBLIC', enabled: true },
      ],
      weights: WEIGHTS,
    });
    expect(tightened.status, tightened.text).toBe(200);
    // Two institutions reporting the same host (SSH open to the world): one in the county that
    // tightened, one in a county of the same city that did not.
    const strict = await enrollOverHttp(server, { hostname: 'twin-xihu', region: '330106', name: '孪生西湖医院' });
    const plain = await enrollOverHttp(server, { hostname: 'twin-shangcheng', region: '330102', name: '孪生上城医院' });
    const now = new Date();
    for (const [a, host] of [
      [strict, 'twin-xihu'],
      [plain, 'twin-shangcheng'],
    ] as const) {
      const r = await rawCall(server.url, 'agent.report', 'mutation', sampleReport(a.agentId, now, hostSections(now, host, 'exposed')), { authorization: a.authorization });
      expect(r.status, r.text).toBe(200);
    }
    const rowOf = (rows: Row[], code: string) => rows.find((r) => r.code === code);
    // Scores follow reports by about a second.
    const countyView = await waitFor(
      async () => {
        const row = rowOf((await ranking('330106')).rows, strict.institution);
        return row && row.score > 0 ? row : undefined;
      },
      { what: "the county's institution scored" },
    );
    const cityRanking = await waitFor(
      async () => {
        const data = await ranking('330100');
        return (rowOf(data.rows, plain.institution)?.score ?? 0) > 0 ? data : undefined;
      },
      { what: "the other county's institution scored" },
    );
    const inCity = rowOf(cityRanking.rows, strict.institution)!;
    const twin = rowOf(cityRanking.rows, plain.institution)!;
    counts.inputs += 2;
    const same = inCity.score === twin.score && inCity.rank === twin.rank && inCity.failing.critical === twin.failing.critical;
    counts.attack({
      attack: "a county's tightening moves its institutions in the city's ranking",
      tried: 1,
      held: same && countyView.score < inCity.score ? 1 : 0,
      result: `city ranks both twins ${inCity.score} (rank ${inCity.rank}/${twin.rank}); the county's own view ${countyView.score}`,
    });
    // In the city's ranking both are judged by the city's rules: the same host, the same score and rank.
    expect(inCity).toMatchObject({ score: twin.score, rank: twin.rank, technical: twin.technical, failing: twin.failing });
    expect(inCity.failing.critical).toBe(0);
    // The county's own view judges by its stricter rule: a failing critical caps the host.
    expect(countyView.score).toBeLessThan(inCity.score);
    expect(countyView.failing.critical).toBeGreaterThan(0);
    // The city's export ranks them as its page does.
    const csv = await (await fetch(`${server.url}/export/rankings.csv?region=330100`, { headers: { cookie: admin } })).text();
    const line = (name: string) => csv.split(/\r?\n/).find((l) => l.includes(name)) ?? '';
    for (const name of ['孪生西湖医院', '孪生上城医院']) {
      expect(line(name), csv.slice(0, 500)).toContain(`,${inCity.score},`);
      expect(line(name)).not.toContain(`,${countyView.score},`);
    }
    // And the city's ranking says where a county judges more strictly.
    expect(cityRanking.tightenedBelow).toContainEqual({ regionCode: '330106', regionName: expect.any(String), ruleIds: expect.arrayContaining(['HOST-PORT-REMOTE-PUBLIC']) });
  });
});
