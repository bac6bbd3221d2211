import type { Kysely } from 'kysely';

// Frozen. The data register (数据目录): one header per institution (the important-data filing) and its entries.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('data_registers')
    .addColumn('institution_code', 'text', (c) => c.primaryKey())
    .addColumn('important_filed_on', 'text')
    .addColumn('important_receipt', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('data_register_entries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('institution_code', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('volume', 'text', (c) => c.notNull())
    .addColumn('system_ids', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('data_register_entries_institution').on('data_register_entries').columns(['institution_code', 'category']).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
