import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';

/**
 * What the XLSX exports share: a streaming workbook (each sheet's rows are committed and zipped as
 * they come, so only the current page is held), header style, and valid sheet names.
 */
export type Workbook = ExcelJS.stream.xlsx.WorkbookWriter;
export type Sheet = ExcelJS.Worksheet;
type Cell = string | number | null;

export function openWorkbook(out: Writable, generatedAt: string): Workbook {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  wb.creator = '卫安 WeiAn';
  wb.created = new Date(generatedAt);
  return wb;
}

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDCE6F1' } };

export interface TableColumn {
  header: string;
  width: number;
  numFmt?: string | undefined;
}

/** A sheet whose first row is a frozen, filterable header over `columns`. */
export function tableSheet(wb: Workbook, name: string, columns: readonly TableColumn[]): Sheet {
  const sheet = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ width: c.width, ...(c.numFmt ? { style: { numFmt: c.numFmt } } : {}) }));
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  const header = sheet.addRow(columns.map((c) => c.header));
  header.font = { bold: true };
  header.eachCell((cell) => {
    cell.fill = HEADER_FILL;
    cell.alignment = { vertical: 'middle', wrapText: true };
  });
  header.commit();
  return sheet;
}

/** Adds and commits one row (committed rows leave memory); cells take their column's number format. */
export function addRow(sheet: Sheet, values: readonly Cell[]): void {
  sheet.addRow(values as Cell[]).commit();
}

/** Free-form rows (titles, notes, key/value pairs); the first cell of a one-cell row may be bold. */
export function textSheet(wb: Workbook, name: string, widths: readonly number[], rows: ReadonlyArray<readonly Cell[]>, bold: (row: readonly Cell[]) => boolean = () => false): void {
  const sheet = wb.addWorksheet(name);
  sheet.columns = widths.map((width) => ({ width }));
  for (const values of rows) {
    const row = sheet.addRow(values as Cell[]);
    if (bold(values)) row.font = { bold: true };
    row.alignment = { vertical: 'top', wrapText: true };
    row.commit();
  }
  sheet.commit();
}

/** Excel refuses sheet names over 31 characters, with []:*?/\ in them, or twice the same (case-insensitively). */
export function sheetNamer(reserved: readonly string[] = []) {
  const taken = new Set(reserved.map((n) => n.toLowerCase()));
  return (wanted: string) => {
    const base =
      wanted
        .replace(/[[\]:*?/\\\u0000-\u001f]/g, ' ')
        .replace(/^'+|'+$/g, '')
        .trim()
        .slice(0, 31) || 'Sheet';
    let name = base;
    for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${base.slice(0, 31 - String(i).length - 1)}~${i}`;
    taken.add(name.toLowerCase());
    return name;
  };
}
