import { esc } from './format.js';

/**
 * Charts for printed reports, drawn as inline SVG on the server: the report page runs no script,
 * and a chart prints exactly as computed. Labels are escaped like every other value.
 */
const W = 520;

export function barChart(title: string, bars: ReadonlyArray<{ label: string; value: number; color?: string }>, opts: { max?: number; unit?: string } = {}): string {
  const rowH = 22;
  const labelW = 140;
  const h = 28 + bars.length * rowH + 6;
  const max = opts.max ?? Math.max(1, ...bars.map((b) => b.value));
  const plot = W - labelW - 60;
  const rows = bars
    .map((b, i) => {
      const y = 28 + i * rowH;
      const w = Math.max(0, Math.round((plot * b.value) / max));
      return `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end" font-size="11">${esc(b.label)}</text><rect x="${labelW}" y="${y + 3}" width="${w}" height="${rowH - 8}" fill="${esc(b.color ?? '#3b6fb6')}"/><text x="${labelW + w + 4}" y="${y + 14}" font-size="11">${esc(b.value)}${esc(opts.unit ?? '')}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" role="img" aria-label="${esc(title)}"><text x="0" y="16" font-size="13" font-weight="bold">${esc(title)}</text>${rows}</svg>`;
}

/** A line over days (0–100 scale), with its first and last values labelled. */
export function lineChart(title: string, points: ReadonlyArray<{ day: string; value: number }>): string {
  const h = 180;
  const left = 34;
  const top = 28;
  const plotW = W - left - 16;
  const plotH = h - top - 30;
  const x = (i: number) => left + (points.length < 2 ? plotW / 2 : (plotW * i) / (points.length - 1));
  const y = (v: number) => top + plotH - (plotH * Math.max(0, Math.min(100, v))) / 100;
  const grid = [0, 60, 80, 100]
    .map((v) => `<line x1="${left}" x2="${left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${left - 4}" y="${y(v) + 4}" text-anchor="end" font-size="10">${v}</text>`)
    .join('');
  const path = points.map((p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const ends = points.length
    ? [points[0]!, points.at(-1)!]
        .map((p, k) => `<text x="${x(k ? points.length - 1 : 0)}" y="${h - 8}" text-anchor="${k ? 'end' : 'start'}" font-size="10">${esc(p.day)}: ${esc(p.value.toFixed(1))}</text>`)
        .join('')
    : `<text x="${left + plotW / 2}" y="${top + plotH / 2}" text-anchor="middle" font-size="11">暂无快照数据</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" role="img" aria-label="${esc(title)}"><text x="0" y="16" font-size="13" font-weight="bold">${esc(title)}</text>${grid}${points.length ? `<path d="${path}" fill="none" stroke="#3b6fb6" stroke-width="2"/>` : ''}${ends}</svg>`;
}
