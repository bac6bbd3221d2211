import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '@weian/shared';
import { getEvaluationState } from '../storage/findings.js';
import { getInstitutionScore } from '../storage/scores.js';
import { createTestDb, DIALECTS, enrollHost, hostSections, sampleReport, steadyReport, type TestDb } from '../testing/harness.js';
import { ingestReport, REEVALUATE_AFTER_MS } from './ingest.js';
import { flushInstitutionScores, RESCORE_AFTER_MS } from './scoreRefresher.js';

describe.each(DIALECTS)("an institution's score after its hosts are judged again (%s)", (dialect) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  const minutes = (n: number) => t.clock.advance(n * 60_000);
  const report = async (agent: Awaited<ReturnType<typeof enrollHost>>, r: Report) => {
    await ingestReport(t.deps, agent, r, 1000);
    await flushInstitutionScores(t.deps);
  };
  /** Each refresh of the institution's score raises its revision (what rankings reuse judgements by). */
  const revision = async () => (await getInstitutionScore(t.deps.db, 'RS-1'))!.revision;
  const judgedAt = async (hostId: string) => (await getEvaluationState(t.deps.db, hostId)).evaluatedAt;

  it('is refreshed when what it reads of a host moves, and otherwise only once it is an hour old', async () => {
    expect(REEVALUATE_AFTER_MS).toBe(60 * 60_000);
    expect(RESCORE_AFTER_MS).toBe(60 * 60_000);
    const a = await enrollHost(t.deps, { institution: 'RS-1', region: '330106', hostname: 'rs-a' });
    const b = await enrollHost(t.deps, { institution: 'RS-1', region: '330106', hostname: 'rs-b' });
    await report(a, sampleReport(a.id, t.clock.now, {}, 'rs-a'));
    const first = await revision();
    // b's first report, 40 minutes later: its score is new to the institution.
    minutes(40);
    await report(b, sampleReport(b.id, t.clock.now, {}, 'rs-b'));
    expect(await revision()).toBe(first + 1);

    // a's judgement is an hour old: judged again, the same; the institution's score is 21 minutes old and stands.
    minutes(21);
    await report(a, steadyReport(a.id, t.clock.now));
    expect(await judgedAt(a.hostId)).toBe(t.clock.now.toISOString());
    expect(await revision()).toBe(first + 1);

    // b judged again, the same, once the score is over an hour old: time alone may have moved it (coverage, deadlines).
    minutes(41);
    await report(b, steadyReport(b.id, t.clock.now));
    expect(await judgedAt(b.hostId)).toBe(t.clock.now.toISOString());
    expect(await revision()).toBe(first + 2);

    // A minute later a's ports open to the internet: findings fail, its score falls, the institution's follows at once.
    minutes(1);
    await report(a, sampleReport(a.id, t.clock.now, hostSections(t.clock.now, 'rs-a', 'exposed'), 'rs-a'));
    expect(await revision()).toBe(first + 3);
    const score = (await getInstitutionScore(t.deps.db, 'RS-1'))!;
    expect(score.failing_critical + score.failing_high).toBeGreaterThan(0);
  });
});
