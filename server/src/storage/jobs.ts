import type { Db } from './schema.js';

/** Kept beside its only user rather than in schema.ts: no other module reads job_runs. */
export interface JobRunsTable {
  name: string;
  /** The scheduled time of the cron tick (ISO, whole seconds): the same on every process. */
  tick: string;
  /** Which process claimed it. */
  owner: string;
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

const jobRuns = (db: Db) => db.withTables<{ job_runs: JobRunsTable }>();

/** Claims (name, tick) for this process: true when this call inserted the row, so it runs the job. */
export async function claimJobRun(db: Db, row: { name: string; tick: string; owner: string; started_at: string }): Promise<boolean> {
  const r = await jobRuns(db)
    .insertInto('job_runs')
    .values({ ...row, finished_at: null, error: null })
    .onConflict((oc) => oc.columns(['name', 'tick']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function finishJobRun(db: Db, key: { name: string; tick: string }, finishedAt: string, error: string | null): Promise<void> {
  await jobRuns(db).updateTable('job_runs').set({ finished_at: finishedAt, error }).where('name', '=', key.name).where('tick', '=', key.tick).execute();
}

export function listJobRuns(db: Db, name: string) {
  return jobRuns(db).selectFrom('job_runs').selectAll().where('name', '=', name).orderBy('tick').execute();
}

/** Claims older than `before` serve no purpose once their tick is long past. */
export async function pruneJobRuns(db: Db, name: string, before: string): Promise<void> {
  await jobRuns(db).deleteFrom('job_runs').where('name', '=', name).where('tick', '<', before).execute();
}
