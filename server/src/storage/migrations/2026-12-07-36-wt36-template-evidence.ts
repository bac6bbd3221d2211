import type { Kysely } from 'kysely';

// Frozen. A region's self-inspection layer may require evidence files for inherited items (issue 22):
// the item ids, as JSON, beside the raised points.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('self_inspection_templates')
    .addColumn('require_evidence', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
