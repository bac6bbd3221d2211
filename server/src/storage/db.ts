import { mkdirSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type MigrationResultSet, type SqliteDatabase, type SqliteStatement } from 'kysely';
import pg from 'pg';
import { migrations } from './migrations/index.js';
import { BACKSTOP_PAGES, startCheckpointer } from './checkpointer.js';
import { pgPubSub, type PubSub } from './pubsub.js';
import { PreparingClient } from './pgPrepared.js';
import type { Database } from './schema.js';
import { isPostgresUrl, sqliteFile } from './databaseState.js';

export type Dialect = 'sqlite' | 'postgres';

export interface DbHandle {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives, for messages: the SQLite file or the PostgreSQL URL without its password. */
  location: string;
  /** Cross-process messages: present on PostgreSQL only (SQLite is one process by design). */
  pubsub: PubSub | null;
  close(): Promise<void>;
}

export interface OpenDbOptions {
  /** postgres://… selects PostgreSQL; otherwise SQLite in dataDir. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** SQLite: checkpoint the WAL from a worker thread, off the request path (the server; not one-shot commands). */
  backgroundCheckpoints?: boolean;
  sqliteCacheKib?: number;
}

/** SQLite's page cache per connection, in KiB (WEIAN_SQLITE_CACHE_KIB for the server). */
const PAGE_CACHE_KIB = 65_536;

/** The only place that names a dialect. */
export function openDb({ databaseUrl, dataDir, backgroundCheckpoints = false, sqliteCacheKib = PAGE_CACHE_KIB }: OpenDbOptions): DbHandle {
  if (isPostgresUrl(databaseUrl)) {
    // Every parameterised statement prepared once per connection (pgPrepared.ts), as SQLite's cache below.
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, Client: PreparingClient });
    // An idle pooled connection that PostgreSQL drops (restart, crash, failover, admin terminate)
    // makes the pool emit 'error'; with no listener Node throws it and the whole server exits. The
    // pool has already discarded that client: the next query opens a fresh connection, and while
    // the database is down queries fail with errors the API answers as a retryable 503.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', location: databaseUrl.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@'), pubsub: pgPubSub(db, databaseUrl), close: () => db.destroy() };
  }
  mkdirSync(dataDir, { recursive: true });
  const file = sqliteFile(dataDir);
  const sqlite = new SQLite(file);
  // WAL: readers never block the writer; NORMAL sync is durable across process crashes (fsync at checkpoints).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // SQLite's default page cache is 2 MiB; a province's hot pages (hosts, sections, receipts, scores)
  // are tens of MiB, and every page read past the cache is a system call.
  sqlite.pragma(`cache_size = -${sqliteCacheKib}`);
  const checkpointer = backgroundCheckpoints ? startCheckpointer(file) : null;
  if (checkpointer) sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite, () => checkpointer?.wrote()) }) });
  return {
    db,
    dialect: 'sqlite',
    location: file,
    pubsub: null,
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

/**
 * Kysely prepares every query anew; an ingest repeats the same dozen statements thousands of times
 * a second, so keep them compiled (SQLite re-prepares a cached statement itself after a schema change).
 * `committed` hears of every write that is now committed (a COMMIT, or a write outside a transaction).
 */
function withStatementCache(sqlite: SQLite.Database, committed: () => void, max = 512): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  const afterWrite = <T>(result: T): T => {
    if (!sqlite.inTransaction) committed();
    return result;
  };
  // SQLite counts COMMIT as read-only (it writes nothing itself): it is told apart by its text.
  const notifying = (stmt: SQLite.Statement): SqliteStatement => ({
    reader: stmt.reader,
    all: (parameters) => afterWrite(stmt.all(parameters)),
    run: (parameters) => afterWrite(stmt.run(parameters)),
    iterate: (parameters) => stmt.iterate(parameters),
  });
  return {
    close: () => sqlite.close(),
    prepare(query: string) {
      // SQLite itself rolls a transaction back on SQLITE_FULL and some I/O errors; Kysely's ROLLBACK
      // would then fail ("no transaction is active") and its error would replace the real cause.
      if (query === 'rollback' && !sqlite.inTransaction) return { reader: false, run: () => ({ changes: 0, lastInsertRowid: 0 }) } as unknown as SqliteStatement;
      // Transactions take the write lock when they begin: a deferred one that reads and then writes
      // fails at once with SQLITE_BUSY when another process (the CLI beside the server) wrote in
      // between, instead of waiting out busy_timeout.
      if (query === 'begin') query = 'begin immediate';
      let stmt = cache.get(query);
      if (!stmt) {
        const prepared = sqlite.prepare(query);
        stmt = prepared.readonly && query !== 'commit' ? prepared : notifying(prepared);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
        cache.set(query, stmt);
      }
      return stmt;
    },
  };
}

export async function migrate(db: Kysely<Database>): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error instanceof Error ? result.error : new Error(String(result.error));
  return result;
}
