import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { lastLine, runCli, type ServerProcess } from '../helpers/index.js';

/** Strings an attacker would try: SQL, markup and script, path traversal, prototype keys, format strings. */
export const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE hosts; --",
  '" OR 1=1 --',
  '1; SELECT pg_sleep(5)--',
  "admin'--",
  "\\'; UPDATE users SET role='admin' --",
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  'javascript:alert(1)',
  '{{constructor.constructor("alert(1)")()}}',
  '${7*7}',
  '../../../../etc/passwd',
  '..\\..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '/dev/zero',
  '__proto__',
  'constructor',
  'prototype',
  '%s%s%s%n',
  "=cmd|' /C calc'!A0",
  "+SUM(1+1)*cmd|' /C calc'!A0",
  '@SUM(1+1)',
] as const;

/** Unicode edges: lone surrogates, RTL override, zero-width, NUL and controls, combining floods, non-BMP. */
export const UNICODE_EDGES = [
  '\uD800',
  '\uDFFF',
  'a\uD83Db',
  '\u202Egnp.exe',
  'ab\u200B\u200C\u200D\uFEFFcd',
  'nul\u0000byte',
  '\u0000',
  '\u0007\u001b[31mred\u001b[0m',
  '\r\nSet-Cookie: x=1',
  'e\u0301\u0301\u0301\u0301\u0301',
  '𝕎𝕖𝕚𝔸𝕟 🏥 卫安',
  '\u061C\u200F مستشفى',
  '\uFFFF\uFFFE',
] as const;

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...INJECTIONS, ...UNICODE_EDGES) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...INJECTIONS), fc.constantFrom(...UNICODE_EDGES)).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: fc.integer({ min: 257, max: 70_000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.constant('') },
);

/** Values of every JSON type, wrong ones included, at the edges. */
export const nastyScalar: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, -0, 1.5, 1e308, -1e308, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 2 ** 31, null, true, false) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constantFrom('2026-13-45T99:99:99Z', '9999-12-31T23:59:59.999Z', '0000-01-01T00:00:00Z', 'NaN', 'Infinity', '-1', '1e999') },
);

/** Deeply nested arrays or objects, as JSON text pieces too deep for naive recursion. */
export const deepJson = (depth: number) => (Math.random() < 0.5 ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth));

export const nastyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 5, arbitrary: nastyScalar },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    {
      weight: 1,
      arbitrary: fc.dictionary(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'), fc.string({ maxLength: 8 })), tie('value'), { maxKeys: 4 }),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20_000 }).map((n) => Array.from({ length: n }, () => 0)) },
  ),
})).value;

/** The keys of a zod object schema (through defaults, optionals, nullables), with the schemas of their values. */
export function shapeOf(schema: unknown): Record<string, unknown> | null {
  let s = schema as { _zod?: { def?: { type?: string; innerType?: unknown; shape?: Record<string, unknown>; options?: unknown[] } } } | undefined;
  for (let i = 0; i < 8 && s?._zod?.def; i++) {
    const def = s._zod.def;
    if (def.type === 'object' && def.shape) return def.shape;
    if (def.innerType) s = def.innerType as typeof s;
    else if (def.type === 'union' && def.options?.length) s = def.options[0] as typeof s;
    else return null;
  }
  return null;
}

/** An object with the schema's keys (nested objects followed), each value hostile or right-looking. */
export function shaped(schema: unknown, depth = 0): fc.Arbitrary<unknown> {
  const shape = shapeOf(schema);
  if (!shape || depth > 3) return nastyValue;
  const entries = Object.entries(shape).map(([k, v]) => [k, fc.oneof({ weight: 3, arbitrary: shapeOf(v) ? shaped(v, depth + 1) : nastyValue }, { weight: 1, arbitrary: nastyValue })] as const);
  return fc.record(Object.fromEntries(entries), { requiredKeys: [] }).chain((o) =>
    // Sometimes an extra key that would pollute a prototype if merged naively.
    fc.boolean().map((extra) => (extra ? JSON.parse(`{"__proto__":{"isAdmin":true,"role":"admin"},${JSON.stringify(o).slice(1)}`.replace(/,}$/, '}')) : o)),
  );
}

/** Engine messages, SQL text and stack frames: none may reach a client. */
export const LEAKS: RegExp[] = [
  /SQLITE_[A-Z]+/,
  /SqliteError/,
  /syntax error at or near/,
  /UNIQUE constraint failed/,
  /FOREIGN KEY constraint failed/,
  /no such (table|column)/,
  /duplicate key value violates/,
  /violates (foreign key|not-null|check|unique) constraint/,
  /invalid byte sequence for encoding/,
  /unsupported Unicode escape sequence/,
  // Statement text as drivers quote it in their errors (an echo of the caller's own input is not a leak).
  /\b(insert into|delete from) "?[a-z_]+"? /i,
  /\bselect "?[a-z_]+"?\."?[a-z_]+"? /i,
  /\n\s+at .+:\d+:\d+/,
  /\bat [\w.<>]+ \(.*\.(ts|js|mjs):\d+:\d+\)/,
  /node_modules/,
  /"stack"\s*:/,
  /kysely/i,
];

export function leakIn(text: string): string | null {
  for (const re of LEAKS) if (re.test(text)) return re.source;
  return null;
}

/** One tRPC call over raw HTTP, as an attacker would send it (no client library smoothing anything). */
export async function rawCall(
  url: string,
  path: string,
  type: 'query' | 'mutation' | 'subscription',
  input: unknown,
  headers: Record<string, string>,
  opts: { rawBody?: string; contentType?: string } = {},
): Promise<{ status: number; text: string }> {
  const body = opts.rawBody ?? (input === undefined ? '' : JSON.stringify(input));
  // A server that never answers fails the test as surely as one that crashes.
  const signal = AbortSignal.timeout(15_000);
  try {
    const res =
      type === 'mutation'
        ? await fetch(`${url}/trpc/${path}`, { method: 'POST', headers: { 'content-type': opts.contentType ?? 'application/json', ...headers }, body, signal })
        : await fetch(`${url}/trpc/${path}${input === undefined && opts.rawBody === undefined ? '' : `?input=${encodeURIComponent(body)}`}`, { headers, signal });
    return { status: res.status, text: await res.text() };
  } catch (e) {
    if (signal.aborted) return { status: 599, text: `no answer within 15 s (${(e as Error).message})` };
    throw e;
  }
}

/** A token from the real CLI and an agent enrolled with it over HTTP: its credentials, host and institution. */
export async function enrollOverHttp(server: ServerProcess, opts: { institution?: string; name?: string; hostname?: string; uses?: number; region?: string } = {}) {
  const institution = opts.institution ?? `ADV-${randomUUID().slice(0, 8)}`;
  const args = ['token', 'create', '--institution', institution, '--name', opts.name ?? '对抗测试医院', '--region', opts.region ?? '330106', '--uses', String(opts.uses ?? 1)];
  // The CLI writes the same SQLite file as the running server: its deferred transaction can meet
  // SQLITE_BUSY_SNAPSHOT when the server commits in between (reported; not ours to fix). Retried.
  let tok = await runCli('server', args, { env: server.env });
  for (let i = 0; i < 3 && tok.code !== 0 && /database is locked|SQLITE_BUSY/.test(tok.stderr); i++) {
    tok = await runCli('server', args, { env: server.env });
  }
  if (tok.code !== 0) throw new Error(tok.stderr);
  const token = lastLine(tok.stdout);
  const res = await fetch(`${server.url}/trpc/agent.enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, hostname: opts.hostname ?? `adv-${randomUUID().slice(0, 6)}`, machineId: randomUUID(), agentVersion: 'adversarial' }),
  });
  const body = (await res.json()) as { result?: { data: { agentId: string; secret: string; hostId: string } }; error?: unknown };
  if (!body.result) throw new Error(`enroll failed: ${res.status} ${JSON.stringify(body)}`);
  const { agentId, secret, hostId } = body.result.data;
  return { token, institution, agentId, secret, hostId, authorization: `Agent ${agentId}:${secret}` };
}

/** Runs `fn` over `items` with at most `n` in flight. */
export async function pool<T>(items: T[], n: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

/** One GET batching `path` `n` times, in tRPC's `?batch=1` form: what the dashboard's link sends, only more of it. */
export const batchGet = (url: string, path: string, n: number, cookie: string) => {
  const input = JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [i, undefined])));
  return fetch(`${url}/trpc/${Array(n).fill(path).join(',')}?batch=1&input=${encodeURIComponent(input)}`, { headers: { cookie } });
};

/**
 * Polls /healthz 20 times, 100 ms apart, while `clients` loops run `abuse` as fast as they can;
 * returns each poll's wait in ms (a /healthz that is not 200 fails the caller).
 */
export async function healthzUnder(url: string, clients: number, abuse: () => Promise<void>): Promise<number[]> {
  let stop = false;
  const loops = Array.from({ length: clients }, async () => {
    while (!stop) await abuse();
  });
  const waits: number[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const h = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(15_000) });
      if (h.status !== 200) throw new Error(`/healthz answered ${h.status} under abuse`);
      waits.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    stop = true;
    await Promise.all(loops);
  }
  return waits;
}
