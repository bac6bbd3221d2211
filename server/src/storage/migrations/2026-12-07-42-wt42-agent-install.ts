import type { Kysely } from 'kysely';

// Frozen. How each agent was installed, as its heartbeats say (shared AgentInstall as JSON): remote
// upgrades go only to agents whose kind and architecture the release has a file for. Null: not said
// yet (an agent before it), and the agent decides as it always did.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('install', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
