import type { Kysely } from 'kysely';

// Frozen. A region's daily score sum kept exactly, in integer tenths: a PostgreSQL `real` holds a
// province's sum of one-decimal scores only to about a tenth, and the trend must show the same mean
// as the overview (shared/src/regionFigures.ts). `score_sum` stays for rows written before.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('region_score_history').addColumn('score_tenths', 'bigint').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
