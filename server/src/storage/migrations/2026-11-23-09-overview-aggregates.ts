import type { Kysely } from 'kysely';

// Frozen. What the region overview reads instead of aggregating findings and history at query time.
export async function up(db: Kysely<unknown>): Promise<void> {
  // JSON [[ruleId, severity, count], …]: the institution's failing findings by rule, kept with its score.
  await db.schema.alterTable('institution_scores').addColumn('failing_by_rule', 'text').execute();
  // Daily mean score of every province, city and county: the overview's trend line.
  await db.schema
    .createTable('region_score_history')
    .addColumn('region_code', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('score_sum', 'real', (c) => c.notNull())
    .addColumn('institutions', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('region_score_history_pk', ['region_code', 'day'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
