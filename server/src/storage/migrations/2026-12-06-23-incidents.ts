import type { Kysely } from 'kysely';

// Frozen. Incident reports (事件上报) and their timeline.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('incidents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('institution_code', 'text', (c) => c.notNull())
    .addColumn('region_code', 'text', (c) => c.notNull())
    .addColumn('institution_name', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('cii', 'integer', (c) => c.notNull())
    .addColumn('criteria', 'text', (c) => c.notNull())
    .addColumn('grading_reason', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('discovered_at', 'text', (c) => c.notNull())
    .addColumn('reported_at', 'text', (c) => c.notNull())
    .addColumn('report_deadline', 'text', (c) => c.notNull())
    .addColumn('impact', 'text', (c) => c.notNull())
    .addColumn('measures', 'text', (c) => c.notNull())
    .addColumn('cause', 'text')
    .addColumn('support_requested', 'text')
    .addColumn('system_ids', 'text', (c) => c.notNull())
    .addColumn('host_ids', 'text', (c) => c.notNull())
    .addColumn('alert_id', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('summary_deadline', 'text')
    .addColumn('summarized_at', 'text')
    .addColumn('summary', 'text')
    .addColumn('received_at', 'text')
    .addColumn('received_by', 'text')
    .addColumn('reported_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incidents_region').on('incidents').columns(['region_code', 'reported_at']).execute();
  await db.schema.createIndex('incidents_institution').on('incidents').columns(['institution_code', 'reported_at']).execute();
  await db.schema.createIndex('incidents_alert').on('incidents').column('alert_id').execute();
  await db.schema
    .createTable('incident_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();
  // The timeline's order; two writers racing for the same place make one of them fail instead of interleaving.
  await db.schema.createIndex('incident_events_order').on('incident_events').columns(['incident_id', 'seq']).unique().execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
