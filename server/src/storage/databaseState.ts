import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Whether a database already exists before anything opens it, and one clear sentence when opening
 * fails: the CLI refuses to create a database by mistake, and a start that cannot open its database
 * says what to do about it.
 */
export const sqliteFile = (dataDir: string): string => join(dataDir, 'weian.sqlite');

export const isPostgresUrl = (databaseUrl: string | undefined): databaseUrl is string => !!databaseUrl && /^postgres(ql)?:\/\//.test(databaseUrl);

/** SQLite: the file is there (opening would otherwise create it). */
export const sqliteExists = (dataDir: string): boolean => existsSync(sqliteFile(dataDir));

/** PostgreSQL: the database holds WeiAn's migrations table (an empty database counts as new). */
export async function hasSchema(db: Kysely<Database>): Promise<boolean> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  return tables.some((t) => t.name === 'kysely_migration');
}

/** When this database was set up: its first migration (a fresh install needs no backup warning yet). */
export async function installedAt(db: Kysely<Database>): Promise<string | null> {
  const row = await (db as unknown as Kysely<{ kysely_migration: { timestamp: string } }>)
    .selectFrom('kysely_migration')
    .select((eb) => eb.fn.min('timestamp').as('first'))
    .executeTakeFirst();
  return row?.first ? new Date(row.first).toISOString() : null;
}

/** The sentence for a database that cannot be opened or migrated, by cause. */
export function describeOpenError(e: unknown, where: { databaseUrl: string | undefined; dataDir: string }): string {
  const err = e as { code?: string; message?: string };
  const message = err.message ?? String(e);
  if (isPostgresUrl(where.databaseUrl)) {
    const url = new URL(where.databaseUrl);
    const name = decodeURIComponent(url.pathname.replace(/^\//, '')) || url.username || 'postgres';
    const host = url.hostname || 'localhost';
    const port = url.port || '5432';
    const user = decodeURIComponent(url.username) || 'postgres';
    if (err.code === '3D000')
      return `the PostgreSQL database "${name}" does not exist on ${host}:${port}: create it (createdb -h ${host} -p ${port} -U ${user} ${name}, or in psql: CREATE DATABASE "${name}";) and start again`;
    if (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'ETIMEDOUT' || err.code === 'EHOSTUNREACH')
      return `cannot reach PostgreSQL at ${host}:${port} (${err.code}): is it running and is DATABASE_URL right?`;
    if (err.code === '28P01' || err.code === '28000') return `PostgreSQL refused user "${user}" on ${host}:${port}: ${message}`;
    return `cannot open or migrate the PostgreSQL database "${name}" on ${host}:${port}: ${message}${err.code ? ` (${err.code})` : ''}`;
  }
  return `cannot open or write the data directory ${where.dataDir} (${sqliteFile(where.dataDir)}): ${message}${err.code ? ` (${err.code})` : ''}; check that it is writable and the disk is not full`;
}
