import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Frozen. The alerts view's first page by severity and its total, and the overview's open alerts, at
// a province's hundreds of thousands of alerts (the 30 ms budget of DESIGN.md):
// - an index of unresolved alerts in the list's severity order, so the first page is its first rows,
//   with the columns the list filters on: a small region's few alerts are found without reading the
//   others' rows (fewer than a page: the whole index is read, 30 ms instead of 140 at 220,000 on SQLite);
// - alerts counted per institution, status and severity by triggers, so every writer keeps them right and
//   a total is a sum of those, not a count of the alerts. Each change adds a row (+1 or -1) instead of
//   updating a shared one: PostgreSQL transactions opening alerts of one institution in different orders
//   deadlocked on the shared rows (the bench's first reports, five times); inserts never wait on each
//   other. A job folds each key's rows into one (services/alerts.ts, compactAlertCounts).
// All its SQL is in `up`: the test harness knows a migration changed by the text of `up`.
export async function up(db: Kysely<unknown>): Promise<void> {
  // The expression is the list's order (storage/alerts.ts, SEVERITY_RANK), written alike there.
  await sql`create index alerts_unresolved_by_severity on alerts ((case severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2 else 3 end), updated_at desc, id desc, region_code, institution_code, status, severity) where resolved_at is null`.execute(
    db,
  );
  await db.schema
    .createTable('alert_counts')
    .addColumn('region_code', 'text', (c) => c.notNull())
    .addColumn('institution_code', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .execute();
  // What a total reads (by region prefix, institution, status) and the fold groups by, with the count: read from the index alone.
  await db.schema.createIndex('alert_counts_key').on('alert_counts').columns(['region_code', 'institution_code', 'status', 'severity', 'n']).execute();
  await sql`insert into alert_counts (region_code, institution_code, status, severity, n)
    select region_code, institution_code, status, severity, count(*) from alerts group by region_code, institution_code, status, severity`.execute(db);

  const counted = sql.raw('region_code, institution_code, status, severity');
  const leaves = sql.raw('insert into alert_counts (region_code, institution_code, status, severity, n) values (old.region_code, old.institution_code, old.status, old.severity, -1);');
  const enters = sql.raw('insert into alert_counts (region_code, institution_code, status, severity, n) values (new.region_code, new.institution_code, new.status, new.severity, 1);');
  const moved = sql.raw('(old.region_code, old.institution_code, old.status, old.severity) is distinct from (new.region_code, new.institution_code, new.status, new.severity)');
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`create function alert_counts_follow() returns trigger language plpgsql as $$
      begin
        if tg_op <> 'INSERT' then ${leaves} end if;
        if tg_op <> 'DELETE' then ${enters} end if;
        return null;
      end $$`.execute(db);
    await sql`create trigger alert_counts_insert_delete after insert or delete on alerts for each row execute function alert_counts_follow()`.execute(db);
    await sql`create trigger alert_counts_update after update of ${counted} on alerts for each row when (${moved}) execute function alert_counts_follow()`.execute(db);
  } else {
    await sql`create trigger alert_counts_insert after insert on alerts begin ${enters} end`.execute(db);
    await sql`create trigger alert_counts_delete after delete on alerts begin ${leaves} end`.execute(db);
    await sql`create trigger alert_counts_update after update of ${counted} on alerts when ${moved} begin ${leaves} ${enters} end`.execute(db);
  }
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
