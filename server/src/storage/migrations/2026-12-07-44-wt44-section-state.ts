import type { Kysely } from 'kysely';

// Frozen. What ingest reads of a host's sections for every report (status, hash, error, collected_at) comes
// after `data` in the row, a section's whole JSON (a package list runs to tens of KB, on overflow pages
// SQLite walks page by page to reach the columns after it): this index holds those columns alone.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('host_sections_state').on('host_sections').columns(['host_id', 'section', 'status', 'hash', 'collected_at', 'error']).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
