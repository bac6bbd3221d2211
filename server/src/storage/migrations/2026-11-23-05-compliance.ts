import type { CreateTableBuilder, Kysely } from 'kysely';

/** The columns an institution's score has, current or as of a day. */
function scoreColumns<T extends string, C extends string>(t: CreateTableBuilder<T, C>) {
  return t
    .addColumn('region_code', 'text', (c) => c.notNull())
    .addColumn('score', 'real', (c) => c.notNull())
    .addColumn('technical', 'real', (c) => c.notNull())
    .addColumn('governance', 'real', (c) => c.notNull())
    .addColumn('coverage', 'real', (c) => c.notNull())
    .addColumn('failing_critical', 'integer', (c) => c.notNull())
    .addColumn('failing_high', 'integer', (c) => c.notNull())
    .addColumn('failing_medium', 'integer', (c) => c.notNull())
    .addColumn('failing_low', 'integer', (c) => c.notNull())
    .addColumn('hosts_registered', 'integer', (c) => c.notNull())
    .addColumn('hosts_reporting', 'integer', (c) => c.notNull())
    .addColumn('overdue_mlps', 'integer', (c) => c.notNull());
}

// Frozen. Institution records, findings with their transitions, scores and their daily history.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mlps_systems')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('institution_code', 'text', (c) => c.notNull().references('institutions.code'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('level', 'integer')
    .addColumn('critical_infrastructure', 'integer', (c) => c.notNull())
    .addColumn('personal_info_over_100k', 'integer', (c) => c.notNull())
    .addColumn('graded_on', 'text')
    .addColumn('filed_on', 'text')
    .addColumn('last_evaluated_on', 'text')
    .addColumn('went_live_on', 'text')
    .addColumn('prelaunch_tested_on', 'text')
    .addColumn('retired_on', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mlps_systems_institution').on('mlps_systems').column('institution_code').execute();
  await db.schema
    .createTable('mlps_system_hosts')
    .addColumn('system_id', 'text', (c) => c.notNull())
    .addColumn('host_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('mlps_system_hosts_pk', ['system_id', 'host_id'])
    .execute();
  await db.schema.createIndex('mlps_system_hosts_host').on('mlps_system_hosts').column('host_id').execute();

  await db.schema
    .createTable('governance_records')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('institution_code', 'text', (c) => c.notNull().references('institutions.code'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('vulnerability_scan', 'integer')
    .addColumn('penetration_test', 'integer')
    .addColumn('note', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('governance_records_institution').on('governance_records').columns(['institution_code', 'kind', 'date']).execute();

  await db.schema
    .createTable('risk_exceptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('institution_code', 'text', (c) => c.notNull().references('institutions.code'))
    .addColumn('subject_kind', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('approver', 'text', (c) => c.notNull())
    .addColumn('expires_on', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('withdrawn_at', 'text')
    .execute();
  await db.schema.createIndex('risk_exceptions_subject').on('risk_exceptions').columns(['subject_kind', 'subject_id']).execute();

  await db.schema
    .createTable('region_settings')
    .addColumn('region_code', 'text', (c) => c.primaryKey())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('findings')
    .addColumn('subject_kind', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('institution_code', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('exception_id', 'text')
    .addColumn('exception_expires_on', 'text')
    .addColumn('since', 'text', (c) => c.notNull())
    .addColumn('evaluated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('findings_pk', ['subject_kind', 'subject_id', 'rule_id'])
    .execute();
  await db.schema.createIndex('findings_institution_status').on('findings').columns(['institution_code', 'status']).execute();

  await db.schema
    .createTable('finding_transitions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subject_kind', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('institution_code', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('finding_transitions_subject').on('finding_transitions').columns(['subject_kind', 'subject_id', 'rule_id', 'at']).execute();

  await db.schema
    .createTable('update_first_seen')
    .addColumn('host_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('update_first_seen_pk', ['host_id', 'name'])
    .execute();

  await db.schema
    .createTable('host_scores')
    .addColumn('host_id', 'text', (c) => c.primaryKey())
    .addColumn('institution_code', 'text', (c) => c.notNull())
    .addColumn('score', 'real')
    .addColumn('capped', 'integer', (c) => c.notNull())
    .addColumn('mlps_level', 'integer')
    .addColumn('failing_critical', 'integer', (c) => c.notNull())
    .addColumn('failing_high', 'integer', (c) => c.notNull())
    .addColumn('failing_medium', 'integer', (c) => c.notNull())
    .addColumn('failing_low', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('host_scores_institution').on('host_scores').column('institution_code').execute();

  await scoreColumns(db.schema.createTable('institution_scores').addColumn('institution_code', 'text', (c) => c.primaryKey()))
    .addColumn('grade', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('institution_scores_region').on('institution_scores').column('region_code').execute();

  // One row per institution per China day: what trends and past-period rankings read.
  await scoreColumns(
    db.schema
      .createTable('score_history')
      .addColumn('institution_code', 'text', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull()),
  )
    .addPrimaryKeyConstraint('score_history_pk', ['institution_code', 'day'])
    .execute();
  await db.schema.createIndex('score_history_region_day').on('score_history').columns(['region_code', 'day']).execute();

  await db.schema.alterTable('hosts').addColumn('identity_conflict', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
