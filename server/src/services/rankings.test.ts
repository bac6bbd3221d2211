import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareNames, gradeOf, INSTITUTION_TYPES, rankInstitutions, round1 } from '@weian/shared';
import { appRouter } from '../routers/_app.js';
import { snapshotScores } from '../storage/scoreHistory.js';
import { upsertInstitutionScore } from '../storage/scores.js';
import { insertInstitution, setInstitutionType } from '../storage/institutions.js';
import { upsertRegions } from '../storage/regions.js';
import { createTestDb, DIALECTS, type TestDb } from '../testing/harness.js';
import { createCallerFactory } from '../trpc/init.js';
import type { Principal } from './auth.js';
import { ranking, RANKING_SORTS, type RankingQuery, type RankingRowOut, type RankingSort } from './rankings.js';
import { countyChain } from './regions.js';

const ALL = { kind: 'all' } as const;
const COUNTIES = ['330106', '330105', '330212'];
const LAST_MONTH_END = '2026-10-31';

/**
 * A province of 27 institutions with stored scores written directly: many ties on score and counts
 * (shared ranks, name tie-breaks), every type, two Latin names for case, one without any score, and
 * a snapshot of last month for three in four (the others have no change).
 */
const SCORES = [96.5, 85, 85, 85, 70, 70, 59.9, 90, 42.3];
const NAMES = ['安康', '北湖', '长兴', '重阳', '西溪', '拱宸', '鄞州', '乐清', '𠮷祥'];
const FIXTURE = Array.from({ length: 27 }, (_, i) => ({
  code: `R${String(i).padStart(2, '0')}`,
  name: i === 5 ? 'ABC 口腔医院' : i === 14 ? 'abc 诊所' : `${NAMES[(i * 5) % NAMES.length]}${['医院', '卫生院', '社区卫生服务中心'][i % 3]}${i}`,
  region: COUNTIES[i % 3]!,
  type: INSTITUTION_TYPES[i % INSTITUTION_TYPES.length]!,
  scored: i !== 26,
  score: SCORES[i % SCORES.length]!,
  critical: i % 4 === 0 ? 1 : 0,
  high: i % 6 === 0 ? 2 : 0,
  coverage: [100, 50, 75, 100, 0][i % 5]!,
  overdue: (i * 7) % 3,
  previous: i % 4 === 3 || i === 26 ? null : SCORES[i % SCORES.length]! - [5, -3, 0][i % 4]!,
}));

async function seed(t: TestDb) {
  const db = t.deps.db;
  const at = t.clock.now.toISOString();
  await upsertRegions(db, [...new Map(COUNTIES.flatMap(countyChain).map((r) => [r.code, r])).values()]);
  const store = (f: (typeof FIXTURE)[number], score: number) =>
    upsertInstitutionScore(db, {
      institution_code: f.code,
      region_code: f.region,
      score,
      grade: gradeOf(score).letter,
      technical: score,
      governance: score,
      coverage: f.coverage,
      failing_critical: f.critical,
      failing_high: f.high,
      failing_medium: 1,
      failing_low: 2,
      hosts_registered: 4,
      hosts_reporting: Math.round(f.coverage / 25),
      overdue_mlps: f.overdue,
      updated_at: at,
      failing_by_rule: '[]',
    });
  for (const f of FIXTURE) await insertInstitution(db, { code: f.code, name: f.name, region_code: f.region, type: f.type, created_at: at });
  for (const f of FIXTURE) if (f.previous !== null) await store(f, f.previous);
  await snapshotScores(db, LAST_MONTH_END);
  for (const f of FIXTURE) if (f.scored) await store(f, f.score);
}

/** Every page of a query, concatenated, checking the header on the way. */
async function allPages(t: TestDb, q: RankingQuery, pageSize: number) {
  const rows: RankingRowOut[] = [];
  for (let page = 1; ; page++) {
    const r = await ranking(t.deps, ALL, { ...q, page, pageSize });
    expect([r.page, r.pageSize]).toEqual([page, pageSize]);
    expect(r.rows.length).toBeLessThanOrEqual(pageSize);
    rows.push(...r.rows);
    if (page * pageSize >= r.total) return { total: r.total, totalAll: r.totalAll, rows };
  }
}

/** What each sort orders by, from the shown row (independent of the service's own comparators). */
const VALUE: Record<RankingSort, (r: RankingRowOut) => number | string | null> = {
  rank: (r) => r.position,
  name: (r) => r.name,
  type: (r) => INSTITUTION_TYPES.indexOf(r.type),
  score: (r) => r.score,
  grade: (r) => r.grade,
  critical: (r) => r.failing.critical,
  high: (r) => r.failing.high,
  coverage: (r) => r.coverage,
  overdueMlps: (r) => r.overdueMlps,
  change: (r) => r.change,
};
const compareValues = (sort: RankingSort, a: number | string, b: number | string) =>
  typeof a === 'number' ? a - (b as number) : sort === 'name' ? compareNames(a, b as string) : a < b ? -1 : a > b ? 1 : 0;

describe.each(DIALECTS)('the ranking, paged, filtered and sorted on the server (%s)', (dialect) => {
  let t: TestDb;
  let whole: Awaited<ReturnType<typeof ranking>>;
  beforeAll(async () => {
    t = await createTestDb(dialect);
    await seed(t);
    whole = await ranking(t.deps, ALL, { regionCode: '330000', pageSize: 500 });
  });
  afterAll(() => t.close());

  it('ranks the whole province exactly as rankInstitutions does, with the stored values', () => {
    const expected = rankInstitutions(
      FIXTURE.map((f) => ({ code: f.code, name: f.name, score: f.scored ? f.score : 0, failing: { critical: f.scored ? f.critical : 0, high: f.scored ? f.high : 0, medium: 0, low: 0 } })),
    );
    expect(whole.rows.map((r) => [r.code, r.position, r.rank])).toEqual(expected.map((e) => [e.code, e.position, e.rank]));
    // The fixture has shared ranks, so ties are exercised.
    expect(new Set(whole.rows.map((r) => r.rank)).size).toBeLessThan(FIXTURE.length);
    expect([whole.total, whole.totalAll, whole.page, whole.pageSize]).toEqual([27, 27, 1, 500]);
    for (const r of whole.rows) {
      const f = FIXTURE.find((x) => x.code === r.code)!;
      expect(r.change).toBe(f.previous === null ? null : round1(f.score - f.previous));
      expect([r.type, r.grade, r.overdueMlps, r.coverage]).toEqual([f.type, gradeOf(r.score).letter, f.scored ? f.overdue : 0, f.scored ? f.coverage : 0]);
    }
    // Every type is present, in catalogue order, with its label.
    expect(whole.types.map(([type]) => type)).toEqual([...INSTITUTION_TYPES]);
    expect(whole.types[2]).toEqual(['primary-care', { zh: '基层医疗卫生机构', en: 'Primary care institution' }]);
  });

  it('pages concatenated are the whole ranking in order, for this month and last', async () => {
    const first = await ranking(t.deps, ALL, { regionCode: '330000' });
    expect([first.page, first.pageSize, first.total, first.rows.length]).toEqual([1, 50, 27, 27]);
    expect(first.rows).toEqual(whole.rows);
    for (const size of [1, 4, 10]) expect((await allPages(t, { regionCode: '330000' }, size)).rows).toEqual(whole.rows);
    const past = await ranking(t.deps, ALL, { regionCode: '330000', period: '2026-10', pageSize: 500 });
    // Only the snapshot's institutions are in last month's ranking.
    expect(past.totalAll).toBe(FIXTURE.filter((f) => f.previous !== null).length);
    expect((await allPages(t, { regionCode: '330000', period: '2026-10' }, 4)).rows).toEqual(past.rows);
  });

  it('a filtered page shows each institution with its true rank in the whole region', async () => {
    const cases: Array<[RankingQuery, (r: RankingRowOut) => boolean]> = [
      [{ regionCode: '330000', types: ['primary-care', 'cdc'] }, (r) => r.type === 'primary-care' || r.type === 'cdc'],
      [{ regionCode: '330000', grades: ['B', 'D'] }, (r) => r.grade === 'B' || r.grade === 'D'],
      [{ regionCode: '330000', text: ' abc ' }, (r) => r.name.toLowerCase().includes('abc')],
      [{ regionCode: '330000', text: '卫生院' }, (r) => r.name.includes('卫生院')],
      [{ regionCode: '330000', types: ['tertiary-hospital'], grades: ['C'] }, (r) => r.type === 'tertiary-hospital' && r.grade === 'C'],
      [{ regionCode: '330000', text: '没有这家' }, () => false],
    ];
    for (const [q, keep] of cases) {
      const expected = whole.rows.filter(keep);
      const got = await allPages(t, q, 3);
      // The whole rows, ranks and positions included, and in rank order.
      expect(got.rows, JSON.stringify(q)).toEqual(expected);
      expect([got.total, got.totalAll]).toEqual([expected.length, 27]);
    }
    // Case-insensitive: both Latin names, and some filters do leave institutions out.
    expect((await ranking(t.deps, ALL, { regionCode: '330000', text: 'ABC' })).rows.map((r) => r.name).sort()).toEqual(['ABC 口腔医院', 'abc 诊所']);
    const tertiary = await ranking(t.deps, ALL, { regionCode: '330000', types: ['tertiary-hospital'] });
    expect(tertiary.total).toBeLessThan(tertiary.totalAll);
    expect(tertiary.rows.some((r) => r.position > tertiary.total)).toBe(true);
    // A city's ranking ranks its own institutions; the types offered are those present in it.
    const city = await ranking(t.deps, ALL, { regionCode: '330100' });
    expect(city.totalAll).toBe(18);
    expect(city.rows.map((r) => r.position)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
  });

  it('each sort key orders its values, ties broken by rank, in both directions and across pages', async () => {
    for (const sort of RANKING_SORTS) {
      for (const order of ['asc', 'desc'] as const) {
        const { rows, total } = await allPages(t, { regionCode: '330000', sort, order }, 5);
        const label = `${sort} ${order}`;
        expect(total, label).toBe(27);
        expect(rows.map((r) => r.code).sort(), label).toEqual(whole.rows.map((r) => r.code).sort());
        let ties = 0;
        for (let i = 1; i < rows.length; i++) {
          const [a, b] = [rows[i - 1]!, rows[i]!];
          const [x, y] = [VALUE[sort](a), VALUE[sort](b)];
          // No change (no previous score) goes last in either direction.
          if (x === null || y === null) {
            expect(y, `${label}: ${a.code} before ${b.code}`).toBeNull();
            if (x === null) expect(a.position, label).toBeLessThan(b.position);
            continue;
          }
          const c = compareValues(sort, x, y) * (order === 'desc' ? -1 : 1);
          expect(c, `${label}: ${a.code} (${x}) before ${b.code} (${y})`).toBeLessThanOrEqual(0);
          if (c === 0) {
            ties++;
            expect(a.position, `${label}: tie by rank`).toBeLessThan(b.position);
          }
        }
        // The fixture has ties on every key but the strict ones, so the tie rule is tested.
        if (sort !== 'rank' && sort !== 'name') expect(ties, label).toBeGreaterThan(0);
      }
    }
    // Rank descending is the ranking reversed; score descending is the ranking itself.
    expect((await ranking(t.deps, ALL, { regionCode: '330000', sort: 'rank', order: 'desc', pageSize: 500 })).rows).toEqual([...whole.rows].reverse());
    expect((await ranking(t.deps, ALL, { regionCode: '330000', sort: 'score', order: 'desc', pageSize: 500 })).rows).toEqual(whole.rows);
    // Sorted and filtered together, paged.
    const filtered = whole.rows.filter((r) => r.type === 'primary-care' || r.type === 'other');
    const byCoverage = [...filtered].sort((a, b) => a.coverage - b.coverage || a.position - b.position);
    expect((await allPages(t, { regionCode: '330000', types: ['primary-care', 'other'], sort: 'coverage' }, 2)).rows).toEqual(byCoverage);
  });

  it('a page beyond the end is empty and still tells the totals', async () => {
    const r = await ranking(t.deps, ALL, { regionCode: '330000', page: 7, pageSize: 5 });
    expect([r.rows, r.total, r.totalAll, r.page, r.pageSize]).toEqual([[], 27, 27, 7, 5]);
    const last = await ranking(t.deps, ALL, { regionCode: '330000', page: 6, pageSize: 5 });
    expect(last.rows).toEqual(whole.rows.slice(25));
    const filtered = await ranking(t.deps, ALL, { regionCode: '330000', grades: ['A'], page: 3, pageSize: 50 });
    expect([filtered.rows, filtered.total]).toEqual([[], whole.rows.filter((x) => x.grade === 'A').length]);
  });

  it('refuses bad input with BAD_REQUEST through the router', async () => {
    const admin: Principal = { userId: 'u-admin', username: 'admin', displayName: 'admin', role: 'admin', scopeCode: null, scope: ALL, regionCode: null, institutionCode: null };
    const caller = createCallerFactory(appRouter)({ deps: t.deps, agentCredentials: null, principal: admin, sessionToken: null, remoteAddress: '127.0.0.1', bodyBytes: 0, setSessionCookie: () => {} });
    const call = (input: Record<string, unknown>) => caller.institutions.ranking({ regionCode: '330000', ...input } as never);
    const bad: Array<Record<string, unknown>> = [
      { page: 0 },
      { page: 1.5 },
      { page: '2' },
      { pageSize: 0 },
      { pageSize: 501 },
      { sort: 'population' },
      { order: 'up' },
      { types: ['hospital'] },
      { types: 'cdc' },
      { grades: ['E'] },
      { text: '医'.repeat(129) },
      { regionCode: '33' },
    ];
    for (const input of bad) {
      const error = await call(input).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, JSON.stringify(input)).toBeInstanceOf(TRPCError);
      expect((error as TRPCError).code, JSON.stringify(input)).toBe('BAD_REQUEST');
    }
    // The bounds themselves are accepted.
    const ok = await call({ page: 1, pageSize: 500, sort: 'change', order: 'desc', types: ['cdc'], grades: ['A', 'D'], text: '医'.repeat(128) });
    expect([ok.total, ok.totalAll, ok.pageSize]).toEqual([0, 27, 500]);
  });
});

describe.each(DIALECTS)('a live ranking is ordered again after any change it reads (%s)', (dialect) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(dialect);
    await seed(t);
  });
  afterAll(() => t.close());

  it('sees a new score, a new institution and a changed type, and nothing stale in between', async () => {
    const db = t.deps.db;
    const before = await ranking(t.deps, ALL, { regionCode: '330000', pageSize: 500 });
    // The same look twice (the second from the kept keys) is the same ranking.
    expect(await ranking(t.deps, ALL, { regionCode: '330000', pageSize: 500 })).toEqual(before);
    const last = before.rows.at(-1)!;
    expect(last.rank).toBeGreaterThan(1);
    await upsertInstitutionScore(db, {
      institution_code: last.code,
      region_code: last.regionCode,
      score: 100,
      grade: 'A',
      technical: 100,
      governance: 100,
      coverage: 100,
      failing_critical: 0,
      failing_high: 0,
      failing_medium: 0,
      failing_low: 0,
      hosts_registered: 1,
      hosts_reporting: 1,
      overdue_mlps: 0,
      updated_at: t.clock.now.toISOString(),
      failing_by_rule: '[]',
    });
    const after = await ranking(t.deps, ALL, { regionCode: '330000', pageSize: 1 });
    expect(after.rows.map((r) => [r.code, r.rank, r.score])).toEqual([[last.code, 1, 100]]);

    await insertInstitution(db, { code: 'NEW', name: '新建卫生院', region_code: '330106', type: 'cdc', created_at: t.clock.now.toISOString() });
    const grown = await ranking(t.deps, ALL, { regionCode: '330000', text: '新建' });
    expect([grown.totalAll, grown.rows.map((r) => [r.code, r.score, r.type])]).toEqual([before.totalAll + 1, [['NEW', 0, 'cdc']]]);

    await setInstitutionType(db, 'NEW', 'maternal-child');
    const retyped = await ranking(t.deps, ALL, { regionCode: '330000', types: ['maternal-child'] });
    expect(retyped.rows.map((r) => r.code)).toContain('NEW');
    expect((await ranking(t.deps, ALL, { regionCode: '330000', types: ['cdc'] })).rows.map((r) => r.code)).not.toContain('NEW');
  });
});
