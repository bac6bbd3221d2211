import type { Kysely } from 'kysely';

// Frozen. Institutions' public addresses, ranges and domain names as their region registers them
// (issue 24): what a scanner may be pointed at. IPv4 entries keep their first and last address as
// integers, so an overlap across institutions is one range comparison.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('public_targets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('institution_code', 'text', (c) => c.notNull())
    .addColumn('region_code', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    /** Normalised: "61.164.10.0/28", "61.164.10.5", "his.example.cn". Unique: one institution per exact entry. */
    .addColumn('value', 'text', (c) => c.notNull().unique())
    .addColumn('first_address', 'bigint')
    .addColumn('last_address', 'bigint')
    .addColumn('note', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('public_targets_institution').on('public_targets').column('institution_code').execute();
}
