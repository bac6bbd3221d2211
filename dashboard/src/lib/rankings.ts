import type { RankingRow } from '../api/institutions.js';

export interface RankingFilter {
  types: string[];
  grades: string[];
  text: string;
}

/** Rows of the chosen institution types and grades whose name contains the text; rank order kept. */
export function filterRankings(rows: readonly RankingRow[], f: RankingFilter): RankingRow[] {
  const text = f.text.trim().toLowerCase();
  return rows.filter((r) => (!f.types.length || f.types.includes(r.type)) && (!f.grades.length || f.grades.includes(r.grade)) && (!text || r.name.toLowerCase().includes(text)));
}

/** The institution types present, in the order of the first row of each, as [type, label]. */
export function typesOf(rows: readonly RankingRow[]): Array<[string, RankingRow['typeLabel']]> {
  const seen = new Map<string, RankingRow['typeLabel']>();
  for (const r of rows) if (!seen.has(r.type)) seen.set(r.type, r.typeLabel);
  return [...seen.entries()];
}

/** The last `n` months as YYYY-MM, newest first, in China time (periods are China calendar months). */
export function recentPeriods(now: Date, n: number): string[] {
  const [y, m] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(now).split('-').map(Number) as [number, number];
  return Array.from({ length: n }, (_, i) => {
    const d = new Date(Date.UTC(y, m - 1 - i, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  });
}
