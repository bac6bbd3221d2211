import type { Kysely } from 'kysely';

// Frozen. The yearly self-inspection (自查自评): each region's template layer for a year, each
// institution's self-inspection for a year, and its evidence (content shared with notices in evidence_files).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('self_inspection_templates')
    .addColumn('region_code', 'text', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('deadline', 'text')
    /** JSON ChecklistItem[]: items this region adds. */
    .addColumn('added', 'text', (c) => c.notNull())
    /** JSON {itemId: points}: inherited items this region raises. */
    .addColumn('raised', 'text', (c) => c.notNull())
    .addColumn('published_at', 'text', (c) => c.notNull())
    .addColumn('published_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('self_inspection_templates_pk', ['region_code', 'year'])
    .execute();

  await db.schema
    .createTable('self_inspections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('institution_code', 'text', (c) => c.notNull())
    .addColumn('institution_region_code', 'text', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    /** JSON {itemId: SelfInspectionAnswer}. */
    .addColumn('answers', 'text', (c) => c.notNull())
    /** JSON ResolvedTemplate frozen at submission (null while being filled in: the live template applies). */
    .addColumn('template', 'text')
    .addColumn('submitted_at', 'text')
    /** 1 when submitted after the region's deadline. */
    .addColumn('late', 'integer', (c) => c.notNull())
    .addColumn('self_score', 'real')
    .addColumn('final_score', 'real')
    .addColumn('percent', 'real')
    .addColumn('reviewed_at', 'text')
    .addColumn('reviewed_by', 'text')
    .addColumn('review_comment', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('self_inspections_institution_year').on('self_inspections').columns(['institution_code', 'year']).unique().execute();
  await db.schema.createIndex('self_inspections_scope').on('self_inspections').columns(['institution_region_code', 'year']).execute();

  await db.schema
    .createTable('self_inspection_evidence')
    .addColumn('inspection_id', 'text', (c) => c.notNull().references('self_inspections.id'))
    .addColumn('sha256', 'text', (c) => c.notNull().references('evidence_files.sha256'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('uploaded_at', 'text', (c) => c.notNull())
    .addColumn('uploaded_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('self_inspection_evidence_pk', ['inspection_id', 'sha256'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
