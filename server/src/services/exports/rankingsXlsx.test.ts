import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { createTestDb, type TestDb } from '../../testing/harness.js';
import { INCIDENT_FIXTURE, seedExportFixture, seedFixtureIncidents, TRICKY_NAMES, type ExportFixture } from '../../testing/exportFixture.js';
import { collectOutput } from '../../testing/collect.js';
import { ranking } from '../rankings.js';
import { RANKING_COLUMNS, rowValues } from './columns.js';
import { openRanking } from './rankedRows.js';
import { METHODOLOGY_SHEET, RANKING_SHEET, writeRankingsXlsx } from './rankingsXlsx.js';
import { sheetNamer } from './xlsx.js';
import { putSettings } from '../settings.js';
import type { Principal } from '../auth.js';

const ALL = { kind: 'all' } as const;
const values = (sheet: ExcelJS.Worksheet) => {
  const rows: unknown[][] = [];
  // Array.from: an empty cell is a hole in exceljs' sparse array, which map() would skip.
  sheet.eachRow((row) =>
    rows.push(
      Array.from(row.values as unknown[])
        .slice(1)
        .map((v) => v ?? null),
    ),
  );
  return rows;
};
const pad = (row: unknown[]) => [...row, ...Array(RANKING_COLUMNS.length - row.length).fill(null)];

describe('rankings XLSX', () => {
  let t: TestDb;
  let f: ExportFixture;
  let wb: ExcelJS.Workbook;
  beforeAll(async () => {
    t = await createTestDb('sqlite');
    f = await seedExportFixture(t.deps, t.clock, new Date('2026-11-20T02:00:00Z'));
    await seedFixtureIncidents(t.deps, t.clock);
    // The province sets other weights (only it may): the city's methodology sheet must state those, not the defaults.
    const admin = { username: 'admin', scope: ALL } as unknown as Principal;
    await putSettings(t.deps, admin, `${f.city.slice(0, 2)}0000`, { weights: { technical: 0.5, governance: 0.4, coverage: 0.1 } } as never);
    const bytes = await collectOutput(async (out) => writeRankingsXlsx(await openRanking(t.deps, ALL, { regionCode: f.city }, 3), out));
    wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as never);
  });
  afterAll(() => t.close());

  it('has the ranking, one sheet per sub-region, and the methodology', () => {
    expect(wb.worksheets.map((s) => s.name)).toEqual([RANKING_SHEET, '拱墅区', '西湖区', METHODOLOGY_SHEET]);
  });

  it('each ranking sheet reads back as ranking() of its region, row by row, with numbers as numbers', async () => {
    for (const [name, code] of [
      [RANKING_SHEET, f.city],
      ['拱墅区', '330105'],
      ['西湖区', '330106'],
    ] as const) {
      const rows = values(wb.getWorksheet(name)!);
      const expected = (await ranking(t.deps, ALL, { regionCode: code })).rows;
      expect(rows[0]).toEqual(RANKING_COLUMNS.map((c) => c.header));
      expect(rows.slice(1).map(pad)).toEqual(expected.map(rowValues));
    }
    const names = values(wb.getWorksheet(RANKING_SHEET)!).map((r) => r[2]);
    for (const n of Object.values(TRICKY_NAMES)) expect(names).toContain(n);
  });

  it('freezes and filters the header, sets widths and number formats', () => {
    const sheet = wb.getWorksheet(RANKING_SHEET)!;
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.autoFilter).toBe(`A1:${String.fromCharCode(64 + RANKING_COLUMNS.length)}1`);
    expect(sheet.getRow(1).font?.bold).toBe(true);
    RANKING_COLUMNS.forEach((c, i) => {
      expect(sheet.getColumn(i + 1).width).toBe(c.width);
      if (c.numFmt) expect(sheet.getRow(2).getCell(i + 1).numFmt ?? c.numFmt).toBe(c.numFmt);
    });
    const score = RANKING_COLUMNS.findIndex((c) => c.key === 'score') + 1;
    expect(sheet.getRow(2).getCell(score).numFmt).toBe('0.0');
    expect(typeof sheet.getRow(2).getCell(score).value).toBe('number');
  });

  it('states the weights and rules in force and the methodology text', () => {
    const text = values(wb.getWorksheet(METHODOLOGY_SHEET)!).map((r) => r.filter((x) => x !== null).join(' | '));
    expect(text).toContain('机构得分权重（本地区在用） | 技术 50% + 管理 40% + 覆盖 10%');
    expect(text.some((l) => l.startsWith('期间 | 2026-11'))).toBe(true);
    expect(text.some((l) => l.startsWith('HOST-PORT-REMOTE-PUBLIC | '))).toBe(true);
    // The generated methodology document follows, its tables split into cells.
    expect(text).toContain('卫安 评估方法');
    expect(text.some((l) => l.startsWith('规则 | 名称 | 严重程度 | 依据'))).toBe(true);
  });

  it('names sheets as Excel allows', () => {
    const name = sheetNamer([RANKING_SHEET]);
    expect(name('排名')).toBe('排名~2');
    expect(name('a/b:c*d?[e]')).toBe('a b c d  e');
    expect(name('x'.repeat(40))).toHaveLength(31);
    expect(name('x'.repeat(40))).toBe(`${'x'.repeat(29)}~2`);
  });

  it('carries the incident columns as numbers, and says how they count in the methodology sheet', () => {
    const rows = values(wb.getWorksheet(RANKING_SHEET)!);
    const at = [rows[0]!.indexOf('迟报事件'), rows[0]!.indexOf('缺总结报告')];
    expect(at.every((i) => i > 0)).toBe(true);
    const row = rows.find((r) => r[1] === INCIDENT_FIXTURE.code)!;
    expect(at.map((i) => row[i])).toEqual([INCIDENT_FIXTURE.late, INCIDENT_FIXTURE.summaryMissing]);
    expect(at.map((i) => rows.find((r) => r[1] === 'HZ-GS-4')![i])).toEqual([0, 0]);
    const method = values(wb.getWorksheet(METHODOLOGY_SHEET)!).flat().map(String);
    expect(method.some((c) => c.includes('“迟报事件”“缺总结报告”两列') && c.includes('不计入得分和名次'))).toBe(true);
  });
});
