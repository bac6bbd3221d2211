import { hot } from './hot.js';
import type { Db } from './schema.js';

// Security updates' first sightings per host: how long an update has been pending.

// Every evaluation of a host reads them: compiled once (hot.ts).
const firstSeenOf = hot((db, a: { hostId: string }) => db.selectFrom('update_first_seen').select(['name', 'first_seen_at']).where('host_id', '=', a.hostId));
export async function getFirstSeen(db: Db, hostId: string) {
  return (await firstSeenOf(db, { hostId })).rows;
}

/** Keeps first sightings of what is pending now, forgets what is no longer pending. */
export async function syncFirstSeen(db: Db, hostId: string, pending: string[], at: string, known: Set<string>): Promise<void> {
  const fresh = pending.filter((n) => !known.has(n));
  if (fresh.length) {
    for (let i = 0; i < fresh.length; i += 500) {
      await db
        .insertInto('update_first_seen')
        .values(fresh.slice(i, i + 500).map((name) => ({ host_id: hostId, name, first_seen_at: at })))
        .onConflict((oc) => oc.columns(['host_id', 'name']).doNothing())
        .execute();
    }
  }
  const gone = [...known].filter((n) => !pending.includes(n));
  for (let i = 0; i < gone.length; i += 500)
    await db
      .deleteFrom('update_first_seen')
      .where('host_id', '=', hostId)
      .where('name', 'in', gone.slice(i, i + 500))
      .execute();
}
