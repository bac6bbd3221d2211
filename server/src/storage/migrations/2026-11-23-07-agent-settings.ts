import type { Kysely } from 'kysely';

// Frozen. Per-agent settings (collection interval, heartbeat) that acknowledgements hand out.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('settings', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
