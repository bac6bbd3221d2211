/** Text helpers shared by the parsers: every parser is pure (string in, data out) and never throws. */

export const lines = (s: string): string[] => s.replace(/^\uFEFF/, '').split(/\r?\n/);

/** `KEY=value` lines (os-release, ufw.conf), quotes removed; later keys win like a shell would. */
export function parseKeyEquals(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines(s)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

/**
 * `Key : value` lines (chronyc tracking, w32tm, timedatectl); keys lowercased and trimmed.
 * Accepts the full-width colon that Chinese-locale Windows tools print.
 */
export function parseKeyColon(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines(s)) {
    const m = /^\s*([^:：]+?)\s*[:：]\s*(.*?)\s*$/.exec(line);
    if (m && !(m[1]!.toLowerCase() in out)) out[m[1]!.toLowerCase()] = m[2]!;
  }
  return out;
}

/** A JSON document from a tool, or null when it is empty, garbled or cut short. Strips the BOM PowerShell may write. */
export function parseJson(s: string): unknown {
  const t = s.replace(/^\uFEFF/, '').trim();
  if (!t) return null;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return null;
  }
}

/** PowerShell's ConvertTo-Json turns a one-element array into the element and an empty one into nothing. */
export const toArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === null || v === undefined || v === '' ? [] : [v]);

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : null);

export const num = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};

/** Booleans as PowerShell and config files spell them: true/1/"True"/"yes"/"on". */
export function bool(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : null;
  if (typeof v !== 'string') return null;
  const t = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(t)) return true;
  if (['false', '0', 'no', 'off'].includes(t)) return false;
  return null;
}

const validDate = (d: Date): string | null => (Number.isFinite(d.getTime()) && d.getTime() > 0 ? d.toISOString() : null);

/** Epoch milliseconds or seconds to ISO; null for 0/garbage. */
export const epochToIso = (n: number | null, unit: 'ms' | 's' = 'ms'): string | null => (n === null || n <= 0 ? null : validDate(new Date(unit === 's' ? n * 1000 : n)));

/**
 * A local wall-clock time ("2024-05-10 02:00:03", "2024-05-10T02:00:03.123456") at a UTC offset in minutes
 * (the host's, recorded in the capture), to ISO. An explicit offset or Z in the text wins.
 */
export function localTimeToIso(s: string, offsetMinutes: number): string | null {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(s.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, sec = '0', frac = '0', zone] = m;
  let utc = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +sec, Math.round(Number(`0.${frac}`) * 1000));
  if (zone === 'Z') return validDate(new Date(utc));
  if (zone) {
    const z = /([+-])(\d{2}):?(\d{2})/.exec(zone)!;
    return validDate(new Date(utc - (z[1] === '-' ? -1 : 1) * (+z[2]! * 60 + +z[3]!) * 60_000));
  }
  utc -= offsetMinutes * 60_000;
  return validDate(new Date(utc));
}

/**
 * Dates as PowerShell JSON carries them: ISO strings, "\/Date(1684108800000)\/" (PS 5.1 for DateTime)
 * or {value: "\/Date(…)\/", DateTime: "…"} (PS 5.1 for a DateTime with notes, e.g. Get-HotFix).
 */
export function psDate(v: unknown): string | null {
  if (isRecord(v)) return psDate(v.value ?? v.DateTime);
  if (typeof v === 'number') return epochToIso(v);
  if (typeof v !== 'string' || !v.trim()) return null;
  const ms = /\/?Date\((-?\d+)(?:[+-]\d{4})?\)\/?/.exec(v);
  if (ms) return epochToIso(Number(ms[1]));
  if (!/^\d{4}-\d{2}-\d{2}T/.test(v.trim())) return null;
  return validDate(new Date(v.trim()));
}

/** Keeps a list within a schema bound; going over is said in a warning, never silent. */
export function capList<T>(list: T[], limit: number, what: string, warnings: string[]): T[] {
  if (list.length <= limit) return list;
  warnings.push(`${list.length} ${what} found, only the first ${limit} are reported`);
  return list.slice(0, limit);
}

/** Keeps a string within a schema bound. */
export const clip = (s: string, max = 256): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** One line describing why a command gave nothing usable, for a warning or an error. */
export function describeFailure(name: string, r: { code: number | null; timedOut: boolean; spawnError: string | null; stderr: string }): string {
  if (r.spawnError) return `${name} could not be run (${r.spawnError})`;
  if (r.timedOut) return `${name} did not answer in time`;
  const err = r.stderr.trim().split(/\r?\n/)[0] ?? '';
  return `${name} exited ${r.code}${err ? `: ${clip(err, 300)}` : ''}`;
}

/** Runs async work over items with at most `limit` at a time, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A glob path segment ("*.conf", "his_??.dmp", "[0-9]*") as an anchored RegExp; case-insensitive where paths are (Windows). */
export function segmentRegExp(segment: string, caseInsensitive = false): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/\\\\]*';
    else if (c === '?') re += '[^/\\\\]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${segment
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, caseInsensitive ? 'i' : '');
}

export const hasGlob = (s: string) => /[*?[]/.test(s);
