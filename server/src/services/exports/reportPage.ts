import { esc, num1, signed1 } from './format.js';

/**
 * The printable page both PDF reports are made from. A CSP that allows no script and no fetch
 * backs up the escaping: even a value that slipped through could not run or load anything.
 */
const CSS = `
body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; font-size: 10.5px; color: #222; margin: 0; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 14px; margin: 18px 0 6px; border-bottom: 1px solid #bbb; padding-bottom: 2px; } h3 { font-size: 12px; margin: 12px 0 4px; }
.meta { color: #555; margin-bottom: 10px; }
.kpis { display: flex; flex-wrap: wrap; gap: 8px; }
.kpi { border: 1px solid #ccc; border-radius: 4px; padding: 6px 10px; min-width: 92px; }
.kpi b { display: block; font-size: 16px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ccc; padding: 2px 4px; vertical-align: top; white-space: pre-wrap; overflow-wrap: anywhere; }
td.k { white-space: nowrap; }
/* Headers break between words, never inside one: keep-all keeps a CJK word such as 严重不合规 whole. */
th { white-space: normal; word-break: keep-all; overflow-wrap: normal; }
th { background: #dce6f1; } thead { display: table-header-group; } tr { page-break-inside: avoid; }
td.n { text-align: right; white-space: nowrap; }
.note { color: #555; font-size: 9.5px; }
.fail { color: #b00020; } .due-soon { color: #a35f00; } .unknown { color: #666; }
`;

export function reportPage(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"><title>${esc(title)}</title><style>${CSS}</style></head><body>${body}</body></html>`;
}

export interface HtmlColumn<T> {
  header: string;
  value(row: T): string | number | null;
  numeric?: boolean | undefined;
  /** Codes and short labels: never wrapped, so they read (and search) as one word. */
  nowrap?: boolean | undefined;
  /** The XLSX width in characters; the PDF keeps the column's share of it, so long names wrap less. */
  width?: number | undefined;
  /** The XLSX number format: the PDF prints a one-decimal format's value with one decimal too (59.0, not 59). */
  numFmt?: string | undefined;
}

/** A cell as printed: scores with the one decimal they have in the spreadsheet and the methodology. */
const printed = (c: HtmlColumn<never>, v: string | number | null) => (typeof v !== 'number' || !c.numFmt?.includes('0.0') ? (v ?? '—') : c.numFmt.startsWith('+') ? signed1(v) : num1(v));

const minWidth = (c: HtmlColumn<never>) => (c.width ? ` style="min-width:${(c.width / 2.6).toFixed(1)}em"` : '');
export const tableHead = <T>(columns: ReadonlyArray<HtmlColumn<T>>) => `<thead><tr>${columns.map((c) => `<th${minWidth(c as HtmlColumn<never>)}>${esc(c.header)}</th>`).join('')}</tr></thead>`;
export const tableRow = <T>(columns: ReadonlyArray<HtmlColumn<T>>, row: T) =>
  `<tr>${columns.map((c) => `<td${c.numeric ? ' class="n"' : c.nowrap ? ' class="k"' : ''}>${esc(printed(c as HtmlColumn<never>, c.value(row)))}</td>`).join('')}</tr>`;
export const table = <T>(columns: ReadonlyArray<HtmlColumn<T>>, rows: readonly T[]) =>
  rows.length ? `<table>${tableHead(columns)}<tbody>${rows.map((r) => tableRow(columns, r)).join('')}</tbody></table>` : '<p class="note">无</p>';

export const kpis = (items: ReadonlyArray<[string, string | number]>) => `<div class="kpis">${items.map(([k, v]) => `<div class="kpi">${esc(k)}<b>${esc(v)}</b></div>`).join('')}</div>`;
