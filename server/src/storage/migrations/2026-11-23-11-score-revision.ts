import { sql, type Kysely } from 'kysely';

// Frozen. Every write of an institution's score counts up its revision, so the sum over a region
// changes whenever any of its scores does: the overview recomputes only then.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('institution_scores')
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(sql`0`))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
