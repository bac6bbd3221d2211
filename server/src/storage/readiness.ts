import type { Db } from './schema.js';

/** Writes (and commits) one small row for this process: fails when the database cannot take writes (full disk, read-only, down). */
export async function probeWrite(db: Db, process: string, at: string): Promise<void> {
  await db
    .insertInto('readiness_probes')
    .values({ process, at })
    .onConflict((oc) => oc.column('process').doUpdateSet({ at }))
    .execute();
}

/** The cheapest query that proves the database answers (liveness, and /metrics' latency probe). */
export async function pingDatabase(db: Db): Promise<void> {
  await db.selectFrom('regions').select('code').limit(1).execute();
}
