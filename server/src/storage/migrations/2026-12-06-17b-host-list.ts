import type { Kysely } from 'kysely';

// Frozen. The host list pages in hostname or last-seen order: with these, a page reads the rows it
// shows from the index instead of joining and sorting every host of a province.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('hosts_hostname').on('hosts').columns(['hostname', 'id']).execute();
  await db.schema.createIndex('hosts_last_seen').on('hosts').columns(['last_seen_at', 'id']).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
