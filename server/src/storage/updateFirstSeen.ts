import { hotIn, inPieces, runUnread } from './hot.js';
import type { Db } from './schema.js';

// Security updates' first sightings per host: how long an update has been pending.

/** The first sightings of hosts' pending security updates, in one statement. */
// Every evaluation reads them, a report group's hosts at once: compiled once per number of hosts (hot.ts).
export const getFirstSeen = hotIn((db, ids) => db.selectFrom('update_first_seen').select(['host_id', 'name', 'first_seen_at']).where('host_id', 'in', ids));

/**
 * Keeps first sightings of what each host has pending now, forgets what is no longer pending: one insert
 * for all the hosts' new ones.
 */
export async function syncFirstSeen(db: Db, hosts: Array<{ hostId: string; pending: string[]; known: Set<string> }>, at: string): Promise<void> {
  const fresh = hosts.flatMap(({ hostId, pending, known }) => pending.filter((n) => !known.has(n)).map((name) => ({ host_id: hostId, name, first_seen_at: at })));
  await inPieces(fresh, 500, (rows) =>
    runUnread(
      db,
      db
        .insertInto('update_first_seen')
        .values(rows)
        .onConflict((oc) => oc.columns(['host_id', 'name']).doNothing()),
    ),
  );
  for (const { hostId, pending, known } of hosts) {
    const gone = [...known].filter((n) => !pending.includes(n));
    await inPieces(gone, 500, (names) => runUnread(db, db.deleteFrom('update_first_seen').where('host_id', '=', hostId).where('name', 'in', names)));
  }
}
