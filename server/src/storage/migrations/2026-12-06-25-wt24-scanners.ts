import type { Kysely } from 'kysely';

// Frozen. Scanners (weian-agent scan, a region's own) and what they saw open on institutions'
// registered public targets: one row per address and port, with first and last seen, the
// outside-in rules it meets and the enrolled host behind it when a fingerprint names one.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('scanners')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('region_code', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text')
    .execute();
  await db.schema
    .createTable('exposures')
    /** "address:port". */
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('institution_code', 'text', (c) => c.notNull())
    .addColumn('region_code', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    /** JSON ExtRuleId[]. */
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('banner', 'text')
    .addColumn('ssh_host_key', 'text')
    .addColumn('tls_sha256', 'text')
    .addColumn('http_title', 'text')
    .addColumn('host_id', 'text')
    .addColumn('tie_by', 'text')
    /** The port on that host the fingerprint belongs to (behind the mapping); null when untied. */
    .addColumn('internal_port', 'integer')
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .addColumn('scanner_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('exposures_institution').on('exposures').column('institution_code').execute();
  await db.schema.createIndex('exposures_host').on('exposures').column('host_id').execute();
}
