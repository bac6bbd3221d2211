import type { Kysely } from 'kysely';
import type { EventBus } from '../events.js';
import type { Dialect } from '../storage/db.js';
import type { Database } from '../storage/schema.js';

/**
 * What every service is given: side effects passed in, so tests control the clock and the database.
 * Inside a transaction, read and write only through the transaction handle, never `db`: SQLite has a
 * single connection, so a query on `db` would wait for the transaction that holds it, forever.
 */
export interface ServiceDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  bus: EventBus;
  now: () => Date;
}
