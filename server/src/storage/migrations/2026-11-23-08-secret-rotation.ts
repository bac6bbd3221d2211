import type { Kysely } from 'kysely';

// Frozen. Two-phase agent secret rotation: the next secret is valid alongside the current one until first used.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('next_secret_hash', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
