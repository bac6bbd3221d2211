import type { RankingRowOut } from '../rankings.js';

/**
 * The ranking table's columns, defined once for XLSX, CSV and PDF: header, how to read the value
 * from a `ranking()` row, and how it is shown (width in characters, Excel number format).
 * Values stay numbers where they are numbers, so a spreadsheet can sort and sum them.
 */
export interface Column {
  key: string;
  header: string;
  value(row: RankingRowOut): string | number | null;
  /** In characters; never exactly 9, which exceljs takes for Excel's default and drops. */
  width: number;
  /** Excel number format for numeric columns. */
  numFmt?: string;
  /** Right-aligned in the PDF table. */
  numeric?: boolean;
  /** Not wrapped in the PDF table. */
  nowrap?: boolean;
}
