import { chinaDate } from '@weian/shared';

/** "2026-11-02 10:00 北京时间": exports are read in China whatever the server's time zone. */
export function chinaTime(iso: string): string {
  const d = new Date(iso);
  const hm = new Date(d.getTime() + 8 * 3600_000).toISOString().slice(11, 16);
  return `${chinaDate(d)} ${hm} 北京时间`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Every value that reaches a report page goes through here (text and attribute values alike). */
export const esc = (value: unknown): string => String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** A one-decimal number as the dashboard shows it; "—" for none. */
export const num1 = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x.toFixed(1));
export const signed1 = (x: number | null) => (x === null ? '—' : x > 0 ? `+${x.toFixed(1)}` : x.toFixed(1));
