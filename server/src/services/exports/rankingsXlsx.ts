import type { Writable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import { chinaTime } from './format.js';
import { GRADES, regionFigures, type RegionPart } from '@weian/shared';
import { gradeLabel, RANKING_COLUMNS, rowValues } from './columns.js';
import { methodologyRows, rulesInForce } from './methodology.js';
import { regionPartOf, type RankingSource } from './rankedRows.js';
import { waitDrain } from './sink.js';
import { addRow, openWorkbook, sheetNamer, tableSheet, textSheet, type Workbook } from './xlsx.js';
import type { RankingRowOut } from '../rankings.js';

export const RANKING_SHEET = '排名';
export const METHODOLOGY_SHEET = '评估方法';

async function rankingSheet(wb: Workbook, name: string, rows: AsyncIterable<RankingRowOut>, out: Writable, parts?: RegionPart[]): Promise<number> {
  const sheet = tableSheet(wb, name, RANKING_COLUMNS);
  let n = 0;
  for await (const row of rows) {
    addRow(sheet, rowValues(row));
    parts?.push(regionPartOf(row));
    // Let deflate run and the zip reach the client before making more, so rows do not pile up here.
    if (++n % 200 === 0) {
      await setImmediate();
      await waitDrain(out);
    }
  }
  sheet.commit();
  return n;
}

/**
 * The ranking workbook: the region's ranking, then one sheet per sub-region (its own ranking, as
 * `ranking()` of that sub-region gives it), then the methodology with the weights and rules in force.
 * Sheets are written one after another: the streaming zip holds one open sheet at a time.
 */
export async function writeRankingsXlsx(source: RankingSource, out: Writable): Promise<number> {
  const wb = openWorkbook(out, source.generatedAt);
  const name = sheetNamer([RANKING_SHEET, METHODOLOGY_SHEET]);
  const parts: RegionPart[] = [];
  const n = await rankingSheet(wb, RANKING_SHEET, source.rows(), out, parts);
  // The region's figures from the rows written, by the one function the overview and the PDF use.
  const region = regionFigures(parts);
  for (const sub of source.subRegions) await rankingSheet(wb, name(sub.name), source.rows(sub.code), out);
  textSheet(
    wb,
    METHODOLOGY_SHEET,
    [28, 40, 10, 10, 12, 40, 30],
    [
      ['卫安 网络安全评估排名'],
      ['地区', `${source.region.name}（${source.region.code}）`],
      ['期间', source.period, source.live ? '本月实时得分' : '该月最后一次每日快照'],
      ['对比期间', source.previousPeriod],
      ['机构数', source.total],
      ['平均得分', region.averageScore],
      ['地区等级', region.grade === null ? null : gradeLabel(region.grade)],
      ['等级分布（机构数）', ...GRADES.map((g) => `${gradeLabel(g.letter)} ${region.distribution[g.letter]}`)],
      ['生成时间', chinaTime(source.generatedAt)],
      [],
      ...rulesInForce(source.settings),
      [],
      ...methodologyRows(),
    ],
    (row) => row.length === 1 || row[0] === '规则',
  );
  await wb.commit();
  return n;
}
