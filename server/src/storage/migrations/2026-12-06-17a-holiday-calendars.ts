import type { Kysely } from 'kysely';

// Frozen. Official holiday arrangements (国务院办公厅 notices) loaded by an administrator, one row per
// year, used on top of the packaged chinese-days data for every working-day deadline.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('holiday_calendars')
    .addColumn('year', 'integer', (c) => c.primaryKey())
    .addColumn('arrangement', 'text', (c) => c.notNull())
    .addColumn('loaded_at', 'text', (c) => c.notNull())
    .addColumn('loaded_by', 'text', (c) => c.notNull())
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
