import type { Writable } from 'node:stream';
import { RANKING_COLUMNS, rowValues } from './columns.js';
import type { RankingSource } from './rankedRows.js';
import { end, write } from './sink.js';

/** Excel reads a UTF-8 file as the local ANSI code page unless it starts with a byte-order mark. */
export const BOM = '\uFEFF';

/**
 * Spreadsheet formula injection: a text cell starting with = + - @ (or tab/CR) is run as a formula
 * when the CSV is opened in Excel. Such texts get a leading apostrophe (OWASP's advice); numbers
 * are written as numbers and left alone.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One RFC 4180 field: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvLine = (values: ReadonlyArray<string | number | null>) => `${values.map(csvField).join(',')}\r\n`;

/** The ranking sheet as CSV: header, then one line per institution in rank order, written page by page. */
export async function writeRankingsCsv(source: RankingSource, out: Writable, pageLines = 200): Promise<number> {
  await write(out, BOM + csvLine(RANKING_COLUMNS.map((c) => c.header)));
  let buffer = '';
  let n = 0;
  for await (const row of source.rows()) {
    buffer += csvLine(rowValues(row));
    if (++n % pageLines === 0) {
      await write(out, buffer);
      buffer = '';
    }
  }
  if (buffer) await write(out, buffer);
  await end(out);
  return n;
}
