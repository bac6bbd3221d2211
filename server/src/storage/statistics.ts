import { sql } from 'kysely';
import type { Db } from './schema.js';

/** Whether PostgreSQL's autovacuum runs (it analyzes tables as they change, and reclaims dead rows). */
export async function autovacuumOn(db: Db): Promise<boolean> {
  const r = await sql<{ v: string }>`select current_setting('autovacuum') as v`.execute(db);
  return r.rows[0]?.v === 'on';
}

/** Fresh statistics for every table of the database (PostgreSQL's ANALYZE): its planner's estimates come from them. */
export async function analyzeTables(db: Db): Promise<void> {
  await sql`analyze`.execute(db);
}
