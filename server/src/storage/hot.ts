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
  const list = hotList((db, rows: A[]) => build(db, rows[0]!));
  return (db, args) => list(db, [args]);
}

/**
 * Marks a write whose result its caller never reads (`unread`): on PostgreSQL, inside a transaction,
 * it goes out with the next statement instead of in a round trip of its own (pgPrepared.ts); its
 * error, if any, fails the transaction there. A comment, so SQLite runs the same text.
 */
export const UNREAD = '/* unread */ ';

/** A write built anew each time (its shape varies too much to keep compiled), its result unread (UNREAD). */
export async function runUnread(db: Db, query: Compilable<unknown>): Promise<void> {
  const compiled = query.compile();
  await db.executeQuery({ ...compiled, sql: UNREAD + compiled.sql });
}

/**
 * The same for a statement over a list of rows (a multi-row insert, an `in` list, a `values` table): compiled
 * once per dialect and list length, so a report group of any size runs a statement compiled before.
 *
 * `columns`: the rows' columns, for rows written to a table. Without them the statement is compiled from the
 * first row's keys, and a column only later rows carry would be dropped; with them every row binds each
 * column, a missing one as null.
 */
export function hotList<A extends object, R>(
  build: (db: Db, rows: A[]) => Compilable<R>,
  columns?: ReadonlyArray<keyof A & string>,
  { unread = false }: { unread?: boolean } = {},
): (db: Db, rows: A[]) => Promise<QueryResult<R>> {
  // Keyed by the dialect's adapter (one per database, shared by its transactions), then by the list's length.
  const compiled = new WeakMap<object, Map<number, { query: CompiledQuery<R>; slots: Array<[number, number, string]> }>>();
  return async (db, rows) => {
    const adapter = db.getExecutor().adapter;
    let sizes = compiled.get(adapter);
    if (!sizes) compiled.set(adapter, (sizes = new Map()));
    let entry = sizes.get(rows.length);
    if (!entry) {
      const keys = columns ?? Object.keys(rows[0] ?? {});
      const markers = rows.map((_, i) => Object.fromEntries(keys.map((k) => [k, `\u0000hot:${i}:${k}`])) as unknown as A);
      const query = build(db, markers).compile();
      const slots: Array<[number, number, string]> = [];
      query.parameters.forEach((p, at) => {
        const m = typeof p === 'string' ? /^\u0000hot:(\d+):(.*)$/s.exec(p) : null;
        if (m) slots.push([at, Number(m[1]), m[2]!]);
      });
      // A set, not a search of the slots per row and key: a piece of 256 findings has thousands of each.
      const bound = new Set(slots.map(([, r, s]) => `${r}:${s}`));
      const missing = keys.filter((k) => !rows.every((_, i) => bound.has(`${i}:${k}`)));
      if (missing.length || /\u0000hot:/.test(query.sql)) throw new Error(`hot query: argument(s) ${missing.join(', ') || '?'} not bound as parameters in: ${query.sql}`);
      sizes.set(rows.length, (entry = { query: unread ? { ...query, sql: UNREAD + query.sql } : query, slots }));
    }
    const parameters = entry.query.parameters.slice();
    for (const [at, row, key] of entry.slots) {
      const value = (rows[row] as Record<string, unknown>)[key];
      parameters[at] = value === undefined && columns ? null : value;
    }
    return db.executeQuery<R>({ ...entry.query, parameters });
  };
}

/**
 * A statement over a list of ids (`where … in (…)`: a report group's hosts), compiled once per dialect and
 * number of ids. An empty list reads nothing (PostgreSQL refuses `in ()`).
 */
export function hotIn<R>(build: (db: Db, ids: string[]) => Compilable<R>): (db: Db, ids: string[]) => Promise<R[]> {
  const list = hotList((db, rows: Array<{ id: string }>) =>
    build(
      db,
      rows.map((r) => r.id),
    ),
  );
  return async (db, ids) =>
    ids.length
      ? (
          await list(
            db,
            ids.map((id) => ({ id })),
          )
        ).rows
      : [];
}

/**
 * A list statement over rows of any number: pieces of at most `max` rows, so a group's rows (a first report's findings
 * times the reports in its group) stay within the databases' limits on bound parameters, and the lengths compiled
 * stay few.
 */
export async function inPieces<A>(rows: A[], max: number, run: (piece: A[]) => Promise<unknown>): Promise<void> {
  for (let at = 0; at < rows.length; at += max) await run(rows.slice(at, at + max));
}
