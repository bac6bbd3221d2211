import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

// The test package does not depend on pg itself: borrow the server's driver.
interface PgClient {
  connect(): Promise<void>;
  query(q: string): Promise<unknown>;
  end(): Promise<void>;
}
const pg = createRequire(new URL('../../server/package.json', import.meta.url))('pg') as { Client: new (o: { connectionString: string }) => PgClient };

/** The PostgreSQL the tests use (trust auth on loopback); WEIAN_TEST_PG_URL overrides, as for the server's own tests. */
export const PG_ADMIN_URL = process.env.WEIAN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh, empty database for one test file; `drop()` removes it even while servers still hold connections. */
export async function createPgDatabase(prefix = 'weian_e2e'): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = async (q: string) => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  return { name, url: PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
