import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, enrollHost, hostSections, sampleReport, type TestDb } from '../testing/harness.js';
import type { Principal } from './auth.js';
import { ingestReport } from './ingest.js';
import { ranking } from './rankings.js';
import { flushInstitutionScores } from './scoreRefresher.js';
import { putSettings } from './settings.js';

const ADMIN: Principal = { userId: 'u_admin', username: 'admin', displayName: 'admin', role: 'admin', scopeCode: null, scope: { kind: 'all' }, regionCode: null, institutionCode: null };
const WEIGHTS = { technical: 0.6, governance: 0.3, coverage: 0.1 };

/**
 * A ranking judges everyone under the ranking region's settings (rankings.ts, evaluation.ts
 * `judgeInstitutionUnder`): twin institutions reporting the same host, one in a county that
 * tightened, rank alike in their city, and apart in the county's own view. On both databases.
 */
describe.each(DIALECTS)("a city's ranking judges a tightening county's institutions by the city's rules (%s)", (dialect) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(dialect);
    await putSettings(t.deps, ADMIN, '330000', { rules: [{ ruleId: 'HOST-PORT-REMOTE-PUBLIC', enabled: false }], weights: WEIGHTS } as never);
    await putSettings(t.deps, ADMIN, '330106', {
      rules: [
        { ruleId: 'HOST-PORT-REMOTE-PUBLIC', enabled: true },
        { ruleId: 'HOST-PATCH-SECURITY', thresholds: { maxPendingDays: 3 } },
      ],
      weights: WEIGHTS,
    } as never);
    for (const [institution, region] of [
      ['TWIN-STRICT', '330106'],
      ['TWIN-PLAIN', '330105'],
    ] as const) {
      // Several hosts, unlike each other: judged again together (evaluation.ts), each keeps its own findings.
      for (const [i, kind] of (['exposed', 'healthy', 'exposed'] as const).entries()) {
        const agent = await enrollHost(t.deps, { institution, region, hostname: `${institution}-srv${i}` });
        await ingestReport(t.deps, agent, sampleReport(agent.id, t.clock.now, hostSections(t.clock.now, `${institution}-srv${i}`, kind)), 1000);
      }
    }
    await flushInstitutionScores(t.deps);
  });
  afterAll(() => t.close());

  const rowOf = async (regionCode: string, code: string) => (await ranking(t.deps, { kind: 'all' }, { regionCode })).rows.find((r) => r.code === code)!;

  it('ranks the twins alike in the city, and the strict one lower in its own county', async () => {
    const strict = await rowOf('330100', 'TWIN-STRICT');
    const plain = await rowOf('330100', 'TWIN-PLAIN');
    expect(strict).toMatchObject({ score: plain.score, rank: plain.rank, technical: plain.technical, governance: plain.governance, coverage: plain.coverage, failing: plain.failing });
    const own = await rowOf('330106', 'TWIN-STRICT');
    expect(own.score).toBeLessThan(strict.score);
    expect(own.failing.critical).toBe(2);
    // A second look reuses what was judged (same revision): the same answer.
    expect(await rowOf('330100', 'TWIN-STRICT')).toEqual(strict);
  });
});
