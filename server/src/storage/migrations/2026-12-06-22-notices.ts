import type { Kysely } from 'kysely';

// Frozen. Rectification notices (整改通知): the notice, its items, its timeline, and evidence files
// (content kept once per SHA-256, attached to notices by reference).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('notices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('number', 'text', (c) => c.notNull())
    /** The issuing region: it numbers the notice and reviews it. */
    .addColumn('region_code', 'text', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('institution_code', 'text', (c) => c.notNull())
    .addColumn('institution_region_code', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('requirement', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .addColumn('issued_by', 'text', (c) => c.notNull())
    .addColumn('deadline', 'text', (c) => c.notNull())
    /** JSON {reason, workingDays, requestedAt, requestedBy} while a request waits, else null. */
    .addColumn('extension_request', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // The number's sequence is per issuing region and year; the index settles two issuers racing.
  await db.schema.createIndex('notices_number').on('notices').columns(['region_code', 'year', 'seq']).unique().execute();
  await db.schema.createIndex('notices_institution').on('notices').columns(['institution_code', 'status']).execute();
  await db.schema.createIndex('notices_scope').on('notices').columns(['institution_region_code', 'status']).execute();

  await db.schema
    .createTable('notice_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('notice_id', 'text', (c) => c.notNull().references('notices.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('requirement', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text')
    /** JSON [{subjectKind, subjectId}]: the findings of rule_id this item is about (none for free text). */
    .addColumn('links', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('verified', 'integer', (c) => c.notNull())
    .addColumn('measures', 'text')
    /** JSON [sha256]. */
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('review_comment', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notice_items_notice').on('notice_items').columns(['notice_id', 'position']).execute();
  await db.schema.createIndex('notice_items_rule').on('notice_items').columns(['rule_id']).execute();

  await db.schema
    .createTable('notice_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('notice_id', 'text', (c) => c.notNull().references('notices.id'))
    /** Order within the notice's timeline (several events may share a millisecond). */
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('item_id', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notice_events_notice').on('notice_events').columns(['notice_id', 'seq']).unique().execute();

  await db.schema
    .createTable('evidence_files')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    /** Base64: one portable text column for SQLite and PostgreSQL; files are small (EVIDENCE_MAX_BYTES). */
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('notice_evidence')
    .addColumn('notice_id', 'text', (c) => c.notNull().references('notices.id'))
    .addColumn('sha256', 'text', (c) => c.notNull().references('evidence_files.sha256'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('uploaded_at', 'text', (c) => c.notNull())
    .addColumn('uploaded_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('notice_evidence_pk', ['notice_id', 'sha256'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
