import type { Kysely } from 'kysely';

// Frozen. Refused enrollments are counted per address and window in one audit row, found by address on
// every attempt; /readyz proves the database takes writes by writing one row per server process.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('audit_log_address').on('audit_log').columns(['remote_address', 'action', 'at']).execute();
  await db.schema
    .createTable('readiness_probes')
    .addColumn('process', 'text', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
