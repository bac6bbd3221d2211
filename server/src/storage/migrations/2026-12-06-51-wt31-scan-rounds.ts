import type { Kysely } from 'kysely';

// Frozen. Outside-in rules (issue 24): when each public target last had a complete scan round (the
// EXT rules count only ports seen in it), and scanner revocation (a revoked scanner gets nothing).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('public_targets').addColumn('scanned_at', 'text').execute();
  await db.schema.alterTable('scanners').addColumn('revoked_at', 'text').execute();
  await db.schema.alterTable('scanners').addColumn('revoked_by', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
