/**
 * The value with every NUL (U+0000) removed from its strings and keys. Host data sometimes holds
 * one (a package name read from a corrupt database, a service description, garbled command output);
 * the server refuses any report that carries one (PostgreSQL cannot store it), so one stray byte
 * would cost every later report of that host. No field of ours means it: it is dropped.
 */
export function withoutNul<T>(value: T): T {
  return strip(value, 0) as T;
}

const clean = (s: string) => (s.includes('\u0000') ? s.replaceAll('\u0000', '') : s);

function strip(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return clean(v);
  // Collectors build these from parsed output: plain arrays and objects, a few levels deep.
  if (depth > 64 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => strip(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[clean(k)] = strip(x, depth + 1);
  return out;
}
