import type { Kysely } from 'kysely';

// Frozen. Scanner schedule and domain targets (issue 24): when each scanner last reported a round
// (its next is due an interval later, inside the region's window), and the registered domain name an
// exposure's address was resolved from (its entry is the domain's, not an address range's).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('scanners').addColumn('last_round_at', 'text').execute();
  await db.schema.alterTable('exposures').addColumn('domain', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
