import { sql, type Kysely } from 'kysely';

// Frozen. Every write of an institution or of its score counts up a revision, so the sums over a
// region change whenever anything its overview and ranking read does: they are computed only then.
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['institution_scores', 'institutions']) {
    await db.schema
      .alterTable(table)
      .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(sql`0`))
      .execute();
  }
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
