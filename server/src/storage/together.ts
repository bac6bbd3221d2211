import { Transaction, type ConnectionProvider, type DatabaseConnection, type Dialect, type Driver } from 'kysely';
import type { Database, Db } from './schema.js';

/** Every caller gets the one connection at once: nothing waits for another's answer. */
class SharedConnection implements ConnectionProvider {
  constructor(private readonly connection: DatabaseConnection) {}
  provideConnection<T>(consumer: (connection: DatabaseConnection) => Promise<T>): Promise<T> {
    return consumer(this.connection);
  }
}

const refuse = (what: string) => () => {
  throw new Error(`together(): ${what} is not available to reads run together`);
};
/** Reads run together are queries on a connection already held: they never open, begin or end one. */
const NO_DRIVER: Driver = {
  init: refuse('init'),
  acquireConnection: refuse('a connection of their own'),
  beginTransaction: refuse('a transaction of their own'),
  commitTransaction: refuse('commit'),
  rollbackTransaction: refuse('rollback'),
  releaseConnection: refuse('release'),
  destroy: refuse('destroy'),
};
const NO_DIALECT: Dialect = {
  createDriver: () => NO_DRIVER,
  createQueryCompiler: refuse('a compiler of their own'),
  createAdapter: refuse('an adapter of their own'),
  createIntrospector: refuse('introspection'),
};

type Reads<T extends readonly unknown[]> = { [K in keyof T]: (db: Db) => Promise<T[K]> };

/**
 * Runs reads that do not depend on each other's results on a transaction's connection without
 * waiting for each answer before sending the next. Kysely hands a transaction's connection to one
 * query at a time, so `Promise.all` inside a transaction waits a round trip per statement; on
 * PostgreSQL (pg's pipeline mode, pgPrepared.ts) these go out back to back and wait about one. The
 * database still runs them in the order they were sent, as if awaited in turn; on SQLite, which
 * answers at once, that is all it does.
 *
 * Each read gets a handle on the same connection (its own statements in turn, as usual); the
 * transaction's other queries wait until all have settled. Fails with the first read's error, once
 * every read has settled (the transaction is then rolled back, as for any failed statement).
 */
export async function together<T extends readonly unknown[]>(db: Db, ...reads: Reads<T>): Promise<T> {
  const executor = db.getExecutor();
  const settled = await executor.provideConnection((connection) => {
    const shared = new Transaction<Database>({ config: { dialect: NO_DIALECT }, dialect: NO_DIALECT, driver: NO_DRIVER, executor: executor.withConnectionProvider(new SharedConnection(connection)) });
    return Promise.allSettled(reads.map((read) => read(shared)));
  });
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
