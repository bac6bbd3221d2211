import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, type TestDb } from '../../testing/harness.js';
import { seedExportFixture, type ExportFixture } from '../../testing/exportFixture.js';
import { ranking } from '../rankings.js';
import { openRanking } from './rankedRows.js';

const ALL = { kind: 'all' } as const;
const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe.each(DIALECTS)('paged ranking for export (%s)', (dialect) => {
  let t: TestDb;
  let f: ExportFixture;
  beforeAll(async () => {
    t = await createTestDb(dialect);
    f = await seedExportFixture(t.deps, t.clock, new Date('2026-11-20T02:00:00Z'));
  });
  afterAll(() => t.close());

  it('yields exactly the rows of ranking(), page by page, for the live and a past period', async () => {
    for (const period of [undefined, f.previous]) {
      const whole = await ranking(t.deps, ALL, { regionCode: f.city, period });
      // Page size 3 over 8 institutions: three pages, the last one short.
      const source = await openRanking(t.deps, ALL, { regionCode: f.city, period }, 3);
      expect(source.total).toBe(8);
      expect(await collect(source.rows())).toEqual(whole.rows);
      expect([source.period, source.previousPeriod, source.live]).toEqual([whole.period, whole.previousPeriod, whole.live]);
    }
  });

  it('a sub-region yields that region’s own ranking', async () => {
    const source = await openRanking(t.deps, ALL, { regionCode: f.city }, 2);
    expect(source.subRegions).toEqual([
      { code: '330105', name: '拱墅区', total: 4 },
      { code: '330106', name: '西湖区', total: 4 },
    ]);
    for (const sub of source.subRegions) expect(await collect(source.rows(sub.code))).toEqual((await ranking(t.deps, ALL, { regionCode: sub.code })).rows);
  });

  it('the live ranking has changes against the previous month, and the tie by name shares a rank', async () => {
    const rows = await collect((await openRanking(t.deps, ALL, { regionCode: '330105' })).rows());
    expect(rows.every((r) => r.change !== null)).toBe(true);
    expect(rows.some((r) => r.change !== 0)).toBe(true);
    const an = rows.find((r) => r.name === '安康医院')!;
    const bei = rows.find((r) => r.name === '北湖社区卫生服务中心')!;
    expect(an.position + 1).toBe(bei.position);
    expect(an.rank).toBe(bei.rank);
  });

  it('keeps to the caller’s scope', async () => {
    const county = { kind: 'region', code: '330106', prefix: '330106' } as const;
    await expect(openRanking(t.deps, county, { regionCode: '330105' })).rejects.toThrow(/not visible/);
    expect((await openRanking(t.deps, county, { regionCode: '330106' })).total).toBe(4);
  });
});
