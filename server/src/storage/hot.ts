import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Db } from './schema.js';

/**
 * A statement on the ingest path, built and compiled by Kysely once per dialect, then run with new
 * values in the same places. Building and compiling a query cost more CPU than SQLite spends
 * running it (a profile of ingest: a seventh of the server's time), and these few run for every
 * report. The query is the same Kysely code on both dialects; only its compilation is kept.
 *
 * `build` is called once with a marker in place of each argument; each marker must end up as a
 * bound parameter (a value, never a column name or a fixed shape choice), else the first call throws.
 */
export function hot<A extends object, R>(build: (db: Db, args: A) => Compilable<R>): (db: Db, args: A) => Promise<QueryResult<R>> {
  // Keyed by the dialect's adapter: one instance per database, shared by its transactions.
  const compiled = new WeakMap<object, { query: CompiledQuery<R>; slots: Array<[number, string]> }>();
  return async (db, args) => {
    const adapter = db.getExecutor().adapter;
    let entry = compiled.get(adapter);
    if (!entry) {
      const keys = Object.keys(args);
      const markers = Object.fromEntries(keys.map((k) => [k, `\u0000hot:${k}`])) as unknown as A;
      const query = build(db, markers).compile();
      const slots: Array<[number, string]> = [];
      query.parameters.forEach((p, i) => {
        if (typeof p === 'string' && p.startsWith('\u0000hot:')) slots.push([i, p.slice(5)]);
      });
      const missing = keys.filter((k) => !slots.some(([, s]) => s === k));
      if (missing.length || /\u0000hot:/.test(query.sql)) throw new Error(`hot query: argument(s) ${missing.join(', ') || '?'} not bound as parameters in: ${query.sql}`);
      compiled.set(adapter, (entry = { query, slots }));
    }
    const parameters = entry.query.parameters.slice();
    for (const [i, key] of entry.slots) parameters[i] = (args as Record<string, unknown>)[key];
    return db.executeQuery<R>({ ...entry.query, parameters });
  };
}
