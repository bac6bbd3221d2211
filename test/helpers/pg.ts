import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

// The test package does not depend on pg itself: borrow the server's driver.
interface PgClient {
  connect(): Promise<void>;
  query(q: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  end(): Promise<void>;
}
const pg = createRequire(new URL('../../server/package.json', import.meta.url))('pg') as { Client: new (o: { connectionString: string }) => PgClient };

/** The PostgreSQL the tests use (trust auth on loopback); WEIAN_TEST_PG_URL overrides, as for the server's own tests. */
export const PG_ADMIN_URL = process.env.WEIAN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** One statement on its own connection, e.g. as the administrator. */
export async function pgQuery(url: string, q: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(q, params)).rows;
  } finally {
    await c.end();
  }
}

/** A fresh, empty database for one test file; `drop()` removes it even while servers still hold connections. */
export async function createPgDatabase(prefix = 'weian_e2e'): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = async (q: string) => void (await pgQuery(PG_ADMIN_URL, q));
  await admin(`CREATE DATABASE ${name}`);
  return { name, url: PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
