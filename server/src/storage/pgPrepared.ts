import pg from 'pg';
import { UNREAD } from './hot.js';

/** Prepared statements a connection keeps at most; the least recently used is deallocated beyond. */
export const PREPARED_PER_CONNECTION = 256;

/** PostgreSQL's "cached plan must not change result type": a `select *` prepared before its table changed. */
const STALE_PLAN = '0A000';

type Callback = (err: Error | null, result?: unknown) => void;

/** What Kysely reads of a statement that needed no round trip. */
const done = (command: string) => Promise.resolve({ command, rowCount: null, rows: [], fields: [] });

/**
 * A pg client that runs every parameterised query as a named prepared statement. Unnamed, each
 * query is parsed, analysed and planned by its backend every time; ingest repeats the same few
 * statements for every report, and that work was a large part of PostgreSQL's CPU per report.
 * Named, node-postgres sends the Parse once per connection and afterwards only Bind and Execute.
 *
 * Names are never reused for another text (a per-connection counter), so a failed DEALLOCATE
 * (e.g. in an aborted transaction) leaks one statement until the connection closes, never a clash.
 *
 * A transaction's BEGIN goes out with its first statement, in one write and one round trip (pg's
 * pipeline mode; each keeps its own Sync, so the earliest error, if any, is the one reported): every
 * round trip costs the server a socket write and a wake-up, and the backend one more. So does a
 * statement whose result nobody reads (marked `UNREAD` by hot.ts: an upsert, an insert without
 * `returning`): inside a transaction it is held and goes out with the next statement, COMMIT at the
 * latest. Its error, if any, is then that statement's, and fails the transaction as it would have.
 * Kysely awaits each statement, so nothing else is ever pipelined on a connection.
 */
export class PreparingClient extends pg.Client {
  /** SQL text → statement name, least recently used first. */
  private readonly names = new Map<string, string>();
  private issued = 0;
  /** What waits to go out with the next statement: BEGIN (nothing sent yet) and unread statements. */
  private held: Array<() => Promise<unknown>> = [];
  /** BEGIN went out, and neither COMMIT nor ROLLBACK since: with something held, the client is in a transaction. */
  private begun = false;

  constructor(config?: string | pg.ClientConfig) {
    super({ ...(typeof config === 'string' ? { connectionString: config } : config), pipeline: true } as pg.ClientConfig);
    // A connection lost while the pool has lent this client out (a transaction between two statements, PostgreSQL
    // restarting): what was in flight fails, the client is no longer queryable, and the pool drops it when it comes
    // back. The pool listens for errors only on idle clients; without this, Node would throw the event and the
    // whole server would exit.
    this.on('error', () => {});
  }

  /** The socket holds what is written until the current turn's promise callbacks have run (coalesce()). */
  private corked = false;

  /**
   * What is sent in one turn of the event loop leaves in one socket write: statements sent together
   * (together.ts) are issued a few promise callbacks apart, and pg writes each one as it comes, a
   * system call each (a fifth of the server's CPU when hosts are judged again). Uncorked on
   * process.nextTick, which runs once the promise callbacks queued now have run, before any I/O: no
   * statement waits longer than the turn it was sent in.
   */
  private coalesce(): void {
    if (this.corked) return;
    const stream = (this as unknown as { connection: { stream: { cork(): void; uncork(): void } } }).connection.stream;
    stream.cork();
    this.corked = true;
    process.nextTick(() => {
      this.corked = false;
      stream.uncork();
    });
  }

  // pg's overloads (promise or callback, text or config) are kept: only text with values is prepared.
  override query(...args: unknown[]): never {
    this.coalesce();
    const [text] = args as [unknown];
    // Promise calls only (Kysely's): a callback call is passed through as it is.
    if (args.some((a) => typeof a === 'function')) return this.send(args);
    if (text === 'begin') {
      this.begun = false;
      this.held = [() => super.query('begin') as Promise<unknown>];
      return done('BEGIN') as never;
    }
    if ((this.begun || this.held.length > 0) && typeof text === 'string' && text.startsWith(UNREAD)) {
      this.held.push(() => this.send(args));
      return done('HELD') as never;
    }
    const held = this.held;
    this.held = [];
    if (text === 'rollback') {
      // What was held would be undone: it is dropped. Nothing sent (BEGIN held): nothing to end.
      const sent = this.begun;
      this.begun = false;
      return sent ? this.send(args) : (done('ROLLBACK') as never);
    }
    if (!held.length) {
      if (text === 'commit') this.begun = false;
      return this.send(args);
    }
    // Only BEGIN held: nothing was sent, nothing to end.
    if (text === 'commit' && !this.begun && held.length === 1) return done('COMMIT') as never;
    // BEGIN goes out now (the first held) unless it went before; COMMIT ends what it began. In the same write (coalesce()).
    this.begun = text !== 'commit';
    const sent = held.map((go) => go());
    sent.push(this.send(args) as Promise<unknown>);
    // Answers come in order: the earliest failure, if any, is the one reported.
    return Promise.all(sent).then((r) => r[r.length - 1]) as never;
  }

  private send(args: unknown[]): never {
    const [text, values, callback] = args as [unknown, unknown, Callback | undefined];
    if (typeof text !== 'string' || !Array.isArray(values) || !values.length) return (super.query as (...a: unknown[]) => never)(...args);
    const name = this.nameFor(text);
    const config = { name, text, values };
    const forgetIfStale = (e: unknown) => {
      if ((e as { code?: string } | null)?.code === STALE_PLAN) this.forget(text, name);
    };
    if (typeof callback === 'function') {
      return super.query(config, (err: Error | null, result: unknown) => {
        if (err) forgetIfStale(err);
        callback(err, result);
      }) as never;
    }
    return (super.query(config) as Promise<unknown>).catch((e: unknown) => {
      forgetIfStale(e);
      throw e;
    }) as never;
  }

  private nameFor(text: string): string {
    let name = this.names.get(text);
    if (name !== undefined) {
      // Most recently used goes last.
      this.names.delete(text);
      this.names.set(text, name);
      return name;
    }
    if (this.names.size >= PREPARED_PER_CONNECTION) {
      const [oldText, oldName] = this.names.entries().next().value!;
      this.forget(oldText, oldName);
    }
    name = `w${(this.issued++).toString(36)}`;
    this.names.set(text, name);
    return name;
  }

  /** Drops a statement here and, best effort, on the server (queued ahead of whatever comes next). */
  private forget(text: string, name: string): void {
    if (this.names.get(text) === name) this.names.delete(text);
    const connection = (this as unknown as { connection: { parsedStatements: Record<string, string> } }).connection;
    delete connection.parsedStatements[name];
    (super.query(`DEALLOCATE ${name}`) as Promise<unknown>).catch(() => {});
  }
}
