import type { Db } from './schema.js';

/** Reads one row: fails when the database cannot answer (the liveness check). */
export async function probeRead(db: Db): Promise<void> {
  await db.selectFrom('regions').select('code').limit(1).execute();
}

/** Writes (and commits) one small row for this process: fails when the database cannot take writes (full disk, read-only, down). */
export async function probeWrite(db: Db, process: string, at: string): Promise<void> {
  await db
    .insertInto('readiness_probes')
    .values({ process, at })
    .onConflict((oc) => oc.column('process').doUpdateSet({ at }))
    .execute();
}
