import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';

/**
 * The SQL trace of a server process, and (on SQLite) its replay through better-sqlite3 alone: what the
 * same statements cost without the server around them, the storage limit ingest is measured against.
 *
 * Recording: the server runs with `--import ./test/bench/sqlTrace.ts` and WEIAN_BENCH_SQL_TRACE=PREFIX;
 * every statement it executes (SQL and parameters, in order, on its one connection) and every pragma
 * is kept in memory; on SIGUSR2 the statements so far are written to PREFIX.<n>.json and a new segment
 * starts, so the bench cuts the trace at its phases without the recorder touching the disk meanwhile.
 * On PostgreSQL every statement sent on a pooled connection is kept with that connection's number
 * (a third element), so a trace can still be cut into transactions, and with the number of its statements
 * then sent and not yet answered (a fourth): a statement sent with none in flight starts a wait for the
 * database, one that goes out behind others (pipelined) does not.
 */
type Entry = [sql: string, params: unknown[], connection?: number, inFlight?: number];
interface Statement {
  source: string;
  reader: boolean;
  run(...p: unknown[]): unknown;
  all(...p: unknown[]): unknown;
}
interface SQLiteDb {
  prepare(sql: string): Statement;
  pragma(p: string): unknown;
  backup(dest: string): Promise<unknown>;
  close(): void;
}
type SQLiteCtor = new (file: string, o?: { readonly?: boolean }) => SQLiteDb;
// The test package does not depend on better-sqlite3: use the server's, the very module the server loads.
const serverRequire = createRequire(new URL('../../server/package.json', import.meta.url));
const SQLite = serverRequire('better-sqlite3') as SQLiteCtor;

const PREFIX = process.env.WEIAN_BENCH_SQL_TRACE;
// The main thread only: that is where the server's one connection lives (the checkpointer's thread has its own).
if (PREFIX && isMainThread) {
  const probe = new SQLite(':memory:');
  const statementProto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...a: unknown[]) => unknown>;
  probe.close();
  const pragmas: string[] = [];
  let trace: Entry[] = [];
  let segment = 0;
  // PostgreSQL: what the server's pg clients send, whichever way a query is given (text and values, or a config).
  const pgProto = (serverRequire('pg') as { Client: { prototype: Record<string, (...a: unknown[]) => unknown> } }).Client.prototype;
  const pgQuery = pgProto.query!;
  const connections = new WeakMap<object, number>();
  let opened = 0;
  const inFlight = new WeakMap<object, number>();
  pgProto.query = function (this: object, config: unknown, values?: unknown, ...rest: unknown[]) {
    const c = config as { text?: string; values?: unknown[] } | string;
    const text = typeof c === 'string' ? c : c?.text;
    if (typeof text !== 'string') return pgQuery.call(this, config, values, ...rest);
    if (!connections.has(this)) connections.set(this, ++opened);
    const before = inFlight.get(this) ?? 0;
    trace.push([text, (Array.isArray(values) ? values : typeof c === 'object' ? c.values : undefined) ?? [], connections.get(this), before]);
    const sent = pgQuery.call(this, config, values, ...rest);
    if (sent instanceof Promise) {
      inFlight.set(this, before + 1);
      void sent.then(
        () => inFlight.set(this, inFlight.get(this)! - 1),
        () => inFlight.set(this, inFlight.get(this)! - 1),
      );
    }
    return sent;
  };
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = statementProto[method]!;
    statementProto[method] = function (this: Statement, ...params: unknown[]) {
      trace.push([this.source, params]);
      return original.apply(this, params);
    };
  }
  const dbProto = SQLite.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const pragma = dbProto.pragma!;
  dbProto.pragma = function (this: unknown, p: unknown, ...rest: unknown[]) {
    pragmas.push(String(p));
    return pragma.call(this, p, ...rest);
  };
  process.on('SIGUSR2', () => {
    writeFileSync(`${PREFIX}.${segment++}.json`, JSON.stringify({ pragmas, statements: trace }));
    trace = [];
  });
}

/** Cuts the recording server's trace here; resolves with the segment written. */
export async function cutTrace(pid: number, prefix: string, segment: number): Promise<string> {
  const file = `${prefix}.${segment}.json`;
  process.kill(pid, 'SIGUSR2');
  for (const deadline = Date.now() + 30_000; !existsSync(file);) {
    if (Date.now() > deadline) throw new Error(`the server wrote no SQL trace ${file}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 200));
  return file;
}

/** A consistent copy of a live SQLite database (the online backup API), where a replay starts. */
export async function snapshotDb(file: string, dest: string): Promise<void> {
  const db = new SQLite(file, { readonly: true });
  try {
    await db.backup(dest);
  } finally {
    db.close();
  }
}

/**
 * Replays trace segments in order on a copy of the snapshot, on one connection with the server's
 * pragmas, statements prepared once; returns the seconds each segment took and its statement count.
 */
export function replayTrace(snapshot: string, work: string, segments: string[]): Array<{ seconds: number; statements: number }> {
  copyFileSync(snapshot, work);
  const db = new SQLite(work);
  const cache = new Map<string, Statement>();
  try {
    return segments.map((file) => {
      const { pragmas, statements } = JSON.parse(readFileSync(file, 'utf8')) as { pragmas: string[]; statements: Entry[] };
      for (const p of pragmas) db.pragma(p);
      const t0 = performance.now();
      for (const [sql, params] of statements) {
        let s = cache.get(sql);
        if (!s) cache.set(sql, (s = db.prepare(sql)));
        if (s.reader) s.all(...params);
        else s.run(...params);
      }
      return { seconds: (performance.now() - t0) / 1000, statements: statements.length };
    });
  } finally {
    db.close();
  }
}
