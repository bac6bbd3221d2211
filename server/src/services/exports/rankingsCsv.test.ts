import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../testing/harness.js';
import { INCIDENT_FIXTURE, seedExportFixture, seedFixtureIncidents, TRICKY_NAMES, type ExportFixture } from '../../testing/exportFixture.js';
import { collectOutput } from '../../testing/collect.js';
import { ranking } from '../rankings.js';
import { RANKING_COLUMNS, rowValues } from './columns.js';
import { openRanking } from './rankedRows.js';
import { csvField, writeRankingsCsv } from './rankingsCsv.js';
import { ExportAborted } from './sink.js';

const ALL = { kind: 'all' } as const;

describe('rankings CSV', () => {
  let t: TestDb;
  let f: ExportFixture;
  beforeAll(async () => {
    t = await createTestDb('sqlite');
    f = await seedExportFixture(t.deps, t.clock, new Date('2026-11-20T02:00:00Z'));
    await seedFixtureIncidents(t.deps, t.clock);
  });
  afterAll(() => t.close());

  it('quotes per RFC 4180 and defuses formulas', () => {
    expect(csvField('plain 医院')).toBe('plain 医院');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=1+1')).toBe("'=1+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(-2.5)).toBe('-2.5');
    expect(csvField(null)).toBe('');
  });

  it('stops reading when the client has gone', async () => {
    const out = new PassThrough();
    out.destroy();
    await expect(writeRankingsCsv(await openRanking(t.deps, ALL, { regionCode: f.city }), out)).rejects.toBeInstanceOf(ExportAborted);
  });

  // Parsed back with csv-parse row by row in test/e2e/exports.test.ts (csv-parse is a test dependency).
  it('is UTF-8 with a BOM and CRLF lines, one per institution in rank order, tricky names quoted', async () => {
    const bytes = await collectOutput(async (out) => writeRankingsCsv(await openRanking(t.deps, ALL, { regionCode: f.city }, 3), out, 2));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    const expected = (await ranking(t.deps, ALL, { regionCode: f.city })).rows;
    expect(text.startsWith(RANKING_COLUMNS.map((c) => c.header).join(',') + '\r\n')).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    // Every institution's line, whole, in order (the newline inside a quoted name is LF, lines end CRLF).
    let at = 0;
    for (const row of expected) {
      const line = rowValues(row).map(csvField).join(',') + '\r\n';
      const found = text.indexOf(line, at);
      expect(found, row.name).toBeGreaterThanOrEqual(at);
      at = found + line.length;
    }
    expect(at).toBe(text.length);
    expect(text).toContain('"西湖区第一人民医院,分院"');
    expect(text).toContain('"浙江""大学""附属医院"');
    expect(text).toContain('"拱墅区中医院\n（新院区）"');
    expect(text).toContain(`,${TRICKY_NAMES.script},`);
  });

  it('carries the incident columns: late reports and missing summaries of the period', async () => {
    const text = (await collectOutput(async (out) => writeRankingsCsv(await openRanking(t.deps, ALL, { regionCode: f.city }), out))).toString('utf8').slice(1);
    const [head, ...lines] = text.split('\r\n');
    const headers = head!.split(',');
    const at = [headers.indexOf('迟报事件'), headers.indexOf('缺总结报告')];
    expect(at.every((i) => i > 0)).toBe(true);
    const cells = (code: string) => lines.find((l) => l.split(',')[1] === code)!.split(',');
    expect(at.map((i) => cells(INCIDENT_FIXTURE.code)[i])).toEqual([String(INCIDENT_FIXTURE.late), String(INCIDENT_FIXTURE.summaryMissing)]);
    expect(at.map((i) => cells('HZ-GS-4')[i])).toEqual(['0', '0']);
  });
});
