import type { Kysely } from 'kysely';

// Frozen. Alerts carry the names of what they are about, as they were when the alert opened.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alerts').addColumn('subject_name', 'text').execute();
  await db.schema.alterTable('alerts').addColumn('institution_name', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
