import type { Kysely } from 'kysely';

// Frozen. Refused enrollments are counted per address and window in one audit row, found by address on every attempt.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('audit_log_address').on('audit_log').columns(['remote_address', 'action', 'at']).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
