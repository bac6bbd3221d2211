import type { Kysely } from 'kysely';

// Frozen. Incident attachments (事件附件): evidence files on the report, follow-ups and summary, their
// content shared with notices and self-inspections in evidence_files (stored once per SHA-256).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('incident_evidence')
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id'))
    .addColumn('sha256', 'text', (c) => c.notNull().references('evidence_files.sha256'))
    .addColumn('name', 'text', (c) => c.notNull())
    /** Which part of the reporting it belongs to: report, follow-up or summary. */
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('uploaded_at', 'text', (c) => c.notNull())
    .addColumn('uploaded_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_evidence_pk', ['incident_id', 'sha256'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
