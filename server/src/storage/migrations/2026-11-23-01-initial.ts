import type { Kysely } from 'kysely';

// Frozen: a migration never changes once released; later changes are new files.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('regions')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parent_code', 'text')
    .addColumn('level', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('regions_parent').on('regions').column('parent_code').execute();

  await db.schema
    .createTable('institutions')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('region_code', 'text', (c) => c.notNull().references('regions.code'))
    .addColumn('type', 'text', (c) => c.notNull().defaultTo('other'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('institutions_region').on('institutions').column('region_code').execute();

  await db.schema
    .createTable('enrollment_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('institution_code', 'text', (c) => c.notNull().references('institutions.code'))
    .addColumn('uses_left', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .execute();

  await db.schema
    .createTable('hosts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('institution_code', 'text', (c) => c.notNull().references('institutions.code'))
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('machine_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_report_at', 'text')
    .addColumn('last_seen_at', 'text')
    .execute();
  await db.schema.createIndex('hosts_institution').on('hosts').column('institution_code').execute();
  await db.schema.createIndex('hosts_identity').on('hosts').columns(['institution_code', 'machine_id', 'hostname']).execute();

  await db.schema
    .createTable('agents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('host_id', 'text', (c) => c.notNull().references('hosts.id'))
    .addColumn('institution_code', 'text', (c) => c.notNull().references('institutions.code'))
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('enrolled_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_reason', 'text')
    .addColumn('last_seen_at', 'text')
    .execute();
  await db.schema.createIndex('agents_host').on('agents').column('host_id').execute();

  await db.schema
    .createTable('report_receipts')
    .addColumn('report_id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('host_id', 'text', (c) => c.notNull())
    .addColumn('collected_at', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('ack', 'text', (c) => c.notNull())
    .addColumn('bytes', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('report_receipts_host').on('report_receipts').columns(['host_id', 'collected_at']).execute();

  await db.schema
    .createTable('host_sections')
    .addColumn('host_id', 'text', (c) => c.notNull())
    .addColumn('section', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('hash', 'text')
    .addColumn('data', 'text')
    .addColumn('error', 'text')
    .addColumn('collected_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('host_sections_pk', ['host_id', 'section'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
