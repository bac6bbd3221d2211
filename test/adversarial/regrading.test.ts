import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startServerProcess, type ServerProcess } from '../helpers/index.js';
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

describe('a county cannot re-grade itself', () => {
  let server: ServerProcess;
  let admin: string;
  let county: string;
  const put = (cookie: string, regionCode: string, settings: unknown) => rawCall(server.url, 'regions.putSettings', 'mutation', { regionCode, settings }, { cookie });
  const ranking = async (regionCode: string) => {
    const r = await rawCall(server.url, 'institutions.ranking', 'query', { regionCode }, { cookie: admin });
    expect(r.status, r.text).toBe(200);
    return (JSON.parse(r.text) as { result: { data: { weights: typeof WEIGHTS; tightenedBelow: Array<{ regionCode: string; regionName: string; ruleIds: string[] }> } } }).result.data;
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
    counts.attack({ attack: 'county re-grades itself: switches a rule off, loosens a threshold, moves the weights', tried: attempts.length, held: answers.filter((r) => r.status === 400).length, result: '400: settings may only tighten down the tree' });
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
});
